"""``archplot.diff`` and the :class:`Diff` it returns: two models in one picture, and the list
of what changed between them."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ._bulk import bulk
from .diagram import Diagram, draw
from .errors import InputError
from .graph import Graph
from .styles.diagram import DiagramOptions
from .transforms.diff import Change, DiffResult, diff_graphs, summary_line

SIDE_FILES = (".json", ".onnx", ".pt2")


class Diff(Diagram):
    """The union of two models at a common level of detail, coloured by what changed; draws
    and saves like a :class:`Diagram`. ``changes`` lists every difference as a
    :class:`~archplot.transforms.diff.Change` (kind, path in a, path in b, what)."""

    def __init__(self, result: DiffResult, options: DiagramOptions, sides: tuple[Graph, Graph],
                 names: tuple[str, str]) -> None:
        with bulk():
            super().__init__(result.graph, options)
        self.changes: list[Change] = result.changes
        self.names = names
        self._sides = sides

    @property
    def equal(self) -> bool:
        """True when nothing differs (after ``ignore``)."""
        return not self.changes

    @property
    def summary(self) -> str:
        """'3 added, 1 removed, 2 changed', or 'no differences'."""
        return summary_line(self.changes)

    # -- reports ---------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.names[0], "b": self.names[1], "equal": self.equal, "summary": self.summary,
                "changes": [c.to_dict() for c in self.changes]}

    def to_text(self) -> str:
        lines = [f"{self.names[0]} → {self.names[1]}: {self.summary}"]
        lines += [str(c) for c in self.changes]
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        def cell(s: str) -> str:
            return html.escape(s, quote=False).replace("|", "\\|").replace("\n", " ")

        out = [f"**{cell(self.names[0])} → {cell(self.names[1])}**: {cell(self.summary)}", ""]
        if self.changes:
            out += ["| change | module | what |", "|---|---|---|"]
            out += [f"| {c.kind} | `{cell(c.path)}` | {cell(c.what)} |" for c in self.changes]
        return "\n".join(out) + "\n"

    # -- the page: the diff, each side, and the list --------------------------------------------

    def to_html(self) -> str:
        """One page with tabs: the diff, model a, model b (each the interactive view) and the list."""
        diff_page = super().to_html()
        opts: dict[str, Any] = {"direction": self.options.direction, "theme": self.options.theme, "legend": self.options.legend,
                "show_shapes": self.options.show_shapes}
        side_pages = [draw(g, title=name, **opts).to_html() for g, name in zip(self._sides, self.names)]
        rows = "".join(f"<tr><td>{html.escape(c.kind)}</td><td><code>{html.escape(c.path)}</code></td>"
                       f"<td>{html.escape(c.what)}</td></tr>" for c in self.changes)
        table = (f"<p>{html.escape(self.summary)}</p>" + (f"<table><tr><th>change</th><th>module</th><th>what</th></tr>"
                                                          f"{rows}</table>" if rows else ""))
        tabs = [("diff", diff_page), (f"a: {self.names[0]}", side_pages[0]), (f"b: {self.names[1]}", side_pages[1])]
        buttons = "".join(f'<button role="tab" aria-selected="{str(i == 0).lower()}" data-i="{i}">{html.escape(t)}</button>'
                          for i, (t, _) in enumerate(tabs + [("changes", "")]))
        # Each page loads when its tab is first shown: a view laid out while hidden has no size.
        frames = "".join(f'<iframe class="pane{" on" if i == 0 else ""}" data-page="{html.escape(page, quote=True)}" '
                         f'sandbox="allow-scripts allow-downloads" title="{html.escape(t, quote=True)}"></iframe>'
                         for i, (t, page) in enumerate(tabs))
        title = html.escape(f"{self.names[0]} → {self.names[1]}")
        return _PAGE.format(title=title, buttons=buttons, frames=frames, table=table)

    def _repr_html_(self) -> str:
        from .backends.html import iframe

        return iframe(self.to_html(), height=int(min(max(self.scene.height + 48, 360), 760)))

    def __repr__(self) -> str:
        return f"<archplot.Diff {self.names[0]} → {self.names[1]}: {self.summary}>"


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
html,body{{margin:0;height:100%;font:13px 'DejaVu Sans',Verdana,sans-serif;color:#1b1b1f}}
nav{{display:flex;gap:2px;padding:6px 8px 0;border-bottom:1px solid #c3c7cf;background:#f6f7f9}}
nav button{{font:inherit;padding:5px 12px;border:1px solid #c3c7cf;border-bottom:none;border-radius:5px 5px 0 0;
background:#eceef2;cursor:pointer}}
nav button[aria-selected=true]{{background:#fff;font-weight:bold;margin-bottom:-1px}}
.pane{{display:none;border:0;width:100%;height:calc(100% - 36px)}} .pane.on{{display:block}}
div.pane{{overflow:auto;padding:8px 16px;box-sizing:border-box}}
table{{border-collapse:collapse}} td,th{{border:1px solid #c3c7cf;padding:3px 8px;text-align:left;vertical-align:top}}
</style></head><body>
<nav role="tablist">{buttons}</nav>
{frames}<div class="pane">{table}</div>
<script>
const tabs = document.querySelectorAll("nav button"), panes = document.querySelectorAll(".pane");
function show(k) {{
  tabs.forEach((t, i) => t.setAttribute("aria-selected", String(i === k)));
  panes.forEach((p, i) => p.classList.toggle("on", i === k));
  const p = panes[k];
  if (p.dataset.page) requestAnimationFrame(() => {{ p.srcdoc = p.dataset.page; delete p.dataset.page; }});
}}
tabs.forEach((b, i) => b.onclick = () => show(i));
show(0);
</script></body></html>
"""


def _side(x: Any, input_data: Any, input_size: Any, which: str, trace_options: dict[str, Any]) -> tuple[Graph, str]:
    """One side of a diff as a Graph, and a name for it."""
    from . import load, trace

    if isinstance(x, Graph):
        if input_data is not None:
            raise InputError(f"input_{which} only applies when side {which} is a model, not a Graph")
        return x, str(x.meta.get("model", which))
    if isinstance(x, (str, Path)):
        p = Path(x)
        if p.suffix.lower() not in SIDE_FILES:
            raise InputError(f"side {which} of the diff: {str(x)!r} is not a file archplot reads "
                             f"({', '.join(SIDE_FILES)}); pass a model, a Graph or such a file")
        return load(p), p.stem
    if not callable(x):
        raise InputError(f"side {which} of the diff must be a model, a Graph or a .json/.onnx/.pt2 file, "
                         f"not {type(x).__name__}")
    return trace(x, input_data, input_size=input_size, **trace_options), type(x).__name__


def diff(a: Any, b: Any, input_data: Any = None, *, input_size: Any = None, input_a: Any = None,
         input_b: Any = None, dtypes: Any = None, device: Any = None, ignore: Any = (), names: Any = None,
         direction: str = "TB", theme: str = "light", title: str | None = None, legend: bool = True,
         show_shapes: bool = True) -> Diff:
    """Compare two models in one picture.

    ``a`` and ``b``: each a model (traced on ``input_a``/``input_b``, else on ``input_data`` or
    ``input_size``, which both share), a :class:`Graph`, or a file archplot reads (``.json``,
    ``.onnx``, ``.pt2``). ``ignore``: type names or parts of them (``"dropout"``), attribute names
    (``"eps"``) or module path globs to leave out. ``names``: what to call the two sides.
    Look: ``direction``, ``theme``, ``title`` (default "a → b"), ``legend``, ``show_shapes``.

    >>> d = archplot.diff(resnet18(), resnet34(), input_size=(1, 3, 224, 224))   # doctest: +SKIP
    >>> print(d.summary)                                                       # doctest: +SKIP
    4 repeat
    >>> d.save("diff.svg")                                                     # doctest: +SKIP
    """
    trace_options = {"dtypes": dtypes, "device": device}
    ga, name_a = _side(a, input_a if input_a is not None else input_data, input_size, "a", trace_options)
    gb, name_b = _side(b, input_b if input_b is not None else input_data, input_size, "b", trace_options)
    if names is None:
        names = (name_a, name_b) if name_a != name_b else (f"{name_a} (a)", f"{name_b} (b)")
    elif (not isinstance(names, (tuple, list)) or len(names) != 2
          or not all(isinstance(n, str) for n in names)):
        raise InputError(f"names must be two strings, such as ('resnet18', 'resnet34'); got {names!r}")
    names = (str(names[0]), str(names[1]))
    with bulk():
        result = diff_graphs(ga, gb, ignore=ignore, names=names)
    opts = DiagramOptions(direction=direction, theme=theme, legend=legend, show_shapes=show_shapes,
                          title=f"{names[0]} → {names[1]}" if title is None else title)
    return Diff(result, opts, (ga, gb), names)
