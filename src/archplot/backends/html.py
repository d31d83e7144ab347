"""The interactive view: one self-contained HTML file (no network at view time).

Python measures every label and plans the layout of every module box once (ranks, order,
dummy points: the size-independent part); the page's script computes coordinates and
routes from sizes with the same rules, so expanding a box re-lays out only its ancestors.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Hashable

from ..graph import Graph, Node
from ..layout.layered import plan
from ..styles.diagram import (EDGE_LABEL, FOLD_OFFSET, GROUP_TITLE, MARGIN, TITLE, DiagramOptions, _look,
                              display_name, prepare)
from ..styles.labels import shape_text
from .text import FONT_DIR

HERE = Path(__file__).parent
HIGHLIGHT = {"light": "#D55E00", "dark": "#ffb000", "print": "#000000"}


def _tok(u: Hashable) -> str:
    kind, val = u  # type: ignore[misc]
    if kind in ("in", "out"):
        return ("i" if kind == "in" else "o") + _key(val)
    return f"{kind}{val}"


def _key(key: Any) -> str:
    return f"{key[0]}_{key[1]}"


def _rows(n: Node, in_dtypes: dict[int, list[str | None]]) -> list[list[str]]:
    rows = [["path", n.path or "(top level)"], ["kind", n.kind], ["type", n.type]]
    if n.repeat > 1:
        rows.append(["stands for", f"{n.repeat} blocks: {', '.join(n.repeat_paths)}"])
    for k, v in n.attrs.items():
        rows.append([k, json.dumps(v) if not isinstance(v, str) else v])
    if n.params:
        rows.append(["parameters", f"{n.params:,}"])
    for name, shape in n.param_shapes.items():
        rows.append([f"  {name}", shape_text(shape)])
    dtypes = in_dtypes.get(n.id, [])
    for i, s in enumerate(n.in_shapes):
        rows.append([f"input {i}", shape_text(s, dtypes[i] if i < len(dtypes) else None)])
    for i, s in enumerate(n.out_shapes):
        rows.append([f"output {i}", shape_text(s)])
    for p in n.parts:
        rows.append(["part", f"{p['name']} · {p['type']}"])
    if n.dynamic:
        rows.append(["dynamic", "yes: the forward read tensor values here; drawn as run for this input"])
    return rows


def _view_data(g: Graph, opts: DiagramOptions, thumbs: dict[str, bytes] | None = None) -> tuple[dict[str, Any], Any]:
    """The page's data for one view, and the layout spec it was measured with."""
    prep = prepare(g, opts)
    p = plan(prep.spec)
    theme = prep.theme
    in_dtypes: dict[int, list[str | None]] = {}
    for e in g.edges:
        in_dtypes.setdefault(e.target, []).append(e.dtype)
    nodes = {}
    for nid, n in g.nodes.items():
        lk = prep.looks[nid]
        nodes[nid] = {"kind": n.kind, "type": n.type, "name": n.name, "path": n.path, "scope": n.scope,
                      "L": lk.lines, "w": lk.w, "h": lk.h, "f": lk.fill, "st": lk.stroke, "tc": lk.text, "rx": lk.rx,
                      "dash": lk.dash, "stack": lk.stacked, "c": n.collapsed,
                      "info": {"title": f"{n.path or n.name} · {n.type}", "rows": _rows(n, in_dtypes)}}
        if thumbs and n.kind == "module" and n.path in thumbs:  # the activation, shown in the details panel
            nodes[nid]["info"]["image"] = "data:image/png;base64," + base64.b64encode(thumbs[n.path]).decode("ascii")
    # the tensors that enter and leave each box, for its details
    entering, leaving = ({sid: list(dict.fromkeys(shape_text(e.shape, e.dtype) for e in es))[:8]
                          for sid, es in side.items()} for side in g.boundary_edges())
    scopes = {}
    for sid, s in g.scopes.items():
        module = g.modules.get(s.path)
        mtype = module.type if module else ("model" if sid == 0 else "group")
        col = Node(-1, "module", mtype, display_name(s.path) if s.path else mtype, s.path, s.parent or 0,
                   attrs=dict(module.attrs) if module else {}, params=module.params if module else 0,
                   dynamic=bool(module and module.dynamic), collapsed=True, structure=s.structure,
                   repeat=s.repeat, repeat_paths=list(s.repeat_paths))
        lk = _look(col, g, opts, theme)
        rows = [["path", s.path or "(the model)"], ["type", mtype], ["call", str(s.call)]]
        if module:
            rows += [["parameters", f"{module.params:,}"], ["trainable", f"{module.trainable_params:,}"],
                     ["calls", str(module.calls)]]
            rows += [[k, json.dumps(v) if not isinstance(v, str) else v] for k, v in module.attrs.items()]
            if module.dynamic:
                rows.append(["dynamic", module.dynamic_reason or "yes"])
        if s.repeat > 1:
            rows.append(["stands for", f"{s.repeat} blocks: {', '.join(s.repeat_paths)}"])
        rows += [["enters", ", ".join(entering[sid])], ["leaves", ", ".join(leaving[sid])]]
        scopes[sid] = {"parent": s.parent, "path": s.path, "type": mtype, "title": prep.titles.get(sid, s.path),
                       "depth": g.scope_depth(sid), "repeat": s.repeat, "rp": s.repeat_paths if s.repeat > 1 else None, "dyn": "⚡" in prep.titles.get(sid, ""),
                       "col": {"L": lk.lines, "w": lk.w, "h": lk.h, "f": lk.fill, "st": lk.stroke, "tc": lk.text,
                               "rx": lk.rx, "dash": lk.dash, "stack": lk.stacked, "c": True},
                       "info": {"title": f"{s.path or 'model'} · {mtype}", "rows": rows}}
    structures = {}
    for sid, bp in p.boxes.items():
        st, tok = bp.structure, [_tok(t) for t in bp.tokens()]
        port = [None] + [_tok(("out", k)) for k in bp.keys]  # -1 (no port) -> None
        inport = [None] + [_tok(("in", k)) for k in bp.keys]
        structures[sid] = {
            "u": tok[:len(bp.units)],
            "L": [[tok[v] for v in layer] for layer in st.layers],
            "S": [[tok[a], tok[b], w, port[sk + 1], inport[dk + 1]] for a, b, w, sk, dk in st.segs],
            "C": [[tok[a], tok[b], _key(bp.keys[k]), [tok[v] for v in path]] for a, b, k, path in st.chains],
            "K": {tok[a]: [_key(bp.keys[k]) for k in ks] for a, ks in st.unit_keys.items()},
            "H": list(prep.spec.header.get(sid, (0.0, 0.0, 0.0, 0.0))),
        }
    pieces = [[[sid, ci] for sid, ci in steps] for steps in p.pieces]
    edges = [[e.source, e.target, _key((e.source, e.source_output)), prep.label.get((e.source, e.source_output))]
             for e in g.edges]
    return {
        "nodes": nodes, "scopes": scopes, "root": p.root, "order": list(p.boxes),
        "children": {sid: cs for sid, cs in p.children.items()}, "structures": structures, "pieces": pieces,
        "edges": edges, "labelWidth": {_key(k): w for k, w in prep.spec.label_width.items()},
    }, prep.spec


def html_data(graph: Graph, options: DiagramOptions) -> dict[str, Any]:
    """Everything the page needs, as JSON-ready data."""
    from ..styles.theme import get_theme
    from ..transforms.view import derive, origin_of, view_of

    thumbs = options.thumbnails
    opts = replace(options, thumbnails=None)
    origin, view = origin_of(graph), view_of(graph)
    open_view = replace(view, collapsed=frozenset())
    folded = derive(origin, open_view)
    views, spec = {}, None
    views["folded"], spec = _view_data(folded, opts, thumbs)
    if view.fold:
        views["unfolded"], _ = _view_data(derive(origin, replace(open_view, fold=False)), opts, thumbs)
    initial = sorted(sid for sid in view.collapsed if sid in folded.scopes)
    theme = get_theme(opts.theme)
    return {
        "title": opts.title,
        "lr": opts.direction == "LR",
        "views": views,
        "initial": {"collapsed": initial, "fold": True},
        "consts": {"dummy_width": spec.dummy_width, "node_gap": spec.node_gap, "rank_gap": spec.rank_gap,
                   "pad": spec.pad, "margin": MARGIN,
                   "title_h": (TITLE + 14) if opts.title else 0.0, "fold_offset": FOLD_OFFSET,
                   "group_title": GROUP_TITLE, "edge_label": EDGE_LABEL},
        "theme": {"background": theme.background, "text": theme.text, "muted": theme.muted, "edge": theme.edge,
                  "group_fills": list(theme.group_fills), "group_stroke": theme.group_stroke,
                  "dynamic": theme.dynamic, "highlight": HIGHLIGHT[theme.name]},
    }


def _font_face() -> str:
    faces = []
    for name, weight in (("DejaVuSans.ttf", "normal"), ("DejaVuSans-Bold.ttf", "bold")):
        data = base64.b64encode((FONT_DIR / name).read_bytes()).decode("ascii")
        faces.append(f"@font-face{{font-family:'DejaVu Sans';font-weight:{weight};"
                     f"src:url(data:font/ttf;base64,{data}) format('truetype');}}")
    return "".join(faces)


def to_html(graph: Graph, options: DiagramOptions) -> str:
    data = json.dumps(html_data(graph, options), separators=(",", ":"), ensure_ascii=False)
    # inside <script>, "</" could close the element: JSON allows escaping it
    data = data.replace("</", "<\\/").replace("<!--", "<\\!--")
    page = (HERE / "viewer.html").read_text(encoding="utf-8")
    script = (HERE / "viewer.js").read_text(encoding="utf-8")
    title = html.escape(options.title or graph.meta.get("model", "archplot"))
    return (page.replace("__TITLE__", title).replace("__FONTS__", _font_face())
            .replace("__DATA__", data).replace("__SCRIPT__", script))


def iframe(page: str, height: int = 640) -> str:
    """The page inside an iframe, for notebooks: scripts run there, isolated from the notebook."""
    return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:{height}px;'
            'border:1px solid #ddd;border-radius:4px" sandbox="allow-scripts allow-downloads"></iframe>')
