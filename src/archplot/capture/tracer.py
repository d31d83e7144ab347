"""Record one real forward pass as an :class:`archplot.Graph`.

Module calls are seen through forward pre/post hooks on every module; tensor operations
through a ``TorchFunctionMode``. Every tensor remembers the node that produced it (by identity,
checked through a weak reference), so edges go from the exact producer to each consumer.
Calls inside a leaf module (Conv2d, Linear, LayerNorm, ...) are not recorded: the leaf is one node.
"""

from __future__ import annotations

import math
import sys
import weakref
from typing import Any, Callable

import torch
from torch.overrides import TorchFunctionMode

from .._bulk import bulk
from ..errors import InputError, TraceError
from ..graph import Edge, Graph, Module, Node, Scope
from .attributes import module_attrs, op_attrs
from .guard import deep_enough, exclusive, preserved
from .inputs import build_inputs, flat_tensors, input_names, iter_tensors, model_device, parse_device

# Modules that have children but compute as one unit (their forward uses the children's
# weights directly instead of calling them).
ATOMIC_MODULES: tuple[type, ...] = (torch.nn.MultiheadAttention,)

# Tensor -> Python value: the forward's path may depend on the data from here on.
_CONVERSION_NAMES = ("__bool__", "item", "tolist", "__int__", "__float__", "__index__", "__complex__",
                     "numpy", "__array__", "equal", "allclose")
_CONVERSIONS = frozenset(
    f for owner in (torch.Tensor, torch._C.TensorBase) for n in _CONVERSION_NAMES
    if (f := getattr(owner, n, None)) is not None
) | {torch.equal, torch.allclose, torch.is_nonzero}

_BINARY = {"add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor",
           "lshift", "rshift", "div"}
_RENAME = {"truediv": "div", "floordiv": "floor_divide", "mod": "remainder", "and": "bitwise_and",
           "or": "bitwise_or", "xor": "bitwise_xor", "invert": "bitwise_not", "neg": "neg"}
_SETITEM = torch.Tensor.__setitem__
_FRAMES_UP = 10  # from __torch_function__ through torch's wrappers and helper functions to a method


def _op_name(func: Callable[..., Any], cache: dict[Any, tuple[str, bool]]) -> tuple[str, bool]:
    """(normalised op type, whether it writes into its first argument)."""
    try:
        return cache[func]
    except (KeyError, TypeError):
        pass
    name = getattr(func, "__name__", None) or type(func).__name__
    if name == "__get__":  # a property such as Tensor.T or Tensor.data
        name = getattr(getattr(func, "__self__", None), "__name__", "attribute")
    inplace = False
    if name.startswith("__") and name.endswith("__") and len(name) > 4:
        core = name[2:-2]
        if core.startswith("i") and core[1:] in _BINARY:
            core, inplace = core[1:], True
        elif core.startswith("r") and core[1:] in _BINARY:
            core = core[1:]
        elif core == "setitem":
            inplace = True
        name = _RENAME.get(core, core) + ("_" if inplace and core != "setitem" else "")
    elif name.endswith("_") and not name.startswith("_"):
        inplace = True
    try:
        cache[func] = (name, inplace)
    except TypeError:
        pass
    return name, inplace


class _Frame:
    __slots__ = ("module", "path", "call", "leaf", "scope", "inputs", "inner", "helpers")

    def __init__(self, module: Any, path: str, call: int, leaf: bool, scope: int,
                 inputs: list[torch.Tensor], inner: bool = False) -> None:
        self.module, self.path, self.call, self.leaf = module, path, call, leaf
        self.scope, self.inputs, self.inner = scope, inputs, inner
        self.helpers: dict[int, int] = {}  # submodule id -> scope of its other methods' ops


class _Recorder(TorchFunctionMode):
    def __init__(self, model: torch.nn.Module, leaf_types: tuple[type, ...]) -> None:
        super().__init__()
        self.graph = Graph()
        self.nodes = self.graph.nodes
        self.edges = self.graph.edges
        self.scopes = self.graph.scopes
        self.producers: dict[int, tuple[weakref.ref, int, int]] = {}
        self.paths: dict[int, str] = {}
        self.leaf_ids: set[int] = set()
        self.script_ids: set[int] = set()
        self.module_info: dict[str, tuple[int, dict[str, list[int]], dict[str, Any]]] = {}
        self.param_names: dict[int, tuple[str, torch.Tensor]] = {}
        self.call_counts: dict[str, int] = {}
        self.dynamic: dict[str, str] = {}
        self.op_cache: dict[Any, tuple[str, bool]] = {}
        self.dtype_names: dict[torch.dtype, str] = {}
        self.next_id = 0
        self.paused = False
        self.dissolve: set[int] = set()
        self.module_callers: set[tuple[int, Any]] = set()
        self.stack = [_Frame(model, "", 0, False, 0, [])]
        self.handles: list[Any] = []
        # Sees every call and every node made, for overlay metrics (capture/metrics.py).
        self.observer: Any = None
        self._index_model(model, leaf_types)

    # -- the model ---------------------------------------------------------------------------

    def _index_model(self, model: torch.nn.Module, leaf_types: tuple[type, ...]) -> None:
        for path, m in model.named_modules():
            self.paths.setdefault(id(m), path)
            is_leaf = not m._modules or isinstance(m, ATOMIC_MODULES + leaf_types)
            if m is model and not type(m).__module__.startswith("torch.nn"):
                is_leaf = False  # a custom model is always drawn from the inside
            if isinstance(m, torch.jit.ScriptModule):
                is_leaf = True  # compiled code: an opaque box with its shapes
                self.script_ids.add(id(m))
            if is_leaf:
                self.leaf_ids.add(id(m))
        for name, p in model.named_parameters():
            self.param_names[id(p)] = (name, p)
        for name, b in model.named_buffers():
            self.param_names.setdefault(id(b), (name, b))

    def attach(self, model: torch.nn.Module) -> None:
        root_is_leaf = id(model) in self.leaf_ids
        for path, m in model.named_modules():
            if m is model and not root_is_leaf:
                continue
            if isinstance(m, torch.jit.ScriptModule):
                continue  # hooks cannot be added to it: seen through the global hooks below
            if isinstance(m, torch.nn.modules.lazy.LazyModuleMixin) and m.has_uninitialized_params():
                # Its own pre-hook makes its parameters; that is not part of the network.
                self.handles.append(m.register_forward_pre_hook(self._pause, prepend=True))
            self.handles.append(m.register_forward_pre_hook(self._pre_hook, with_kwargs=True))
            self.handles.append(m.register_forward_hook(self._post_hook, with_kwargs=True))
        if not root_is_leaf:
            self.call_counts[""] = 1
        if self.script_ids:
            from torch.nn.modules import module as nn_module

            self.handles.append(nn_module.register_module_forward_pre_hook(self._script_pre_hook))
            self.handles.append(nn_module.register_module_forward_hook(self._script_post_hook))

    def _script_pre_hook(self, module: torch.nn.Module, args: Any) -> None:
        if id(module) in self.script_ids:
            self._pre_hook(module, args, {})

    def _script_post_hook(self, module: torch.nn.Module, args: Any, output: Any) -> Any:
        if id(module) in self.script_ids:
            return self._post_hook(module, args, {}, output)
        return None

    def detach(self) -> None:
        for h in self.handles:
            h.remove()
        self.handles.clear()

    def module_table(self, model: torch.nn.Module) -> dict[str, Module]:
        table: dict[str, Module] = {}
        counts = _subtree_counts(model)
        for path, m in model.named_modules():
            parent = None if path == "" else (path.rsplit(".", 1)[0] if "." in path else "")
            params, trainable, buffers = counts[id(m)] if counts else _own_counts(m)
            table[path] = Module(
                path=path, type=_type_name(m), parent=parent,
                params=params, trainable_params=trainable, buffers=buffers,
                calls=self.call_counts.get(path, 0),
                dynamic=path in self.dynamic, dynamic_reason=self.dynamic.get(path),
                leaf=id(m) in self.leaf_ids, attrs=module_attrs(m),
            )
        return table

    def _leaf_info(self, path: str, module: torch.nn.Module) -> tuple[int, dict[str, list[int]], dict[str, Any]]:
        info = self.module_info.get(path)
        if info is None:
            named = list(module.named_parameters())
            info = (sum(p.numel() for _, p in named), {n: list(p.shape) for n, p in named}, module_attrs(module))
            self.module_info[path] = info
        return info

    # -- recording ---------------------------------------------------------------------------

    def _dtype(self, t: torch.Tensor) -> str:
        d = t.dtype
        name = self.dtype_names.get(d)
        if name is None:
            name = self.dtype_names[d] = str(d).removeprefix("torch.")
        return name

    def add_node(self, kind: str, type_: str, name: str, path: str, scope: int,
                 ins: list[torch.Tensor], outs: list[torch.Tensor], **fields: Any) -> Node:
        producers = self.producers
        if kind == "op":
            self._state_inputs(ins, scope, path)
        nid = self.next_id
        self.next_id += 1
        in_shapes = []
        param_shapes: dict[str, list[int]] = fields.pop("param_shapes", None) or {}
        params = fields.pop("params", 0)
        seen: set[int] = set()
        for t in ins:
            key = id(t)
            if key in seen:
                continue
            seen.add(key)
            shape = list(t.shape)
            p = producers.get(key)
            if p is not None and p[0]() is t:
                self.edges.append(Edge(p[1], nid, shape, self._dtype(t), p[2]))
                in_shapes.append(shape)
                continue
            named = self.param_names.get(key)
            if named is not None and named[1] is t:
                pname = named[0]
                if path and pname.startswith(path + "."):
                    pname = pname[len(path) + 1:]
                param_shapes[pname] = shape
                if isinstance(t, torch.nn.Parameter):
                    params += t.numel()
            else:
                in_shapes.append(shape)
        out_shapes = []
        for i, o in enumerate(outs):
            producers[id(o)] = (weakref.ref(o), nid, i)
            out_shapes.append(list(o.shape))
        node = Node(nid, kind, type_, name, path, scope, params=params, param_shapes=param_shapes,
                    in_shapes=in_shapes, out_shapes=out_shapes, **fields)
        self.nodes[nid] = node
        if self.observer is not None:
            self.observer.node(node, ins, outs)
        return node

    def _state_inputs(self, ins: list[torch.Tensor], scope: int, path: str) -> None:
        """Buffers and parameters that are an op's only data, read outside a leaf module
        (position ids to slice, a class token to expand), become labelled input nodes of
        their own, so the op does not float without an incoming edge. Next to data
        (``x @ self.weight``, ``x * self.scale``) they stay in the op's ``param_shapes``."""
        names = self.param_names
        found = [t for t in ins if id(t) in names and names[id(t)][1] is t and id(t) not in self.producers]
        if not found or any((p := self.producers.get(id(t))) is not None and p[0]() is t for t in ins):
            return
        for t in found:
            kind = "parameter" if isinstance(t, torch.nn.Parameter) else "buffer"
            name = names[id(t)][0]
            self.add_node("op", kind, name.rsplit(".", 1)[-1], path, scope, [], [t],
                          attrs={"name": name, "dtype": self._dtype(t)},
                          params=t.numel() if kind == "parameter" else 0)

    def _mark_dynamic(self, reason: str) -> None:
        path = self.stack[-1].path
        self.dynamic.setdefault(path, reason)

    def _pause(self, module: torch.nn.Module, args: Any) -> None:
        self.paused = True  # until this module's own pre-hook (_enter) runs

    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None) -> Any:
        if kwargs is None:
            kwargs = {}
        if self.paused:
            return func(*args, **kwargs)
        if func in _CONVERSIONS:
            name = getattr(func, "__name__", str(func))
            self._mark_dynamic(f"Tensor.{name}" if not name.startswith("Tensor") else name)
            ins = flat_tensors(args, [])
            if any(t.device.type == "meta" for t in ins):
                raise TraceError(
                    f"the forward reads tensor values (Tensor.{name}) in `{self.stack[-1].path or 'the model'}`, "
                    "which the meta device cannot compute; trace with real tensors on the CPU instead",
                    module_path=self.stack[-1].path,
                )
            top = self.stack[-1]
            if not top.leaf:
                # The value read here steers the forward: a node with no output that says so.
                path, scope = self._method_scope(top)
                self.add_node("op", name.strip("_") + "()", name.strip("_") + "()", path, scope, ins, [],
                              dynamic=True, attrs={"reads_value": True})
            return func(*args, **kwargs)
        out = func(*args, **kwargs) if self.observer is None else self.observer.call(func, args, kwargs)
        top = self.stack[-1]
        if top.leaf:
            return out
        outs = flat_tensors(out, [])
        if not outs:
            if func is not _SETITEM:
                return out
            outs = [args[0]]
        ins = flat_tensors(args, [])
        if kwargs:
            flat_tensors(kwargs, ins)
        type_, inplace = _op_name(func, self.op_cache)
        if not inplace and kwargs.get("inplace") is not True and type(out) is torch.Tensor and any(out is t for t in ins):
            # An op that returned its input unchanged (x.float() on a float tensor): give the
            # result its own identity so later uses of the input keep their true producer.
            out = out.view_as(out)
            outs = [out]
        attrs = op_attrs(args, kwargs, type_) if (len(args) > 1 or kwargs) else {}
        path, scope = self._method_scope(top)
        self.add_node("op", type_, type_, path, scope, ins, outs, attrs=attrs)
        return out

    def _method_scope(self, top: _Frame) -> tuple[str, int]:
        """(path, scope) of an op: normally the running module's, but an op in another method
        of a submodule (``self.transform.postprocess(...)`` called from the model's forward)
        belongs in that submodule's box, and an op in another method of the model itself
        (``self.postprocess_detections(...)``) in a box named after the method. Found by
        looking a few Python frames up for a ``self`` that is a module of the model."""
        f = sys._getframe(2)
        for _ in range(_FRAMES_UP):
            if f is None:
                break
            code = f.f_code
            if code.co_argcount and code.co_varnames[0] == "self":
                owner = f.f_locals.get("self")
                if owner is top.module:
                    if len(self.stack) == 1 and code.co_name != "forward" and (id(f), code) not in self.module_callers:
                        return self._helper(top, (id(f), code), f"{code.co_name}()", call=False)
                    break
                path = self.paths.get(id(owner))
                if path is not None and (not top.path or path.startswith(top.path + ".")):
                    return self._helper(top, id(owner), path, call=True)
            f = f.f_back
        return top.path, top.scope

    def _helper(self, top: _Frame, key: Any, path: str, call: bool) -> tuple[str, int]:
        sid = top.helpers.get(key)
        if sid is None:
            number = self.call_counts.get(path, 0)
            if call:
                self.call_counts[path] = number + 1
            sid = top.helpers[key] = len(self.scopes)
            self.scopes[sid] = Scope(sid, path, number, top.scope)
        return path, sid

    def _note_module_caller(self) -> None:
        """A module called from one of the model's own methods (``_forward_impl``): that
        method is part of the forward, not a separate step, so it gets no box of its own."""
        f = sys._getframe(3)
        root = self.stack[0]
        for _ in range(_FRAMES_UP + 4):
            if f is None:
                return
            code = f.f_code
            if code.co_argcount and code.co_varnames[0] == "self" and code.co_name != "forward" \
                    and f.f_locals.get("self") is root.module:
                key = (id(f), code)
                self.module_callers.add(key)
                if key in root.helpers:
                    self.dissolve.add(root.helpers[key])
            f = f.f_back

    def dissolve_method_boxes(self) -> None:
        for sid in self.dissolve:
            parent = self.scopes[sid].parent or 0
            for n in self.nodes.values():
                if n.scope == sid:
                    n.scope, n.path = parent, self.scopes[parent].path
            for s in self.scopes.values():
                if s.parent == sid:
                    s.parent = parent
            del self.scopes[sid]

    # The hooks run while the recorder is active: their own reads of shapes, dtypes and sizes
    # would each pass through __torch_function__ (about 900 calls on EfficientNet-B0), so they
    # run with torch-function handling switched off.
    def _pre_hook(self, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        with torch._C.DisableTorchFunction():
            self._enter(module, args, kwargs)

    def _post_hook(self, module: torch.nn.Module, args: Any, kwargs: Any, output: Any) -> Any:
        with torch._C.DisableTorchFunction():
            return self._leave(module, output)

    def _enter(self, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.paused = False
        if len(self.stack) == 1:
            self._note_module_caller()
        path = self.paths.get(id(module), "")
        call = self.call_counts.get(path, 0)
        self.call_counts[path] = call + 1
        top = self.stack[-1]
        ins = flat_tensors(args, [])
        if kwargs:
            flat_tensors(kwargs, ins)
        if top.leaf:
            self.stack.append(_Frame(module, path, call, True, top.scope, ins, inner=True))
        elif id(module) in self.leaf_ids:
            self.stack.append(_Frame(module, path, call, True, top.scope, ins))
        else:
            sid = len(self.scopes)
            self.scopes[sid] = Scope(sid, path, call, top.scope)
            self.stack.append(_Frame(module, path, call, False, sid, ins))

    def _leave(self, module: torch.nn.Module, output: Any) -> Any:
        stack = self.stack
        while len(stack) > 1 and stack[-1].module is not module:
            stack.pop()  # a call that raised and was caught inside the model
        if len(stack) == 1:
            return None
        frame = stack.pop()
        if not frame.leaf or frame.inner:
            return None
        replaced = None
        if (type(output) is torch.Tensor and not getattr(module, "inplace", False)
                and any(output is t for t in frame.inputs)):
            output = replaced = output.view_as(output)  # e.g. nn.Identity: see __torch_function__
        outs = [t for _, t in iter_tensors(output, objects=True)]
        params, param_shapes, attrs = self._leaf_info(frame.path, module)
        name = frame.path.rsplit(".", 1)[-1] if frame.path else type(module).__name__
        self.add_node("module", _type_name(module), name, frame.path, frame.scope, frame.inputs, outs,
                      attrs=dict(attrs), params=params, param_shapes=dict(param_shapes),
                      dynamic=frame.path in self.dynamic)
        return replaced


def _type_name(m: torch.nn.Module) -> str:
    if isinstance(m, torch.jit.ScriptModule):  # RecursiveScriptModule says nothing
        return f"{getattr(m, 'original_name', 'ScriptModule')} (scripted)"
    return type(m).__name__


def _own_counts(m: torch.nn.Module) -> tuple[int, int, int]:
    params = list(m.parameters())
    return (sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad),
            sum(b.numel() for b in m.buffers()))


def _subtree_counts(model: torch.nn.Module) -> dict[int, tuple[int, int, int]] | None:
    """(parameters, trainable parameters, buffer elements) of every module's subtree in one
    bottom-up pass; None when a tensor or module is shared (tied weights), where sums would
    count it twice."""
    modules = [m for _, m in model.named_modules(remove_duplicate=False)]
    tensors = [t for m in modules for t in (*m._parameters.values(), *m._buffers.values()) if t is not None]
    if len({id(m) for m in modules}) != len(modules) or len({id(t) for t in tensors}) != len(tensors):
        return None
    out: dict[int, tuple[int, int, int]] = {}

    def visit(m: torch.nn.Module) -> tuple[int, int, int]:
        p = sum(t.numel() for t in m._parameters.values() if t is not None)
        tr = sum(t.numel() for t in m._parameters.values() if t is not None and t.requires_grad)
        b = sum(t.numel() for t in m._buffers.values() if t is not None)
        for child in m._modules.values():
            if child is not None:
                cp, ct, cb = visit(child)
                p, tr, b = p + cp, tr + ct, b + cb
        out[id(m)] = (p, tr, b)
        return p, tr, b

    visit(model)
    return out


def _describe_shapes(tensors: list[torch.Tensor]) -> str:
    if not tensors:
        return "no tensors"
    return ", ".join("(" + ", ".join(map(str, t.shape)) + ")" for t in tensors[:4]) + (" ..." if len(tensors) > 4 else "")


def trace(model: Any, input_data: Any = None, *, input_size: Any = None, dtypes: Any = None,
          device: Any = None, train: bool = False, leaf_modules: Any = (), method: str = "auto",
          metrics: Any = None, **forward_kwargs: Any) -> Graph:
    """Record one forward pass of ``model``; documented at :func:`archplot.trace`."""
    from .exported import check_method
    from . import metrics as measure

    request = measure.parse_request(metrics)

    check_method(method)
    if not isinstance(model, torch.nn.Module):
        raise InputError(
            f"archplot.trace expects a torch.nn.Module, got {type(model).__name__}; "
            "pass the model object (not its class, state dict or output)"
            + (" - instantiate the class first" if isinstance(model, type) else "")
        )
    if isinstance(model, torch.jit.ScriptModule):  # compiled code: read its graphs instead of hooking
        from .torchscript import from_script

        return from_script(model)
    if isinstance(leaf_modules, type):
        leaf_modules = (leaf_modules,)
    if not all(isinstance(t, type) for t in leaf_modules):
        raise InputError("leaf_modules must be module classes, e.g. leaf_modules=(MyBlock,)")
    dev = parse_device(device, model_device(model))
    with exclusive(model), deep_enough(model):
        return _trace(model, input_data, input_size, dtypes, dev, train, tuple(leaf_modules), method, metrics,
                      request, forward_kwargs)


def _trace(model: torch.nn.Module, input_data: Any, input_size: Any, dtypes: Any, dev: torch.device, train: bool,
           leaf_modules: tuple[type, ...], method: str, metrics: Any, request: dict[str, dict[str, Any]],
           forward_kwargs: dict[str, Any]) -> Graph:
    from . import metrics as measure

    if method == "fx" and input_data is None and input_size is None and not forward_kwargs:
        from .exported import trace_fx

        with preserved(model, train=train):
            return trace_fx(model, None, None, tuple(leaf_modules))
    args, kwargs = build_inputs(input_data, input_size, dtypes, dev, forward_kwargs)
    if method != "auto":
        from .exported import trace_export, trace_fx

        if request:
            raise InputError(f"metrics ({', '.join(request)}) are measured by method='auto' only, not {method!r}")

        with preserved(model, train=train):
            if method == "fx":
                return trace_fx(model, args, kwargs, tuple(leaf_modules))
            return trace_export(model, args, kwargs)

    # metrics=False: no counting at all (the recorder's plain cost, for benchmarks)
    counter = None if metrics is False else measure.Counter(
        stats=any(m in request for m in ("activation_mean", "activation_std", "sparsity")))
    rec, output, failure = _record(model, args, kwargs, tuple(leaf_modules), train, counter)
    g = rec.graph
    g.modules = rec.module_table(model)
    g.meta = {
        "model": type(model).__name__,
        "method": "hooks",
        "torch": torch.__version__,
        "device": str(dev),
        "train": train,
    }
    if failure is not None:
        frame = rec.stack[-1]
        if len(rec.stack) == 1:  # failed in the model's own forward: what it was given
            frame.inputs = flat_tensors(kwargs, flat_tensors(args, []))
        where = f"`{frame.path}` ({type(frame.module).__name__})" if frame.path else f"the model ({type(model).__name__})"
        detail = (str(failure).strip().splitlines() or [""])[0]
        if isinstance(failure, TraceError):
            failure.partial_graph = g
            raise failure
        raise TraceError(
            f"forward failed in {where} with input shapes {_describe_shapes(frame.inputs)}: "
            f"{type(failure).__name__}: {detail}",
            partial_graph=g, module_path=frame.path, input_shapes=[list(t.shape) for t in frame.inputs],
        ) from failure
    for name, t in iter_tensors(output):
        rec.add_node("output", "Tensor", name or "output", "", 0, [t], [], attrs={"dtype": rec._dtype(t)})
    if counter is not None:
        counter.finish(g, measure.wanted(request))
    if "time" in request or "grad_norm" in request:
        _measure(g, model, args, kwargs, tuple(leaf_modules), train, request, dev)
    return g


def _record(model: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], leaf_types: tuple[type, ...],
            train: bool, observer: Any, after: Callable[[Any], None] | None = None,
            ) -> tuple[_Recorder, Any, BaseException | None]:
    """One recorded forward: (recorder, output, the exception the forward raised or None).
    ``after`` runs on the output while the model is still in the recording's mode."""
    rec = _Recorder(model, leaf_types)
    rec.observer = observer
    for name, t in input_names(model.forward, args, kwargs):
        known = rec.producers.get(id(t))
        if known is not None:  # one tensor passed as two arguments: one node, both names
            rec.nodes[known[1]].name += f", {name}"
        else:
            rec.add_node("input", "Tensor", name or "input", "", 0, [], [t], attrs={"dtype": rec._dtype(t)})
    failure: BaseException | None = None
    output: Any = None
    # The cyclic GC paused for the forward: the recording's many small objects otherwise set off
    # collections that cost more than the counting (+30 % against +9 % on the 80-layer meta Llama).
    with preserved(model, train=train), bulk():
        rec.attach(model)
        try:
            with rec:
                if after is None:
                    if hasattr(observer, "start"):
                        observer.start()
                    output = model(*args, **kwargs)
                else:
                    with torch.enable_grad():
                        output = model(*args, **kwargs)
            if after is not None:
                after(output)
        except Exception as e:  # noqa: BLE001 - re-raised by the caller with context
            failure = e
        finally:
            rec.detach()
    rec.dissolve_method_boxes()
    return rec, output, failure


def _measure(g: Graph, model: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any],
             leaf_types: tuple[type, ...], train: bool, request: dict[str, dict[str, Any]], dev: torch.device) -> None:
    """Time (repeated forwards after the recording one, which warmed up) and gradient norms."""
    from . import metrics as measure

    if dev.type == "meta" or any(t.device.type == "meta" for t in flat_tensors((args, kwargs), [])):
        raise InputError(f"{' and '.join(m for m in ('time', 'grad_norm') if m in request)} need real tensors; "
                         "the meta device has no values and does no work: trace on the CPU or a GPU")
    if "time" in request:
        runs = []
        for _ in range(request["time"].get("repeats", 5)):
            timer = measure.Timer(dev)
            _, _, failure = _record(model, args, kwargs, leaf_types, train, timer)
            if failure is not None:
                raise TraceError(f"a timed forward failed: {type(failure).__name__}: {failure}") from failure
            runs.append(timer.times)
        measure.store_times(g, runs)
    if "grad_norm" in request:
        keeper = measure.Keeper()
        norms: dict[int, float] = {}
        loss = request["grad_norm"].get("loss")
        grad_args = tuple(a.detach().requires_grad_() if isinstance(a, torch.Tensor) and a.is_floating_point() else a
                          for a in args)
        rec, _, failure = _record(model, grad_args, kwargs, leaf_types, train, keeper,
                                  after=lambda out: norms.update(keeper.gradients(out, loss)))
        if failure is not None:
            if isinstance(failure, InputError):
                raise failure
            raise TraceError(f"the forward and backward for grad_norm failed: {type(failure).__name__}: {failure}"
                             ) from failure
        if len(rec.nodes) + len(g.outputs) != len(g.nodes):
            raise InputError("the forward took a different path on the gradient run, so grad_norm cannot be "
                             "given per node")
        for nid, value in norms.items():
            if math.isfinite(value):
                g.nodes[nid].metrics["grad_norm"] = value
