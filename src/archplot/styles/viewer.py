"""The interactive view's data: prepared views (looks, titles, labels and each Picture's plan:
ranks, order, dummy points, the size-independent part of the layout) as JSON-ready data. The
page's script computes coordinates and routes from sizes with the same rules as layout/, so
expanding a box re-lays out only its ancestors. backends/html.py turns this into the page.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any, Hashable

from ..graph import Node
from .diagram import EDGE_LABEL, FOLD_OFFSET, GROUP_TITLE, MARGIN, TITLE, Prepared, legend_label, legend_order
from .labels import shape_text

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


def _look_data(lk: Any) -> dict[str, Any]:
    return {"L": lk.lines, "w": lk.w, "h": lk.h, "f": lk.fill, "st": lk.stroke, "tc": lk.text}


def _overlay_data(prep: Prepared, overlays: list[Any], scales: list[Any]) -> list[dict[str, Any]]:
    """For each overlay (the first entry: none), the looks it gives every node and collapsed box."""
    from . import overlay as ov
    from .diagram import DETAIL

    g = prep.graph
    out = [{"n": {nid: _look_data(lk) for nid, lk in prep.looks.items()},
            "s": {sid: _look_data(prep.scope_look(sid)) for sid in g.scopes}}]
    inside = ov.scope_members(g)
    for o, scale in zip(overlays, scales):
        _, _, value = ov.resolve(g, o)
        values = {nid: value(n) for nid, n in g.nodes.items() if ov.drawn(n)}
        rank = ov.ranks(values, scale)
        nodes, cols = {}, {}
        for nid, v in values.items():
            lk = copy.copy(prep.looks[nid])
            lk.lines = list(lk.lines)
            ov.apply(lk, g.nodes[nid], g, scale, v, prep.theme, DETAIL, rank.get(nid), prep.options.show_params)
            nodes[nid] = _look_data(lk)
        for sid, members in inside.items():
            col = ov.scope_node(g, members, prep.scope_node(sid))
            lk = prep.scope_look(sid)
            ov.apply(lk, col, g, scale, value(col), prep.theme, DETAIL, params_shown=prep.options.show_params)
            cols[sid] = _look_data(lk)
        out.append({"n": nodes, "s": cols})
    return out


def overlay_bar(scale: Any) -> dict[str, Any]:
    """An overlay's legend for the page: its title, the bar's colours and labelled ends."""
    from ..graph.metrics import format_value
    from .overlay import viridis

    ticks = [[round(min(max(scale.position(v), 0.0), 1.0), 4), format_value(v, scale.unit)]
             for v in (scale.lo, scale.hi)]
    return {"title": scale.title, "log": scale.log, "top_k": scale.top_k, "ticks": ticks,
            "stops": [viridis(i / 9) for i in range(10)]}


def _view_data(prep: Prepared, thumbs: dict[str, bytes] | None = None,
               overlays: tuple[list[Any], list[Any]] = ([], [])) -> dict[str, Any]:
    """The page's data for one prepared view."""
    g, spec, p = prep.graph, prep.picture.spec, prep.picture.plan
    in_dtypes: dict[int, list[str | None]] = {}
    for e in g.edges:
        in_dtypes.setdefault(e.target, []).append(e.dtype)
    nodes = {}
    for nid, n in g.nodes.items():
        lk = prep.looks[nid]
        nodes[nid] = {"kind": n.kind, "type": n.type, "name": n.name, "path": n.path, "scope": n.scope,
                      "L": lk.lines, "w": lk.w, "h": lk.h, "f": lk.fill, "st": lk.stroke, "tc": lk.text, "rx": lk.rx,
                      "dash": lk.dash, "stack": lk.stacked, "c": n.collapsed, "g": legend_label(n),
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
        lk = prep.scope_look(sid)
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
                               "rx": lk.rx, "dash": lk.dash, "stack": lk.stacked, "c": True, "g": "▸ " + mtype},
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
            "H": list(spec.header.get(sid, (0.0, 0.0, 0.0, 0.0))),
        }
    pieces = [[[sid, ci] for sid, ci in steps] for steps in p.pieces]
    edges = [[e.source, e.target, _key((e.source, e.source_output)), prep.label.get((e.source, e.source_output))]
             for e in g.edges]
    return {
        "ov": _overlay_data(prep, *overlays) if overlays[0] else None,
        "nodes": nodes, "scopes": scopes, "root": p.root, "order": list(p.boxes),
        "children": {sid: cs for sid, cs in p.children.items()}, "structures": structures, "pieces": pieces,
        "edges": edges, "labelWidth": {_key(k): w for k, w in spec.label_width.items()},
    }


def viewer_data(views: dict[str, Prepared], collapsed: list[int], thumbs: dict[str, bytes] | None,
                overlays: list[Any] | None = None, scales: list[Any] | None = None) -> dict[str, Any]:
    """Everything the page needs, as JSON-ready data: the views ("folded", and "unfolded" when
    folding is on), each fully expanded, and the boxes collapsed when the page opens; with
    overlays, each view's looks under each of them, coloured by the static picture's ``scales``."""
    overlays, scales = overlays or [], scales or []
    first = views["folded"]
    opts, theme, spec = first.options, first.theme, first.picture.spec
    data = {name: _view_data(prep, thumbs, (overlays, scales)) for name, prep in views.items()}
    # every legend entry a view may show, in the static legend's order; the page shows those in sight
    looks: dict[str, list[str]] = {}
    for v in data.values():
        for item in [*v["nodes"].values(), *(s["col"] for s in v["scopes"].values())]:
            if item["g"] is not None:
                looks.setdefault(item["g"], [item["f"], item["st"]])
    return {
        "title": opts.title,
        "lr": opts.direction == "LR",
        "views": data,
        "initial": {"collapsed": collapsed, "fold": True, "overlay": 1 if overlays else 0},
        "overlays": [{"title": "op type"}] + [overlay_bar(s) for s in scales] if overlays else [],
        "legend": [[label, *looks[label]] for label in legend_order(looks)] if opts.legend else [],
        "consts": {"dummy_width": spec.dummy_width, "node_gap": spec.node_gap, "rank_gap": spec.rank_gap,
                   "pad": spec.pad, "margin": MARGIN,
                   "title_h": (TITLE + 14) if opts.title else 0.0, "fold_offset": FOLD_OFFSET,
                   "group_title": GROUP_TITLE, "edge_label": EDGE_LABEL},
        "theme": {"background": theme.background, "text": theme.text, "muted": theme.muted, "edge": theme.edge,
                  "group_fills": list(theme.group_fills), "group_stroke": theme.group_stroke,
                  "dynamic": theme.dynamic, "highlight": HIGHLIGHT[theme.name]},
    }
