"""``archplot.draw`` and the Diagram it returns: one picture, many outputs."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

from ._bulk import bulk
from .errors import InputError
from .graph import Graph
from .autoview import Measure, auto_view
from .styles.diagram import DiagramOptions, build

MAX_PNG_SIDE = 16384
MAX_PNG_PIXELS = 120_000_000
FORMATS = (".svg", ".png", ".pdf", ".tex", ".drawio", ".pptx", ".dot", ".gv", ".mmd", ".json", ".html")
# Print sizes in inches (width, height or None): a journal column, a page's text width, a 16:9 slide.
WIDTHS = {"column": (3.25, None), "page": (6.75, None), "slide": (13.33, 7.5)}
MIN_TEXT_PT = 6.0


class Diagram:
    """A laid-out picture of a graph. Save it (``.svg .png .pdf .dot .mmd .json``), show it in
    a notebook, or read its geometry."""

    def __init__(self, graph: Graph, options: DiagramOptions, style: str = "diagram", style_options: Any = None) -> None:
        self.graph = graph
        self.options = options
        self.style = style
        if style == "diagram":
            with bulk():
                built = build(graph, options)
            self.scene, self._geometry, self.stats = built.scene, built.geometry, built.stats
        else:
            self.scene = style_options.scene(graph)
            geometry = _scene_geometry(self.scene)
            self._geometry = lambda: geometry
            self.stats = {"nodes": len(geometry["nodes"]), "edges": len(graph.edges), "crossings": 0}
        self._svg: str | None = None
        self._geometry_data: dict[str, Any] | None = None

    # -- outputs -------------------------------------------------------------------------------

    def to_svg(self, *, editable: bool = False) -> str:
        """The diagram as SVG text (the source of truth for PNG). ``editable=True`` nests it in
        one ``<g>`` per module box, its qualified name as ``id`` and ``data-path``, for
        restyling in Inkscape or Illustrator."""
        from .backends.svg import to_svg

        if editable:
            return to_svg(self.scene, editable=True)
        if self._svg is None:
            with bulk():
                self._svg = to_svg(self.scene)
        return self._svg

    def _zoom(self, scale: float | None, dpi: float | None) -> float:
        if scale is not None and dpi is not None:
            raise InputError("give scale or dpi, not both")
        zoom = scale if scale is not None else (dpi / 96.0 if dpi is not None else 2.0)
        if not isinstance(zoom, (int, float)) or not 0 < zoom < float("inf"):  # also NaN
            raise InputError(f"scale and dpi must be positive numbers, not {zoom!r}")
        w, h = self.scene.width * zoom, self.scene.height * zoom
        limit = min(MAX_PNG_SIDE / max(w, h, 1) * zoom, (MAX_PNG_PIXELS / max(w * h, 1)) ** 0.5 * zoom)
        if limit < zoom:
            if limit < 1.0:
                warnings.warn(
                    f"the diagram is {self.scene.width:.0f}×{self.scene.height:.0f} px, too large for one PNG at this "
                    f"scale; rendering at {limit:.2f}×, where text may be unreadable. Collapse it "
                    "(depth=...), or save as SVG or PDF", UserWarning, stacklevel=3)
            zoom = limit
        return zoom

    def to_png(self, *, scale: float | None = None, dpi: float | None = None) -> bytes:
        """PNG bytes; ``scale`` (default 2 for sharp text) or ``dpi`` (96 dpi = scale 1)."""
        from .backends.png import svg_to_png

        return svg_to_png(self.to_svg(), self._zoom(scale, dpi))

    def to_image(self, *, scale: float | None = None, dpi: float | None = None) -> Any:
        """The diagram as a ``PIL.Image``."""
        from PIL import Image

        return Image.open(io.BytesIO(self.to_png(scale=scale, dpi=dpi))).convert("RGBA")

    def to_pdf(self, *, width: Any = None, fit_to: str | None = None) -> bytes:
        """A vector PDF, one page the size of the diagram, fonts embedded as TrueType subsets
        (no Type 3 fonts). ``width``: "column" (3.25 in), "page" (6.75 in), "slide"
        (13.33 × 7.5 in), inches, or (width, height) in inches; without it one pixel is one pt.
        ``fit_to``: "width" (scale to the width) or "contain" (fit within width and height;
        the default when there is a height)."""
        from .backends.pdf import scene_to_pdf

        return scene_to_pdf(self.print_scene(width, fit_to))

    def to_tikz(self, *, width: Any = None, fit_to: str | None = None, standalone: bool = False) -> str:
        """A TikZ picture for LaTeX: ``\\input`` it (the document loads tikz) and its text is set
        in the document's font; lengths in pt (``width``/``fit_to`` as for :meth:`to_pdf`).
        ``standalone=True`` gives a whole document that compiles on its own."""
        from .backends.tikz import to_tikz

        return to_tikz(self.print_scene(width, fit_to), standalone=standalone)

    def to_drawio(self) -> str:
        """A draw.io / diagrams.net file: module boxes as containers, nodes as shapes with their
        text, connectors attached to the nodes, labels as text; all editable there."""
        from .backends.drawio import to_drawio

        return to_drawio(self.scene)

    def to_pptx(self, *, width: Any = "slide", fit_to: str | None = None) -> bytes:
        """A PowerPoint file (needs ``pip install 'archplot[pptx]'``): one slide of native shapes,
        connectors and a group per module box. ``width`` as for :meth:`to_pdf`; the default
        "slide" is a 13.33 × 7.5 in slide with the picture fitted in and centred."""
        from .backends.pptx import to_pptx

        scene = self.print_scene(width, fit_to)
        w, h = self._page(width)
        slide = (scene.width, scene.height) if h is None else (w * 72.0, max(h * 72.0, scene.height))
        if not all(72.0 <= side <= 56 * 72.0 for side in slide):  # PowerPoint's own limits
            raise InputError(f"at width={width!r} the slide would be {slide[0] / 72:.1f} × {slide[1] / 72:.1f} in; "
                             "PowerPoint takes 1 to 56 in a side: give width='slide' (the picture fitted in) or "
                             "collapse it (depth=...)")
        return to_pptx(scene, slide)

    def print_scene(self, width: Any = None, fit_to: str | None = None) -> Any:
        """The scene at print size (one unit one pt): see :meth:`to_pdf` for ``width`` and
        ``fit_to``. Refuses a size whose smallest text would be under 6 pt, and says what fits."""
        from .backends.scene import scaled, smallest_text

        s = self._print_scale(self.scene, width, fit_to)
        small = smallest_text(self.scene)
        if small is not None and small * s < MIN_TEXT_PT - 1e-9:
            raise InputError(f"at width={width!r} the smallest text would be {small * s:.1f} pt, under "
                             f"{MIN_TEXT_PT:g} pt; {self._what_fits(width, fit_to)}")
        return scaled(self.scene, s)

    @classmethod
    def _print_scale(cls, scene: Any, width: Any, fit_to: str | None) -> float:
        if width is None:
            if fit_to is not None:
                raise InputError("fit_to needs a width: width='column', 'page', 'slide' or inches")
            return 1.0
        w, h = cls._page(width)
        if fit_to not in (None, "width", "contain"):
            raise InputError(f"fit_to must be 'width' or 'contain', not {fit_to!r}")
        s = w * 72.0 / max(scene.width, 1.0)
        if h is not None and (fit_to or "contain") == "contain":
            s = min(s, h * 72.0 / max(scene.height, 1.0))
        return s

    @staticmethod
    def _page(width: Any) -> tuple[float, float | None]:
        """(width, height or None) in inches for a ``width`` option."""
        if width is None:
            return (0.0, None)
        if isinstance(width, str):
            if width not in WIDTHS:
                raise InputError(f"width must be 'column', 'page', 'slide', inches or (width, height) in inches, "
                                 f"not {width!r}")
            w, h = WIDTHS[width]
        elif isinstance(width, (tuple, list)) and len(width) == 2:
            w, h = width
        else:
            w, h = width, None
        for v in (w, h):
            if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0):
                raise InputError(f"width must be 'column', 'page', 'slide', inches or (width, height) in inches, "
                                 f"not {width!r}")
        return w, h

    def _what_fits(self, width: Any, fit_to: str | None) -> str:
        """A way out when the text would be too small: the deepest level of detail that fits."""
        from .backends.scene import smallest_text

        best = None
        if self.style == "diagram":
            deepest = max((self.graph.scope_depth(s) for s in self.graph.scopes), default=0)
            for d in range(1, deepest + 1):
                with bulk():
                    scene = build(self.graph.collapse(depth=d), self.options).scene
                small = smallest_text(scene) or MIN_TEXT_PT
                if small * self._print_scale(scene, width, fit_to) < MIN_TEXT_PT:
                    break
                best = d
        how = f"draw it with depth={best}" if best is not None else "collapse it (depth=...)"
        return f"{how}, wrap it into rows with draw(..., fit=...), or give a larger width"

    def to_dot(self) -> str:
        """Graphviz DOT text (modules as clusters)."""
        from .backends.dot import to_dot
        from .styles.outline import outline

        return to_dot(outline(self.graph), self.options.direction)

    def to_mermaid(self) -> str:
        """A Mermaid flowchart (modules as subgraphs), for docs that render Mermaid."""
        from .backends.dot import to_mermaid
        from .styles.outline import outline

        return to_mermaid(outline(self.graph), self.options.direction)

    def save(self, path: Any, *, scale: float | None = None, dpi: float | None = None, width: Any = None,
             fit_to: str | None = None, standalone: bool = False, editable: bool = False) -> Path:
        """Write the diagram; the format follows the extension (.svg .png .pdf .tex .drawio .pptx
        .dot .mmd .json .html). ``scale``/``dpi``: PNG resolution. ``width``/``fit_to``: print size
        of .pdf, .tex and .pptx (see :meth:`to_pdf`). ``standalone``: a .tex that compiles alone.
        ``editable``: an .svg with one group per module box (see :meth:`to_svg`)."""
        p = Path(path)
        ext = p.suffix.lower()
        if ext not in FORMATS:
            raise InputError(f"cannot save {p.name!r}: unknown extension {ext or '(none)'}; use one of {', '.join(FORMATS)}")
        if (width is not None or fit_to is not None) and ext not in (".pdf", ".tex", ".pptx"):
            raise InputError(f"width= and fit_to= size .pdf, .tex and .pptx files, not {ext}; "
                             "for a PNG give scale= or dpi=")
        if standalone and ext != ".tex":
            raise InputError(f"standalone= is for .tex files (a whole LaTeX document), not {ext}")
        if editable and ext != ".svg":
            raise InputError(f"editable= is for .svg files (one group per module box), not {ext}; "
                             ".drawio and .pptx are editable as they are")
        if ext == ".png":
            data: bytes | str = self.to_png(scale=scale, dpi=dpi)
        elif ext == ".pdf":
            data = self.to_pdf(width=width, fit_to=fit_to)
        elif ext == ".tex":
            data = self.to_tikz(width=width, fit_to=fit_to, standalone=standalone)
        elif ext == ".pptx":
            data = self.to_pptx(width="slide" if width is None else width, fit_to=fit_to)
        elif ext == ".drawio":
            data = self.to_drawio()
        elif ext == ".svg":
            data = self.to_svg(editable=editable)
        elif ext in (".dot", ".gv"):
            data = self.to_dot()
        elif ext == ".mmd":
            data = self.to_mermaid()
        elif ext == ".json":
            data = self.graph.to_json()
        else:
            data = self.to_html()
        if isinstance(data, str):
            p.write_text(data, encoding="utf-8")
        else:
            p.write_bytes(data)
        return p

    def to_html(self) -> str:
        """The interactive view: one self-contained HTML page (expand, search, details, export)."""
        if self.style != "diagram":
            raise InputError(f"the interactive view draws the default diagram, not style={self.style!r}; "
                             "save this one as .svg, .png or .pdf")
        from dataclasses import replace

        from .backends.html import to_html
        from .styles.diagram import prepare
        from .styles.viewer import viewer_data
        from .transforms.view import derive, origin_of, view_of

        # The page shows the graph fully expanded (its script collapses what this view
        # collapses), folded and, when folding is on, unfolded too.
        from .styles.overlay import make_scale, node_values

        # Every view is coloured by the static picture's scale of each overlay, so the two agree.
        overlays = list(self.options.overlays or ([self.options.overlay] if self.options.overlay is not None else []))
        scales = [make_scale(*node_values(self.graph, o), self.options.top_k) for o in overlays]
        opts = replace(self.options, thumbnails=None, overlay=None, top_k=None, overlays=None)
        origin, shown = origin_of(self.graph), view_of(self.graph)
        open_view = replace(shown, collapsed=frozenset())
        with bulk():
            folded = derive(origin, open_view)
            views = {"folded": prepare(folded, opts)}
            if shown.fold:
                views["unfolded"] = prepare(derive(origin, replace(open_view, fold=False)), opts)
            collapsed = sorted(sid for sid in shown.collapsed if sid in folded.scopes)
            data = viewer_data(views, collapsed, self.options.thumbnails, overlays, scales)
            return to_html(data, self.options.title or self.graph.meta.get("model", "archplot"))

    def geometry(self) -> dict[str, Any]:
        """The drawn picture as data: sizes and positions of nodes and module boxes, edge routes."""
        if self._geometry_data is None:
            self._geometry_data = self._geometry()
        return self._geometry_data

    # -- notebooks -----------------------------------------------------------------------------

    def _repr_html_(self) -> str:
        if self.style == "diagram":  # the interactive view, isolated in an iframe
            from .backends.html import iframe

            return iframe(self.to_html(), height=int(min(max(self.scene.height, 320), 720)))
        # Never clipped: a wide or tall picture scrolls inside the cell at its natural size.
        svg = self.to_svg().replace("<svg ", '<svg style="max-width:none;height:auto" ', 1)
        return '<div style="max-width:100%;max-height:900px;overflow:auto">' + svg + "</div>"

    def __repr__(self) -> str:
        return (f"<archplot.Diagram {self.scene.width:.0f}×{self.scene.height:.0f} px: {self.stats['nodes']} nodes, "
                f"{self.stats['edges']} edges, {self.stats['crossings']} crossings>")


def _scene_geometry(scene: Any) -> dict[str, Any]:
    """Node boxes of a drawn scene, from the groups that carry a node id."""
    from .backends.scene import Circle, Group, Polygon, Rect, Text

    nodes = []
    for it in scene.items:
        if not isinstance(it, Group) or "node" not in it.data:
            continue
        xs: list[float] = []
        ys: list[float] = []
        for p in it.items:
            if isinstance(p, Rect):
                xs += [p.x, p.x + p.w]
                ys += [p.y, p.y + p.h]
            elif isinstance(p, Circle):
                xs += [p.cx - p.r, p.cx + p.r]
                ys += [p.cy - p.r, p.cy + p.r]
            elif isinstance(p, Polygon):
                xs += [x for x, _ in p.points]
                ys += [y for _, y in p.points]
        if xs and not all(isinstance(p, Text) for p in it.items):
            nodes.append({"id": it.data["node"], "x": round(min(xs), 1), "y": round(min(ys), 1),
                          "width": round(max(xs) - min(xs), 1), "height": round(max(ys) - min(ys), 1)})
    return {"width": scene.width, "height": scene.height, "nodes": nodes, "groups": [], "edges": []}


def view(graph: Graph, *, depth: int | str | None = None, expand: Any = None, collapse: Any = None,
         focus: str | None = None, fold: bool = True, hide_trivial: bool = True, prune: bool = True,
         options: DiagramOptions | None = None) -> Graph:
    """The graph a diagram shows, from the same options as :func:`draw` (``options``: the looks
    the automatic level of detail measures its candidate pictures with)."""
    g = graph
    if focus is not None:
        g = g.focus(focus)
    if hide_trivial:
        g = g.hide(trivial=True)
    if prune:
        g = g.prune()
    if depth == "all":
        pass  # every module open
    elif depth is not None:
        if isinstance(depth, str):
            raise InputError(f"depth must be an integer of at least 1 or 'all', not {depth!r}")
        g = g.collapse(depth=depth)
    elif expand != "**":  # expand= opens modules within the automatic level of detail
        g = auto_view(g, fold, _measure(options or DiagramOptions()))
    if collapse is not None:
        g = g.collapse(collapse)
    if expand is not None:
        g = g.expand(expand)
    if fold:
        g = g.fold_repeats()
    return g


def _measure(options: DiagramOptions) -> Measure:
    def measure(g: Graph) -> tuple[float, float, int]:
        built = build(g, options)
        return built.scene.width, built.scene.height, built.stats["crossings"]
    return measure


def draw(model_or_graph: Any, input_data: Any = None, *, input_size: Any = None, dtypes: Any = None,
         device: Any = None, train: bool = False, leaf_modules: Any = (), forward_kwargs: dict | None = None,
         depth: int | str | None = None, expand: Any = None, collapse: Any = None, focus: str | None = None,
         fold: bool | None = None, hide_trivial: bool | None = None, prune: bool | None = None,
         direction: str | None = None, theme: str | None = None, color_map: Any = None,
         show_shapes: bool | None = None, show_params: bool | None = None, show_attrs: bool | None = None,
         legend: bool | None = None, layer_spacing: float | None = None, node_spacing: float | None = None,
         title: str | None = None, style: Any = "diagram", show_activations: bool | None = None,
         overlay: Any = None, top_k: int | None = None, metrics: Any = None, fit: str | None = None,
         max_aspect: float | None = None, **style_options: Any) -> Diagram:
    """Draw a model (traced on ``input_data``/``input_size``) or a :class:`Graph`.

    ``style``: "diagram" (the default architecture diagram), or a classic style: "graph"
    (neurons in columns), "layered" (3-D boxes), "lenet" (feature-map stacks); their own
    options (``show_neurons``, ``node_size``, ``type_ignore``, ``scale_xy``, ...) are keywords here,
    or give a style object (``archplot.LayeredStyle(scale_z=2)``). An option the
    chosen style does not use is an error that lists the ones it does. Options left at ``None``
    take the style's default (the diagram: ``fold``, ``hide_trivial``, ``prune``, ``show_*`` and
    ``legend`` on, ``direction="TB"``, ``theme="light"``).

    Level of detail: ``depth`` (default: chosen by the picture it makes: within about 120
    nodes, no longer than 4:1, the model's main repeated block shown open once; ``"all"``:
    every module open), ``expand``/``collapse`` (module paths or globs), ``focus`` (one module's inside),
    ``fold`` identical consecutive blocks into one (×N), ``hide_trivial`` shape plumbing,
    ``prune`` computations whose results reach no output. Look: ``direction`` "TB" or "LR",
    ``theme`` "light", "dark" or "print", ``color_map`` ({nn.Conv2d: "#E69F00"}, keys may be
    classes, type names or families; values a colour or {"fill": ..., "outline": ...}),
    ``show_shapes``/``show_params``/``show_attrs``, ``legend``, ``layer_spacing`` and
    ``node_spacing`` in pixels, ``title``. Page shape: a picture longer than 4:1 wraps into
    columns (rows when ``direction="LR"``); ``fit="page"``, ``"slide"`` or ``"column"`` wraps
    it to come closest to that shape, ``max_aspect=N`` to at most N:1, ``fit="none"`` never.
    ``show_activations=True`` puts a thumbnail of each
    layer's output for ``input_data`` (a tensor or an image path) inside its node. Tracing
    options are those of :func:`archplot.trace`; keyword arguments for ``forward`` go in
    ``forward_kwargs``.

    ``overlay`` colours every node by a number and prints it: "params", "flops", "macs",
    "time", "memory", "live_memory", "activation_mean", "activation_std", "sparsity",
    "grad_norm", a dict {module name: number}, or a function of a :class:`Node`; a list of
    them gives the interactive view a switch (the picture shows the first). ``top_k`` colours
    only the k largest values. Measured metrics (time, activation statistics, grad_norm) are
    measured when drawing a model; ``metrics`` passes their options, e.g.
    ``{"time": {"repeats": 10}}``. See the overlays guide.

    >>> import torch, archplot
    >>> d = archplot.draw(torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU()), input_size=(1, 4))
    >>> d.save("mlp.svg")                                   # doctest: +SKIP
    """
    from .styles.classic import STYLES, ClassicStyle, style_for

    everything = dict(
        depth=depth, expand=expand, collapse=collapse, fold=fold, hide_trivial=hide_trivial, prune=prune,
        direction=direction, theme=theme, color_map=color_map, show_shapes=show_shapes, show_params=show_params,
        show_attrs=show_attrs, legend=legend, layer_spacing=layer_spacing, node_spacing=node_spacing, title=title,
        show_activations=show_activations, overlay=overlay, top_k=top_k, fit=fit, max_aspect=max_aspect)
    options = {k: v for k, v in everything.items() if v is not None}
    if isinstance(style, ClassicStyle) or style != "diagram":
        if isinstance(style, ClassicStyle):
            given = {**options, **style_options}
            if given:
                raise InputError(f"options {', '.join(map(repr, given))} go into the style object when style= is one")
            classic = style
        elif style in STYLES:
            classic = style_for(style, {**options, **style_options}, everything)
        else:
            raise InputError(f"unknown style {style!r}; choose one of diagram, {', '.join(STYLES)}")
        graph = _graph_for(model_or_graph, input_data, input_size, dtypes, device, train, leaf_modules, forward_kwargs)
        if focus is not None:
            graph = graph.focus(focus)
        return Diagram(graph, DiagramOptions(), style=classic.name, style_options=classic)
    if style_options:
        names = sorted(style_options)
        code = draw.__code__
        valid = sorted(code.co_varnames[2:code.co_argcount + code.co_kwonlyargcount])
        raise InputError(f"draw() got unknown option{'s' if len(names) > 1 else ''} {', '.join(map(repr, names))}; "
                         f"valid options are: {', '.join(valid)}")
    view_options = {k: options.pop(k) for k in ("depth", "expand", "collapse", "fold", "hide_trivial", "prune")
                    if k in options}
    show_activations = options.pop("show_activations", False)
    if show_activations:
        input_data = _real_input(model_or_graph, input_data)
    overlays = _overlays(options.pop("overlay", None))
    if overlays:
        options["overlay"], options["overlays"] = overlays[0], overlays
    if not isinstance(model_or_graph, Graph):
        metrics = _metrics_for(overlays, metrics)
    elif metrics is not None:
        raise InputError("metrics only apply when drawing a model; a Graph holds the metrics it was traced with")
    graph = _graph_for(model_or_graph, input_data, input_size, dtypes, device, train, leaf_modules, forward_kwargs,
                       metrics)
    opts = DiagramOptions(**options)
    opts.check()
    with bulk():
        g = view(graph, focus=focus, options=opts, **view_options)
    if show_activations:
        opts.thumbnails = _thumbnails(model_or_graph, input_data, g)
    return Diagram(g, opts)


def _real_input(model: Any, input_data: Any) -> Any:
    """The input for activation thumbnails: real values, an image path loaded as a tensor."""
    if isinstance(model, Graph):
        raise InputError("show_activations needs the model and an input, not a Graph")
    if input_data is None:
        raise InputError("show_activations needs real input_data (a tensor or an image path), not input_size")
    from PIL import Image

    if isinstance(input_data, (str, Path, Image.Image)):
        from .inspect.activations import _image_channels, load_image

        return load_image(input_data, channels=_image_channels(model))
    return input_data


def _thumbnails(model: Any, input_data: Any, g: Graph) -> dict[str, bytes]:
    from .inspect.activations import activations
    from .inspect.images import thumbnail

    paths = sorted({n.path for n in g.nodes.values() if n.kind == "module" and not n.collapsed and n.path})
    if not paths:
        return {}
    acts = activations(model, input_data, layers=paths)
    return {p: thumbnail(acts[p]) for p in paths if p in acts}


def _overlays(overlay: Any) -> list[Any]:
    """One overlay or a list of them (the interactive view switches between them)."""
    from .styles.overlay import resolve

    if overlay is None:
        return []
    overlays = list(overlay) if isinstance(overlay, (list, tuple)) else [overlay]
    for o in overlays:
        if not isinstance(o, (str, dict)) and not callable(o):
            resolve(Graph(), o)  # says what an overlay can be (a dict's keys are checked against the graph later)
    for o in overlays:
        if isinstance(o, str):
            resolve(Graph(meta={"metrics": [o]}), o)  # an unknown name fails here, before any tracing
    return overlays


def _metrics_for(overlays: list[Any], metrics: Any) -> Any:
    """The metrics to measure while tracing: those the overlays name, with the given options."""
    from .capture.metrics import parse_request
    from .graph.metrics import MEASURED_METRICS

    request = parse_request(metrics)
    for o in overlays:
        if isinstance(o, str) and o in MEASURED_METRICS:
            request.setdefault(o, {})
    return request or None


def _graph_for(model_or_graph: Any, input_data: Any, input_size: Any, dtypes: Any, device: Any, train: bool,
               leaf_modules: Any, forward_kwargs: dict | None, metrics: Any = None) -> Graph:
    if isinstance(model_or_graph, Graph):
        used = [k for k, v in (("input_data", input_data), ("input_size", input_size), ("dtypes", dtypes),
                               ("device", device), ("forward_kwargs", forward_kwargs)) if v is not None]
        if used:
            raise InputError(f"{', '.join(used)} only apply when drawing a model, not a Graph")
        return model_or_graph
    from .capture import trace

    return trace(model_or_graph, input_data, input_size=input_size, dtypes=dtypes, device=device, train=train,
                 leaf_modules=leaf_modules, metrics=metrics, **(forward_kwargs or {}))


def render(model_or_graph: Any, input_shape: Any = None, style: str = "diagram", *, input_data: Any = None,
           scale: float | None = None, **options: Any) -> Any:
    """Draw and return a ``PIL.Image``: ``archplot.render(model, (1, 3, 224, 224), style="layered")``.

    Takes the options of :func:`draw`. The image has 2 pixels per diagram pixel, fewer where
    that would make its long side exceed 4,000 pixels; ``scale`` sets it explicitly.

    >>> img = archplot.render(model, (1, 3, 224, 224), style="lenet")   # doctest: +SKIP
    """
    d = draw(model_or_graph, input_data, input_size=input_shape, style=style, **options)
    if scale is None:
        long_side = max(d.scene.width, d.scene.height, 1.0)
        scale = min(2.0, 3999.5 / long_side)  # rounding the size up never passes 4,000
    return d.to_image(scale=scale)
