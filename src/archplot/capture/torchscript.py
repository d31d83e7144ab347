"""TorchScript modules (``torch.jit.load`` files) -> Graph, by reading their graphs.

Nothing is run: each ``forward`` graph is walked, calls of submodules become nested module
boxes (leaf modules one node each), ``aten::`` operations become ops. TorchScript graphs carry
no shapes, so edges have none. Branches (``prim::If``) are drawn with their first branch and
the module is marked dynamic.
"""

from __future__ import annotations

from typing import Any

import torch

from ..graph import Edge, Graph, Module, Scope
from .attributes import module_attrs


def from_script(root: torch.jit.ScriptModule, name: str = "") -> Graph:
    g = Graph()
    model_name = getattr(root, "original_name", type(root).__name__)
    g.meta = {"model": model_name, "method": "torchscript"}
    dynamic: dict[str, str] = {}

    def qual(path: str, attr: str) -> str:
        return f"{path}.{attr}" if path else attr

    def tensors(ref: Any) -> list[tuple[int, int]]:
        if ref is None:
            return []
        if ref[0] == "node":
            return [(ref[1], ref[2])]
        if ref[0] == "list":
            return [t for r in ref[1] for t in tensors(r)]
        return []

    def connect(nid: int, refs: list[Any], path: str) -> None:
        n = g.nodes[nid]
        for ref in refs:
            for src, out in tensors(ref):
                g.edges.append(Edge(src, nid, None, None, out))
                n.in_shapes.append(None)
            if ref and ref[0] == "param":
                key = ref[1][len(path) + 1:] if path and ref[1].startswith(path + ".") else ref[1]
                n.param_shapes[key] = ref[2]
                n.params += _numel(ref[2]) if ref[3] else 0

    def walk(module: Any, path: str, method: str, args: list[Any], scope: int) -> list[Any]:
        graph = getattr(module, method).graph
        env: dict[Any, Any] = {}
        inputs = list(graph.inputs())
        env[inputs[0]] = ("module", module, path)
        for v, a in zip(inputs[1:], args):
            env[v] = a
        run_block(graph.nodes(), env, module, path, scope)
        return [env.get(o) for o in graph.outputs()]

    def run_block(nodes: Any, env: dict, module: Any, path: str, scope: int) -> None:
        for node in nodes:
            kind = node.kind()
            ins = [env.get(i) for i in node.inputs()]
            outs = list(node.outputs())
            if kind == "prim::GetAttr":
                base = ins[0]
                attr = node.s("name")
                if base and base[0] == "module":
                    obj = getattr(base[1], attr, None)
                    q = qual(base[2], attr)
                    if isinstance(obj, torch.jit.ScriptModule):
                        env[outs[0]] = ("module", obj, q)
                    elif isinstance(obj, torch.Tensor):
                        env[outs[0]] = ("param", q, list(obj.shape), isinstance(obj, torch.nn.Parameter) or obj.requires_grad)
                continue
            if kind == "prim::CallMethod":
                target, method = ins[0], node.s("name")
                if not target or target[0] != "module":
                    continue
                sub, sub_path = target[1], target[2]
                if method == "forward" and not list(sub.named_children()) and sub_path != path:
                    nid = _leaf(g, sub, sub_path, scope)
                    connect(nid, ins[1:], sub_path)
                    for k, o in enumerate(outs):
                        env[o] = ("node", nid, k)
                    continue
                inner = scope
                if sub_path != path:
                    inner = len(g.scopes)
                    g.scopes[inner] = Scope(inner, sub_path, 0, scope)
                results = walk(sub, sub_path, method, ins[1:], inner)
                for o, r in zip(outs, results):
                    env[o] = r
                continue
            if kind == "prim::Constant":
                continue
            if kind in ("prim::ListConstruct", "prim::TupleConstruct"):
                env[outs[0]] = ("list", ins)
                continue
            if kind in ("prim::ListUnpack", "prim::TupleUnpack"):
                src = ins[0]
                items = src[1] if src and src[0] == "list" else [src] * len(outs)
                for o, r in zip(outs, items):
                    env[o] = r
                continue
            if kind == "prim::TupleIndex" and ins and ins[0] and ins[0][0] == "list":
                env[outs[0]] = ins[0][1][0]
                continue
            if kind == "prim::If":  # the path depends on a value: draw the first branch, say so
                dynamic.setdefault(path, "TorchScript if")
                blocks = list(node.blocks())
                if blocks:
                    run_block(blocks[0].nodes(), env, module, path, scope)
                    for o, r in zip(outs, [env.get(v) for v in blocks[0].outputs()]):
                        env[o] = r
                continue
            if kind.startswith("prim::") and not any(tensors(r) for r in ins):
                continue  # bookkeeping on Python values
            op = kind.split("::", 1)[-1]
            n = g.add_node("op", op, op, path, scope, out_shapes=[None] * len(outs))
            connect(n.id, ins, path)
            for k, o in enumerate(outs):
                env[o] = ("node", n.id, k)

    inputs = list(root.graph.inputs())[1:]
    refs = []
    for v in inputs:
        n = g.add_node("input", "Tensor", v.debugName().split(".")[0], "", 0, out_shapes=[None])
        refs.append(("node", n.id, 0))
    results = walk(root, "", "forward", refs, 0)
    for i, r in enumerate(results):
        for src, out in tensors(r):
            o = g.add_node("output", "Tensor", "output" if len(results) == 1 else f"output.{i}", "", 0, in_shapes=[None])
            g.edges.append(Edge(src, o.id, None, None, out))
    for path, m in root.named_modules():
        params = list(m.parameters())
        parent = None if path == "" else (path.rsplit(".", 1)[0] if "." in path else "")
        g.modules[path] = Module(path, getattr(m, "original_name", type(m).__name__), parent,
                                 params=sum(p.numel() for p in params),
                                 trainable_params=sum(p.numel() for p in params if p.requires_grad),
                                 calls=1, leaf=not list(m.named_children()), dynamic=path in dynamic,
                                 dynamic_reason=dynamic.get(path), attrs=_attrs(m))
    return g


def _attrs(m: Any) -> dict[str, Any]:
    try:
        return module_attrs(m)
    except Exception:  # noqa: BLE001 - script modules expose attributes differently
        return {}


def _leaf(g: Graph, sub: Any, path: str, scope: int) -> int:
    named = list(sub.named_parameters())
    attrs = {}
    for k in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "in_features", "out_features",
              "num_features", "eps"):
        try:
            v = getattr(sub, k)
        except Exception:  # noqa: BLE001 - not every module has it
            continue
        if isinstance(v, (int, float)) or (isinstance(v, (list, tuple)) and all(isinstance(x, int) for x in v)):
            attrs[k] = list(v) if isinstance(v, (list, tuple)) else v
    n = g.add_node("module", getattr(sub, "original_name", type(sub).__name__), path.rsplit(".", 1)[-1], path, scope,
                   attrs=attrs, params=sum(p.numel() for _, p in named),
                   param_shapes={k: list(p.shape) for k, p in named}, out_shapes=[None])
    return n.id


def _numel(shape: list[int]) -> int:
    out = 1
    for d in shape:
        out *= d
    return out
