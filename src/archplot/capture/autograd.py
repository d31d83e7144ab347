"""The backward graph of a tensor, from its ``grad_fn`` chain (as torchviz draws it)."""

from __future__ import annotations

from typing import Any

import torch

from ..errors import InputError
from ..graph import Edge, Graph


def autograd_graph(output: Any, params: Any = None, *, show_attrs: bool = False, show_saved: bool = False) -> Graph:
    """A Graph of the operations autograd will run backwards from ``output``.

    ``params``: a dict of name -> parameter (``dict(model.named_parameters())``) names the
    leaf tensors. ``show_attrs`` lists each function's non-tensor saved values, ``show_saved``
    its saved tensors (with shapes). Walks iteratively, so chains of any length work.
    """
    outputs = [t for t in (output if isinstance(output, (list, tuple)) else [output])]
    if not outputs or not all(isinstance(t, torch.Tensor) for t in outputs):
        raise InputError("autograd_graph() takes a tensor (or a list of tensors) produced by a forward pass")
    if all(t.grad_fn is None for t in outputs):
        why = ("it was computed under torch.no_grad() or inference_mode" if not any(t.requires_grad for t in outputs)
               else "it is a leaf tensor")
        raise InputError(f"the tensor has no grad_fn, so there is no backward graph: {why}; "
                         "run the forward with gradients enabled on inputs or parameters that require grad")
    names = {id(p): n for n, p in (params or {}).items()} if params is not None else {}
    if params is not None and not hasattr(params, "items"):
        raise InputError("params must be a dict of name -> parameter, e.g. dict(model.named_parameters())")
    g = Graph()
    g.meta = {"model": "autograd", "method": "autograd"}
    ids: dict[Any, int] = {}

    def node_for(fn: Any) -> int:
        key = id(fn)
        if key in ids:
            return ids[key]
        if hasattr(fn, "variable"):  # AccumulateGrad: a leaf tensor
            var = fn.variable
            name = names.get(id(var), "")
            n = g.add_node("input", "Parameter" if isinstance(var, torch.nn.Parameter) else "Tensor",
                           name or f"leaf {tuple(var.shape)}", "", 0, out_shapes=[list(var.shape)],
                           attrs={"dtype": str(var.dtype).removeprefix("torch."), "requires_grad": True})
        else:
            attrs: dict[str, Any] = {}
            if show_attrs or show_saved:
                for attr in dir(fn):
                    if not attr.startswith("_saved_"):
                        continue
                    try:
                        val = getattr(fn, attr)
                    except Exception:  # noqa: BLE001 - some saved values are freed after backward
                        continue
                    short = attr[len("_saved_"):]
                    if isinstance(val, torch.Tensor):
                        if show_saved:
                            attrs[f"saved {short}"] = list(val.shape)
                    elif show_attrs and isinstance(val, (int, float, bool, str, tuple, list, type(None))):
                        attrs[short] = list(val) if isinstance(val, tuple) else val
            n = g.add_node("op", type(fn).__name__, type(fn).__name__.removesuffix("Backward0").removesuffix("Backward1"),
                           "", 0, attrs=attrs)
        ids[key] = n.id
        return n.id

    stack = []
    for i, t in enumerate(outputs):
        if t.grad_fn is None:
            continue
        out = g.add_node("output", "Tensor", f"output {i}" if len(outputs) > 1 else "output", "", 0,
                         in_shapes=[list(t.shape)], attrs={"dtype": str(t.dtype).removeprefix("torch.")})
        src = node_for(t.grad_fn)
        g.edges.append(Edge(src, out.id, list(t.shape), str(t.dtype).removeprefix("torch.")))
        stack.append(t.grad_fn)
    seen: set[int] = set()
    while stack:  # iterative: deep chains never hit the recursion limit
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        target = ids[id(fn)]
        for nxt, _ in getattr(fn, "next_functions", ()):
            if nxt is None:
                continue
            src = node_for(nxt)
            g.edges.append(Edge(src, target, None, None))
            stack.append(nxt)
    # edges run from inputs towards the output: order nodes so sources come first
    order = _topological(g)
    g.nodes = {nid: g.nodes[nid] for nid in order}
    return g


def _topological(g: Graph) -> list[int]:
    preds = g.predecessors()
    indeg = {i: len(p) for i, p in preds.items()}
    succ = g.successors()
    ready = sorted(i for i, d in indeg.items() if d == 0)
    out = []
    while ready:
        i = ready.pop(0)
        out.append(i)
        for j in succ[i]:
            indeg[j] -= 1
            if indeg[j] == 0:
                ready.append(j)
    return out + [i for i in g.nodes if i not in set(out)]
