"""ONNX files -> Graph, with shape inference, module hierarchy from name scopes, and
initializers counted as parameters. Needs the ``onnx`` package; never imports torch."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from ..errors import GraphFormatError, InputError
from ..graph import Edge, Graph, Module, Node, Scope
from .scopes import single_op_scopes_to_modules


def _onnx() -> Any:
    try:
        import onnx
    except ImportError as e:
        raise InputError("reading .onnx files needs the onnx package: pip install onnx (or archplot[onnx])") from e
    return onnx


def _s(x: Any) -> str:
    """A protobuf string field as str (a damaged file can hold bytes that are not UTF-8)."""
    return x.decode("utf-8", errors="replace") if isinstance(x, bytes) else str(x)


def _scopes_of(node: Any) -> tuple[list[str], list[str]]:
    """Qualified module names around a node, outermost first, and their class names."""
    meta = {_s(p.key): _s(p.value) for p in node.metadata_props}
    if "pkg.torch.onnx.name_scopes" in meta:  # the torch.export-based exporter
        names = _string_list(meta["pkg.torch.onnx.name_scopes"])[1:-1]
        classes = [c.rsplit(".", 1)[-1] for c in _string_list(meta.get("pkg.torch.onnx.class_hierarchy", "[]"))[1:-1]]
        return names, (classes + [""] * len(names))[:len(names)]
    parts = [p for p in _s(node.name).split("/") if p][:-1]  # the TorchScript exporter: /layer1/layer1.0/conv1/Conv
    out: list[str] = []
    for p in parts:
        out.append(p if not out or p.startswith(out[-1] + ".") else f"{out[-1]}.{p}")
    return out, [""] * len(out)


def _string_list(text: str) -> list[str]:
    """A Python list of strings written as text in the file; anything else (a number, a set, text
    nested too deeply to parse) reads as no list: the hierarchy is then the file's problem, not ours."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        return []
    return list(value)


def _attr(a: Any, onnx: Any) -> Any:
    """An attribute as JSON-ready data: numbers, strings, short lists; tensors by their shape."""
    try:
        v = onnx.helper.get_attribute_value(a)
    except Exception:  # noqa: BLE001 - a damaged attribute
        return "?"

    def plain(x: Any) -> Any:
        if isinstance(x, bytes):
            return x.decode("utf-8", errors="replace")
        if isinstance(x, bool) or x is None or isinstance(x, str):
            return x
        if isinstance(x, (int, float)):
            return x if x == x and abs(x) != float("inf") else str(x)
        if hasattr(x, "dims"):  # a tensor
            return {"tensor": [int(d) for d in x.dims]}
        return type(x).__name__

    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v[:16]]
    return plain(v)


def load_onnx(path: str | Path) -> Graph:
    onnx = _onnx()
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError as e:
        raise GraphFormatError(f"no such file: {p}") from e
    try:
        model = onnx.load_model_from_string(data)
    except Exception as e:  # noqa: BLE001 - protobuf raises many kinds on a damaged file
        raise GraphFormatError(f"{p} is not a readable ONNX file ({type(e).__name__}); is it truncated?") from e
    if not model.graph.node and not model.graph.input:
        raise GraphFormatError(f"{p} holds no ONNX graph")
    try:
        model = onnx.shape_inference.infer_shapes(model)
    except Exception:  # noqa: BLE001 - keep the shapes the file has
        pass
    return _to_graph(model, p.stem, onnx)


def _to_graph(model: Any, name: str, onnx: Any) -> Graph:
    gr = model.graph
    elem = {v: k.lower() for k, v in onnx.TensorProto.DataType.items()}
    info: dict[str, tuple[list[Any] | None, str | None]] = {}
    for vi in list(gr.input) + list(gr.value_info) + list(gr.output):
        t = vi.type.tensor_type
        shape = [int(d.dim_value) if d.HasField("dim_value") else None for d in t.shape.dim] if t.HasField("shape") else None
        info[_s(vi.name)] = (shape, elem.get(t.elem_type))
    inits = {_s(i.name): [int(d) for d in i.dims] for i in gr.initializer}
    # Integer initializers are constants (reduction axes, target shapes), not parameters.
    floating = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16, onnx.TensorProto.DOUBLE}
    weights = {_s(i.name) for i in gr.initializer if i.data_type in floating}
    g = Graph()
    g.meta = {"model": _s(gr.name) or name, "method": "onnx", "opset": [int(o.version) for o in model.opset_import][:1]}
    producer: dict[str, tuple[int, int]] = {}
    for vi in gr.input:
        vname = _s(vi.name)
        if vname in inits:
            continue
        shape, dt = info.get(vname, (None, None))
        n = g.add_node("input", "Tensor", vname, "", 0, out_shapes=[shape], attrs={"dtype": dt})
        producer[vname] = (n.id, 0)
    scope_ids: dict[str, int] = {"": 0}
    calls: dict[str, int] = {}
    types: dict[str, str] = {}
    previous: list[str] = []  # the scopes around the node before

    def scope_for(names: list[str], classes: list[str]) -> int:
        parent = 0
        for qn, cls in zip(names, classes):
            if qn not in scope_ids or qn not in previous:
                # A module entered again after the graph left it is its next call (a ReLU
                # module used twice in a block), not more of the same box.
                sid = len(g.scopes)
                g.scopes[sid] = Scope(sid, qn, calls.get(qn, 0), parent)
                calls[qn] = calls.get(qn, 0) + 1
                scope_ids[qn] = sid
            if cls:
                types.setdefault(qn, cls)
            parent = scope_ids[qn]
        previous[:] = names
        return parent

    uses: dict[str, int] = {}
    for node in gr.node:
        names, classes = _scopes_of(node)
        sid = scope_for(names, classes)
        path = names[-1] if names else ""
        attrs = {_s(a.name): _attr(a, onnx) for a in node.attribute}
        inputs, outputs = [_s(i) for i in node.input], [_s(o) for o in node.output]
        params = {i: inits[i] for i in inputs if i in weights}
        op = _s(node.op_type)
        n = g.add_node("op", op, op, path, sid, attrs=attrs,
                       param_shapes={k.rsplit(".", 1)[-1] if path and k.startswith(path + ".") else k: v
                                     for k, v in params.items()},
                       params=sum(_numel(v) for k, v in params.items() if uses.setdefault(k, 0) == 0))
        for k in params:
            uses[k] += 1
        for i, name_in in enumerate(inputs):
            if not name_in or name_in in inits:
                continue
            shape, dt = info.get(name_in, (None, None))
            n.in_shapes.append(shape)
            if name_in in producer:
                src, out = producer[name_in]
                g.edges.append(Edge(src, n.id, shape, dt, out))
        for k, name_out in enumerate(outputs):
            producer[name_out] = (n.id, k)
            n.out_shapes.append(info.get(name_out, (None, None))[0])
    for vi in gr.output:
        vname = _s(vi.name)
        shape, dt = info.get(vname, (None, None))
        n = g.add_node("output", "Tensor", vname, "", 0, in_shapes=[shape], attrs={"dtype": dt})
        if vname in producer:
            src, out = producer[vname]
            g.edges.append(Edge(src, n.id, shape, dt, out))
    single_op_scopes_to_modules(g, types, "onnx_op")
    for n in g.nodes.values():
        if n.attrs.get("onnx_op", n.type) in _WINDOWED:
            n.attrs = {**n.attrs, **_torch_window_attrs(n)}
            _name_fused_conv(n)
    # the module tree: every scope, parameters summed over what its ops use
    total = sum(_numel(v) for k, v in inits.items() if k in weights)
    g.modules[""] = Module("", g.meta["model"], None, params=total, trainable_params=total, calls=1)
    for s in g.scopes.values():
        if s.id == 0:
            continue
        parent = g.scopes[s.parent].path if s.parent is not None else None
        g.modules[s.path] = Module(s.path, types.get(s.path, "Scope"), parent, calls=1)
    for n in g.nodes.values():
        if n.kind == "module" and n.path not in g.modules:
            g.modules[n.path] = Module(n.path, n.type, g.scopes[n.scope].path, leaf=True, calls=1, attrs=n.attrs)
    for n in g.nodes.values():
        path = n.path
        while path:
            m = g.modules.get(path)
            if m is not None and path != "":
                m.params += n.params
                m.trainable_params += n.params
            path = path.rsplit(".", 1)[0] if "." in path else ""
    return g


_WINDOWED = {"Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool"}


def _torch_window_attrs(n: Node) -> dict[str, Any]:
    """ONNX's kernel_shape/strides/pads/dilations/group spelled as torch's module attributes,
    so a label reads the same as in the traced picture ('3×3, s2, p1, 64→128')."""
    a = n.attrs
    kernel = a.get("kernel_shape")
    if not isinstance(kernel, list):
        return {}
    rank = len(kernel)
    out: dict[str, Any] = {"kernel_size": kernel, "stride": a.get("strides", [1] * rank)}
    pads = a.get("pads")
    if isinstance(pads, list) and len(pads) == 2 * rank and pads[:rank] == pads[rank:]:
        out["padding"] = pads[:rank]
    if "dilations" in a:
        out["dilation"] = a["dilations"]
    if a.get("onnx_op", n.type) in ("Conv", "ConvTranspose"):
        weight = next((v for k, v in n.param_shapes.items() if k.endswith("weight")), None) \
            or next(iter(n.param_shapes.values()), None)
        groups = int(a.get("group", 1))
        out["groups"] = groups
        if isinstance(weight, list) and len(weight) == rank + 2:
            transposed = a.get("onnx_op", n.type) == "ConvTranspose"
            out["in_channels"], out["out_channels"] = (weight[0], weight[1] * groups) if transposed \
                else (weight[1] * groups, weight[0])
    return out


def _name_fused_conv(n: Node) -> None:
    """torch.onnx.export folds BatchNorm into the Conv before it and leaves the result in the
    norm's scope (``bn1`` holding ``conv1.weight``): draw it as the convolution it is,
    ``conv1 · Conv2d (+bn1)``."""
    if n.kind != "module" or "Norm" not in n.type or n.attrs.get("onnx_op") not in ("Conv", "ConvTranspose"):
        return
    weight = next((k for k in n.param_shapes if k.endswith(".weight")), None)
    if weight is None:
        return
    conv_path = weight.rsplit(".", 1)[0]
    rank = len(n.attrs.get("kernel_shape") or [0, 0])
    kind = "ConvTranspose" if n.attrs["onnx_op"] == "ConvTranspose" else "Conv"
    norm = n.path.rsplit(".", 1)[-1]
    n.type = f"{kind}{rank}d (+{norm})"
    n.attrs = {**n.attrs, "fused": norm}
    n.param_shapes = {k[len(conv_path) + 1:] if k.startswith(conv_path + ".") else k: v
                      for k, v in n.param_shapes.items()}
    n.path, n.name = conv_path, conv_path.rsplit(".", 1)[-1]


def _numel(shape: list[int]) -> int:
    out = 1
    for d in shape:
        out *= d
    return out
