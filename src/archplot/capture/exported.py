"""Graphs from torch.export (ExportedProgram, also saved .pt2 files) and from torch.fx
symbolic tracing (which needs no input). Both give nodes with a module stack; this module
turns them into an archplot Graph with the same hierarchy the hook-based capture draws."""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import re
import threading
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

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


# Shape expressions in a .pt2 are sympy text that torch evaluates with ``sympy.sympify`` (an
# ``eval``): only these names, symbol names in quotes, numbers and arithmetic may appear.
_SYMPY_NAMES = frozenset(
    "Symbol Integer Float Rational Add Mul Pow Mod Max Min Abs Eq Ne Lt Le Gt Ge And Or Not "
    "FloorDiv CeilDiv CleanDiv ModularIndexing PythonMod IsNonOverlappingAndDenseIndicator "
    "FloorToInt CeilToInt TruncToInt TruncToFloat RoundToInt RoundDecimal ToFloat IntTrueDiv "
    "FloatTrueDiv FloatPow PowByNatural LShift RShift BitwiseFn_bitwise_and BitwiseFn_bitwise_or "
    "Identity OpaqueUnaryFn_sqrt OpaqueUnaryFn_exp OpaqueUnaryFn_log Piecewise ExprCondPair "
    "floor ceiling sqrt oo zoo nan true false True False None "
    "integer positive negative precision evaluate commutative nonnegative nonpositive real finite zero "
    "BooleanTrue BooleanFalse Infinity NegativeInfinity IntInfinity NegativeIntInfinity".split())
_SYMPY_TOKEN = re.compile(r"\s+|'[A-Za-z_][A-Za-z0-9_]*'|[A-Za-z_][A-Za-z0-9_]*|\d+(\.\d+)?(e[+-]?\d+)?|[-+*/%(),=<>]")


def check_sympy_text(text: str, where: str) -> None:
    """Refuse shape-expression text that is more than sympy arithmetic (it would be evaluated)."""
    pos = 0
    while pos < len(text):
        m = _SYMPY_TOKEN.match(text, pos)
        if m is None or (m.group()[0].isalpha() or m.group()[0] == "_") and m.group() not in _SYMPY_NAMES \
                and not re.fullmatch(r"[a-z]+\d+", m.group()):
            bad = text[pos:pos + 30] if m is None else m.group()
            raise GraphFormatError(f"{where}: shape expression {text[:60]!r} holds {bad!r}, which is not sympy "
                                   "arithmetic; loading it would run code (pass trust_pickle=True / --trust-pickle "
                                   "only if you trust the file)")
        pos = m.end()


def _expression_strings(obj: Any, out: list[str]) -> list[str]:
    """Every ``expr_str`` in a decoded .pt2 JSON file, walked without recursion."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for k, v in item.items():
                if k == "expr_str" and isinstance(v, str):
                    out.append(v)
                else:
                    stack.append(v)
        elif isinstance(item, list):
            stack.extend(item)
    return out


def check_pt2_archive(path: Path) -> None:
    """What torch.export.load would run, refused before it runs: compiled AOTInductor code and
    shape expressions that are not arithmetic. Pickles are handled by :func:`_weights_only`."""
    import json
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            compiled = [n for n in names if "/aotinductor/" in n or n.endswith((".so", ".dll", ".dylib", ".cpp"))]
            if compiled:
                raise GraphFormatError(f"{path} holds compiled AOTInductor code ({compiled[0]}); archplot reads only "
                                       "torch.export programs (pass trust_pickle=True / --trust-pickle to load it anyway)")
            for name in names:
                if name.endswith(".json"):
                    try:
                        data = json.loads(z.read(name))
                    except ValueError:
                        continue  # torch rejects it as damaged
                    for text in _expression_strings(data, []):
                        check_sympy_text(text, f"{path.name}:{name}")
    except (zipfile.BadZipFile, OSError) as e:
        raise GraphFormatError(f"{path} is not a readable torch.export .pt2 file ({type(e).__name__})") from e


_LOAD_LOCK = threading.Lock()


@contextlib.contextmanager
def _weights_only() -> Iterator[None]:
    """Every ``torch.load`` inside runs with ``weights_only=True``, also torch's own retries with
    ``weights_only=False`` (torch's documented switch is process-wide, hence the lock)."""
    keys = ("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")
    with _LOAD_LOCK:
        saved = {k: os.environ.pop(k, None) for k in keys}
        os.environ[keys[0]] = "1"
        try:
            yield
        finally:
            for k, v in saved.items():
                os.environ.pop(k, None)
                if v is not None:
                    os.environ[k] = v


@contextlib.contextmanager
def _quiet_torch() -> Iterator[None]:
    """torch logs tracebacks and warnings while it reads a damaged archive; the caller reports."""
    loggers = [logging.getLogger(n) for n in ("torch._export", "torch.export", "torch._export.serde")]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.CRITICAL + 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _is_pickle_refusal(e: BaseException) -> bool:
    seen: BaseException | None = e
    while seen is not None:
        if isinstance(seen, pickle.UnpicklingError) or "weights_only" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def load_pt2(path: Any, *, trust_pickle: bool = False) -> Graph:
    """A saved ExportedProgram. Without ``trust_pickle`` nothing in the file runs: pickles load as
    plain tensors only, shape expressions must be arithmetic, compiled code is refused."""
    p = Path(path)
    if not p.exists():
        raise GraphFormatError(f"no such file: {p}")
    if p.is_dir():
        raise GraphFormatError(f"{p} is a directory, not a .pt2 file")
    if not trust_pickle:
        check_pt2_archive(p)
    try:
        with _quiet_torch(), (contextlib.nullcontext() if trust_pickle else _weights_only()):
            ep = torch.export.load(str(p))
    except Exception as e:  # noqa: BLE001 - a damaged or foreign archive
        if not trust_pickle and _is_pickle_refusal(e):
            raise GraphFormatError(f"{p} holds pickled Python objects that only full unpickling can read, which "
                                   "runs code from the file; pass trust_pickle=True / --trust-pickle if you trust "
                                   "its source") from e
        raise GraphFormatError(f"{p} is not a readable torch.export .pt2 file ({type(e).__name__})") from e
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
