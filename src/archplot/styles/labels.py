"""What a node says: its family, a short summary of its attributes, numbers and shapes."""

from __future__ import annotations

import re
from typing import Any

from ..graph import Node

_OP_FAMILY = {
    "convolution": {"conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"},
    "linear": {"linear", "matmul", "mm", "bmm", "addmm", "baddbmm", "einsum", "bilinear"},
    "normalization": {"layer_norm", "batch_norm", "group_norm", "instance_norm", "rms_norm", "normalize"},
    "activation": {"relu", "relu_", "gelu", "silu", "sigmoid", "tanh", "softmax", "log_softmax", "hardswish",
                   "hardsigmoid", "leaky_relu", "elu", "mish", "softplus", "relu6", "glu"},
    "attention": {"scaled_dot_product_attention", "multi_head_attention_forward"},
    "pooling": {"max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
                "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "interpolate",
                "upsample", "pixel_shuffle"},
    "embedding": {"embedding"},
    "dropout": {"dropout", "dropout1d", "dropout2d", "feature_alpha_dropout"},
    "shape": {"view", "view_as", "reshape", "reshape_as", "permute", "transpose", "flatten", "unflatten",
              "getitem", "split", "chunk", "unbind", "contiguous", "expand", "expand_as", "unsqueeze",
              "squeeze", "to", "float", "half", "double", "bfloat16", "int", "long", "bool", "type_as",
              "repeat", "narrow", "index_select", "t", "T", "mT", "clone", "detach", "size", "movedim",
              "setitem", "masked_fill", "masked_fill_", "tril", "triu", "roll", "pad", "repeat_interleave"},
}
_OP_INDEX = {name: fam for fam, names in _OP_FAMILY.items() for name in names}
_ACTIVATIONS = ("ReLU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softmax", "Hardswish", "Hardsigmoid", "ELU",
                "Mish", "Softplus", "PReLU", "SELU", "CELU", "GLU", "Swish", "Activation", "Hardtanh", "LogSoftmax",
                "Softsign", "Threshold", "QuickGELU")


def family(n: Node) -> str:
    """The op family that colours a node."""
    t = n.type
    if n.kind in ("input", "output"):
        return n.kind
    if n.parts:
        t = n.parts[0]["type"]
    if n.kind == "op":
        return _OP_INDEX.get(t.rstrip("_") if t not in _OP_INDEX else t, "elementwise")
    if n.collapsed:
        return "module"
    if "Attention" in t:
        return "attention"
    if t == "Conv1D":  # transformers' GPT-2 projection is a linear layer
        return "linear"
    if "Conv" in t:
        return "convolution"
    if "Linear" in t or t in ("Bilinear",):
        return "linear"
    if "Norm" in t:
        return "normalization"
    if "Embedding" in t:
        return "embedding"
    if "Pool" in t or "Upsample" in t or "PixelShuffle" in t:
        return "pooling"
    if "Dropout" in t:
        return "dropout"
    if t in ("LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell"):
        return "recurrent"
    if any(a in t for a in _ACTIVATIONS):
        return "activation"
    if t in ("Flatten", "Unflatten", "Identity"):
        return "shape"
    return "other"


def human(n: float) -> str:
    """1234 -> '1.2K', 25557032 -> '25.6M'."""
    for unit, div in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= div:
            v = n / div
            return f"{v:.1f}{unit}" if v < 100 else f"{v:.0f}{unit}"
    return str(int(n))


def shape_text(shape: Any, dtype: str | None = None) -> str:
    if shape is None:
        return "?"
    text = "×".join("?" if d is None else str(d) for d in shape) if shape else "scalar"
    if dtype and dtype not in ("float32",):
        text += f" {dtype}"
    return text


def _pair(v: Any) -> Any:
    if isinstance(v, list) and v and all(x == v[0] for x in v):
        return v[0]
    return v


def _num(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _dims(v: Any) -> str:
    v = _pair(v)
    return "×".join(map(_num, v)) if isinstance(v, list) else _num(v)


def _spatial_rank(type_: str) -> int | None:
    """1, 2 or 3 for Conv1d/MaxPool2d/avg_pool3d and friends; None when the name does not say."""
    m = re.search(r"([123])d", type_)
    return int(m.group(1)) if m else None


def kernel_text(kernel: Any, type_: str = "") -> str:
    """Every dimension of a kernel: Conv3d 3 -> '3×3×3', Conv1d 7 -> '7', (1, 7) -> '1×7'."""
    if isinstance(kernel, list):
        return "×".join(map(str, kernel))
    rank = _spatial_rank(type_) or 1
    return "×".join([str(kernel)] * rank)


def _window(a: dict[str, Any], type_: str, parts: list[str]) -> None:
    """Kernel, stride (whenever it is not 1), padding, dilation, groups and padding mode."""
    parts.append(kernel_text(a["kernel_size"], type_))
    pool = "pool" in type_.lower()
    s = a.get("stride")
    if s in (None, []):  # a functional pool's stride defaults to its kernel
        s = a["kernel_size"] if pool else 1
    if pool or _pair(s) != 1:  # a pool's stride is shown always: 1 is not its default
        parts.append(f"s{_dims(s)}")
    p = _pair(a.get("padding", 0))
    if p not in (0, None, "valid"):
        parts.append(f"p{_dims(p)}")
    d = _pair(a.get("dilation", 1))
    if d not in (1, None):
        parts.append(f"d{_dims(d)}")
    g = a.get("groups", 1)
    if g not in (1, None):
        parts.append("depthwise" if g == a.get("in_channels") else f"groups={g}")
    mode = a.get("padding_mode")
    if mode not in (None, "zeros"):
        parts.append(f"{mode} padding")


# Arguments worth showing on a functional op, in the order they are shown.
_OP_SHOWN = ("dim", "dims", "dim0", "dim1", "start_dim", "end_dim", "chunks", "split_size_or_sections",
             "p", "approximate", "negative_slope", "output_size", "pad", "value")


def _op_summary(n: Node) -> str:
    a, t = n.attrs, n.type
    if t in ("buffer", "parameter"):
        return str(a.get("name", n.name))
    parts: list[str] = []
    if "kernel_size" in a:
        _window(a, t, parts)
    if "size" in a and a["size"] is not None and t in ("interpolate", "upsample"):
        parts.append(f"→{_dims(a['size'])}")
    if a.get("scale_factor") is not None:
        parts.append(f"×{_dims(a['scale_factor'])}")
    if a.get("mode") not in (None, "constant") or (t == "pad" and a.get("mode")):
        parts.append(str(a["mode"]))
    for k in _OP_SHOWN:
        v = a.get(k)
        if v is None or (k == "approximate" and v == "none"):
            continue
        listed = k in ("pad", "split_size_or_sections") and isinstance(v, list)  # sizes, not a shape
        parts.append(f"{k}={','.join(map(str, v)) if listed else _dims(v)}")
    return " ".join(parts) if "kernel_size" in a or t in ("interpolate", "upsample") else ", ".join(parts)


def _heads(a: dict[str, Any]) -> list[str]:
    heads = a.get("num_heads", a.get("num_attention_heads", a.get("n_head")))
    kv = a.get("num_key_value_heads", a.get("num_kv_heads"))
    out = [f"{heads} heads"] if heads else []
    if kv and kv != heads:
        out.append(f"{kv} kv heads")
    return out


def _recurrent(a: dict[str, Any], parts: list[str]) -> None:
    parts.append(f"{a['input_size']}→{a['hidden_size']}")
    if a.get("proj_size"):
        parts.append(f"proj {a['proj_size']}")
    if a.get("num_layers", 1) not in (1, None):
        parts.append(f"{a['num_layers']} layers")
    if a.get("bidirectional"):
        parts.append("bidirectional")
    if a.get("batch_first"):
        parts.append("batch_first")
    if a.get("nonlinearity") not in (None, "tanh"):
        parts.append(str(a["nonlinearity"]))


def attr_summary(n: Node) -> str:
    """Key attributes in a few characters: '3×3, s2, 64→128', '12 heads', 'p=0.1'."""
    a = n.attrs
    t = n.type
    parts: list[str] = []
    if n.kind == "op":
        return _op_summary(n)
    if "kernel_size" in a:
        _window(a, t, parts)
    if "in_channels" in a and "out_channels" in a:
        parts.append(f"{a['in_channels']}→{a['out_channels']}")
    elif "in_features" in a and "out_features" in a:
        parts.append(f"{a['in_features']}→{a['out_features']}")
    elif "nx" in a and "nf" in a:
        parts.append(f"{a['nx']}→{a['nf']}")
    elif "num_embeddings" in a and "embedding_dim" in a:
        parts.append(f"{a['num_embeddings']}×{a['embedding_dim']}")
    elif "num_features" in a:
        parts.append(str(a["num_features"]))
    elif "normalized_shape" in a:
        parts.append(_dims(a["normalized_shape"]))
    elif "num_groups" in a:
        parts.append(f"{a['num_groups']} groups")
    if n.collapsed or "Attention" in t:
        parts.extend(_heads(a))
    if "hidden_size" in a and "input_size" in a:
        _recurrent(a, parts)
    if "p" in a and ("Dropout" in t or "StochasticDepth" in t):
        p = a["p"]
        parts.append(f"p={p:.3g}" if isinstance(p, float) else f"p={p}")  # 0.1818..., not 17 digits
    if "output_size" in a and not parts:
        parts.append(f"out {_dims(a['output_size'])}")
    if "scale_factor" in a and a["scale_factor"] is not None:
        parts.append(f"×{_dims(a['scale_factor'])}")
    if "Upsample" in t and a.get("mode"):
        parts.append(str(a["mode"]))
    if "approximate" in a and a["approximate"] not in ("none", None):
        parts.append(str(a["approximate"]))
    return ", ".join(parts)
