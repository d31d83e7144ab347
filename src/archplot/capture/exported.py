"""Graphs from torch.export (ExportedProgram, also saved .pt2 files) and from torch.fx
symbolic tracing (which needs no input). Both give nodes with a module stack; this module
turns them into an archplot Graph with the same hierarchy the hook-based capture draws."""

from __future__ import annotations

from typing import Any, Callable

import torch

from ..errors import GraphFormatError, InputError, TraceError
from ..graph import Edge, Graph, Module, Scope
from .attributes import module_attrs, simple_value
from .scopes import single_op_scopes_to_modules


def _shape(val: Any) -> tuple[list[Any] | None, str | None]:
    if isinstance(val, torch.Tensor) or hasattr(val, "shape") and hasattr(val, "dtype"):
        try:
            return [int(d) if isinstance(d, int) or str(d).isdigit() else None for d in val.shape], \
                str(val.dtype).removeprefix("torch.")
        except Exception:  # noqa: BLE001 - symbolic sizes
            return None, None
    return None, None


def _op_name(target: Any) -> str:
    name = getattr(target, "__name__", None) or str(target)
    if hasattr(target, "_schema"):  # aten.conv2d.default -> conv2d
        name = target._schema.name.split("::")[-1]
    return name.removesuffix(".default")


def build(nodes: list[Any], *, stack_of: Callable[[Any], list[tuple[str, str]]],
          shape_of: Callable[[Any], tuple[Any, Any]], params: dict[str, Any], leaf_modules: dict[str, Any],
          model_name: str, method: str, user_inputs: Callable[[Any], bool], opaque: frozenset[str] = frozenset()) -> Graph:
    """``nodes``: fx nodes in order. ``stack_of(node)``: [(qualified name, class name)] outermost
    first. ``params``: placeholder or get_attr name -> parameter. ``leaf_modules``: call_module
    targets that are drawn as single modules."""
    g = Graph()
    g.meta = {"model": model_name, "method": method}
    ids: dict[Any, int] = {}
    scope_ids: dict[str, int] = {"": 0}
    types: dict[str, str] = {}

    def scope_for(stack: list[tuple[str, str]]) -> int:
        parent = 0
        for qn, cls in stack:
            if qn not in scope_ids:
                sid = len(g.scopes)
                g.scopes[sid] = Scope(sid, qn, 0, parent)
                scope_ids[qn] = sid
                types[qn] = cls
            parent = scope_ids[qn]
        return parent

    for node in nodes:
        if node.op == "placeholder":
            if not user_inputs(node):
                continue
            shape, dt = shape_of(node)
            ids[node] = g.add_node("input", "Tensor", node.name, "", 0, out_shapes=[shape], attrs={"dtype": dt}).id
            continue
        if node.op == "output":
            outs = node.args[0] if isinstance(node.args[0], (list, tuple)) else [node.args[0]]
            for i, o in enumerate(outs):
                if o in ids:
                    shape, dt = shape_of(o)
                    n = g.add_node("output", "Tensor", "output" if len(outs) == 1 else f"output.{i}", "", 0,
                                   in_shapes=[shape], attrs={"dtype": dt})
                    g.edges.append(Edge(ids[o], n.id, shape, dt))
            continue
        if node.op == "get_attr" and node.target not in params:
            continue
        stack = stack_of(node)
        sid = scope_for(stack)
        path = stack[-1][0] if stack else ""
        shape, _ = shape_of(node)
        if node.op == "call_module":
            mod = leaf_modules[node.target]
            named = list(mod.named_parameters())
            n = g.add_node("module", type(mod).__name__, node.target.rsplit(".", 1)[-1], node.target,
                           scope_for([s for s in stack if s[0] != node.target]),
                           attrs=module_attrs(mod), params=sum(p.numel() for _, p in named),
                           param_shapes={k: list(p.shape) for k, p in named}, out_shapes=[shape],
                           dynamic=node.target in opaque)
            if n.dynamic:
                n.attrs["opaque"] = "torch.fx could not trace inside; drawn as one box"
        elif node.op == "get_attr":
            continue
        else:
            kind = _op_name(node.target) if node.op == "call_function" else str(node.target)
            attrs = {}
            for k, v in node.kwargs.items():
                sv = simple_value(v)
                if sv is not NotImplemented and not hasattr(v, "op"):
                    attrs[k] = sv
            n = g.add_node("op", kind, kind, path, sid, attrs=attrs, out_shapes=[shape])
        ids[node] = n.id
        for a in node.all_input_nodes:
            if a in ids:
                ashape, adt = shape_of(a)
                g.edges.append(Edge(ids[a], n.id, ashape, adt))
                n.in_shapes.append(ashape)
            else:
                pname = a.target if a.op in ("get_attr",) else params.get(("placeholder", a.name))
                p = params.get(pname) if isinstance(pname, str) else None
                if p is not None:
                    key = pname.rsplit(".", 1)[-1] if path and pname.startswith(path + ".") else pname
                    n.param_shapes[key] = list(p.shape)
                    n.params += p.numel() if isinstance(p, torch.nn.Parameter) or p.requires_grad else 0
    single_op_scopes_to_modules(g, types, "op")
    return g


def _modules(g: Graph, model: torch.nn.Module | None) -> None:
    if model is not None:
        for path, m in model.named_modules():
            params = list(m.parameters())
            parent = None if path == "" else (path.rsplit(".", 1)[0] if "." in path else "")
            g.modules[path] = Module(path, type(m).__name__, parent, params=sum(p.numel() for p in params),
                                     trainable_params=sum(p.numel() for p in params if p.requires_grad),
                                     calls=1 if any(s.path == path for s in g.scopes.values()) or
                                     any(n.path == path for n in g.nodes.values()) or path == "" else 0,
                                     leaf=not m._modules, attrs=module_attrs(m))


def from_exported(ep: Any, model: torch.nn.Module | None = None) -> Graph:
    """An ExportedProgram as a Graph (hierarchy from ``nn_module_stack``)."""
    sig = ep.graph_signature
    user = set(getattr(sig, "user_inputs", []))
    state = ep.state_dict
    params: dict[Any, Any] = {}
    for ph, name in {**sig.inputs_to_parameters, **getattr(sig, "inputs_to_buffers", {})}.items():
        if name in state:
            params[("placeholder", ph)] = name
            params[name] = state[name]

    def stack_of(node: Any) -> list[tuple[str, str]]:
        st = node.meta.get("nn_module_stack") or {}
        out = []
        for _, (qn, cls) in st.items():
            qn = qn.removeprefix("L['self'].").removeprefix("L__self__.")
            if qn in ("", "L['self']"):
                continue
            cname = cls if isinstance(cls, str) else getattr(cls, "__name__", str(cls))
            out.append((qn, cname.rsplit(".", 1)[-1]))
        return out

    def shape_of(node: Any) -> tuple[Any, Any]:
        return _shape(node.meta.get("val"))

    g = build(list(ep.graph.nodes), stack_of=stack_of, shape_of=shape_of, params=params, leaf_modules={},
              model_name=type(model).__name__ if model is not None else "ExportedProgram", method="export",
              user_inputs=lambda n: n.name in user)
    _modules(g, model)
    if model is None:
        total = sum(v.numel() for k, v in state.items() if k in sig.inputs_to_parameters.values())
        g.modules[""] = Module("", "ExportedProgram", None, params=total, trainable_params=total, calls=1)
        for s in g.scopes.values():
            if s.id:
                parent = g.scopes[s.parent].path if s.parent else ""
                g.modules.setdefault(s.path, Module(s.path, "Module", parent, calls=1))
    return g


def trace_export(model: torch.nn.Module, args: tuple, kwargs: dict) -> Graph:
    try:
        ep = torch.export.export(model, args, kwargs, strict=False)
    except Exception as e:
        first = (str(e).strip().splitlines() or [""])[0][:200]
        raise TraceError(f"torch.export could not export {type(model).__name__}: {type(e).__name__}: {first}; "
                         "method='auto' (the default) draws any model that runs") from e
    return from_exported(ep, model)


def load_pt2(path: Any) -> Graph:
    try:
        ep = torch.export.load(str(path))
    except FileNotFoundError as e:
        raise GraphFormatError(f"no such file: {path}") from e
    except Exception as e:  # noqa: BLE001 - a damaged or foreign archive
        raise GraphFormatError(f"{path} is not a readable torch.export .pt2 file ({type(e).__name__})") from e
    return from_exported(ep)


def trace_fx(model: torch.nn.Module, args: tuple | None, kwargs: dict | None, leaf_types: tuple) -> Graph:
    """torch.fx symbolic tracing: no input needed; a submodule fx cannot trace is one opaque box."""
    import torch.fx

    opaque: set[str] = set()

    class Tracer(torch.fx.Tracer):
        def is_leaf_module(self, m: torch.nn.Module, qualname: str) -> bool:
            return not m._modules or isinstance(m, leaf_types) or qualname in opaque

        def call_module(self, m: torch.nn.Module, forward: Any, args: Any, kwargs: Any) -> Any:
            qualname = self.path_of_module(m)
            if not self.is_leaf_module(m, qualname):
                depth = len(self.module_stack)
                try:
                    return super().call_module(m, forward, args, kwargs)
                except Exception:  # noqa: BLE001 - control flow on values, unsupported calls, ...
                    opaque.add(qualname)
                    while len(self.module_stack) > depth:  # what the failed attempt left open
                        self.module_stack.popitem(last=True)
            return super().call_module(m, forward, args, kwargs)

    tracer = Tracer()
    try:
        graph = tracer.trace(model, concrete_args=None)
    except Exception as e:
        first = (str(e).strip().splitlines() or [""])[0][:200]
        raise TraceError(f"torch.fx could not trace {type(model).__name__}: {type(e).__name__}: {first}; "
                         "method='auto' (the default) draws any model that runs, given an input") from e
    gm = torch.fx.GraphModule(model, graph)
    gm.graph.eliminate_dead_code()  # what a failed attempt at tracing inside a submodule left behind
    if args is not None or kwargs:
        from torch.fx.passes.shape_prop import ShapeProp

        try:
            with torch.no_grad():
                ShapeProp(gm).propagate(*(args or ()))
        except Exception as e:
            first = (str(e).strip().splitlines() or [""])[0][:200]
            raise TraceError(f"running the fx graph on the input failed: {type(e).__name__}: {first}") from e
    modules = dict(model.named_modules())
    params = {name: p for name, p in model.named_parameters()}
    params.update({name: b for name, b in model.named_buffers()})

    def stack_of(node: Any) -> list[tuple[str, str]]:
        st = node.meta.get("nn_module_stack") or {}
        out = []
        for _, v in st.items():
            qn, cls = v if isinstance(v, tuple) else (v, "")
            if qn:
                cname = cls if isinstance(cls, str) else getattr(cls, "__name__", str(cls))
                out.append((qn, cname.rsplit(".", 1)[-1]))
        return out

    def shape_of(node: Any) -> tuple[Any, Any]:
        tm = node.meta.get("tensor_meta")
        if tm is not None and hasattr(tm, "shape"):
            return [int(d) for d in tm.shape], str(tm.dtype).removeprefix("torch.")
        return None, None

    g = build(list(gm.graph.nodes), stack_of=stack_of, shape_of=shape_of, params=params, leaf_modules=modules,
              model_name=type(model).__name__, method="fx", user_inputs=lambda n: True, opaque=frozenset(opaque))
    _modules(g, model)
    return g


def check_method(method: str) -> None:
    if method not in ("auto", "export", "fx"):
        raise InputError(f"method must be 'auto' (hooks on a real forward), 'export' (torch.export) or 'fx' "
                         f"(torch.fx, no input needed), not {method!r}")
