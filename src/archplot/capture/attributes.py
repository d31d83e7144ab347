"""What a diagram shows about a module or op: kernel sizes, channels, heads, eps, ..."""

from __future__ import annotations

import enum
from typing import Any

import torch

# Instance attributes worth showing when a module has them (torch.nn and most model zoos use
# these names). Order is the order they are listed in.
MODULE_ATTRS = (
    "in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
    "output_padding", "padding_mode", "in_features", "out_features", "in1_features", "in2_features",
    "nf", "nx", "num_embeddings", "embedding_dim", "padding_idx", "num_features",
    "normalized_shape", "num_groups", "num_channels", "eps", "variance_epsilon", "momentum",
    "affine", "elementwise_affine", "track_running_stats", "embed_dim", "num_heads",
    "num_attention_heads", "num_key_value_heads", "head_dim", "attention_head_size",
    "hidden_size", "intermediate_size", "input_size", "proj_size", "num_layers", "bias_enabled",
    "bidirectional", "batch_first", "dropout", "p", "inplace", "negative_slope", "approximate",
    "alpha", "beta", "threshold", "lambd", "min_val", "max_val", "dim", "start_dim", "end_dim",
    "output_size", "size", "scale_factor", "mode", "align_corners", "ceil_mode",
    "count_include_pad", "return_indices", "upscale_factor", "downscale_factor", "scale",
    "is_causal", "is_decoder",
)
ACTIVATION_ATTRS = ("activation", "act_fn", "activation_fn", "act", "nonlinearity")
OP_ARG_LIMIT = 8


def simple_value(v: Any) -> Any:
    """A JSON-ready version of a small attribute value, or ``NotImplemented`` to skip it."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if v == v and abs(v) != float("inf") else str(v)
    if isinstance(v, enum.Enum):
        return str(v.value) if isinstance(v.value, (str, int)) else v.name
    if isinstance(v, torch.dtype):
        return str(v).removeprefix("torch.")
    if isinstance(v, torch.device):
        return str(v)
    if isinstance(v, (tuple, list, torch.Size)) and len(v) <= 16:
        items = [simple_value(x) for x in v]
        if all(x is not NotImplemented for x in items):
            return items
    if isinstance(v, slice):
        return ":".join("" if p is None else str(simple_value(p)) for p in (v.start, v.stop, v.step)).rstrip(":") or ":"
    if v is Ellipsis:
        return "..."
    return NotImplemented


def module_attrs(module: torch.nn.Module) -> dict[str, Any]:
    """The module's own attributes that say what it computes."""
    d = module.__dict__
    out: dict[str, Any] = {}
    if isinstance(module, torch.jit.ScriptModule):
        return out  # compiled: its attributes live in C++, and the box is opaque
    for name in MODULE_ATTRS:
        if name in d:
            v = simple_value(d[name])
            if v is not NotImplemented:
                out[name] = v
    for name in ACTIVATION_ATTRS:
        act = d.get(name, module._modules.get(name))
        if act is None or isinstance(act, (int, float, bool)):
            continue
        if isinstance(act, str):
            out["activation"] = act
        elif isinstance(act, torch.nn.Module):
            out["activation"] = type(act).__name__
        elif callable(act):
            out["activation"] = getattr(act, "__name__", type(act).__name__)
        break
    if "Attention" in type(module).__name__:
        _config_heads(module, out)
    if "bias" in module._parameters:
        out["bias"] = module._parameters["bias"] is not None
    return out


# Names of the positional arguments of common functional ops (torch.cat(xs, 1) -> dim=1), so
# a label can say what they mean. Ops missing here keep theirs as ``args``.
_POOL = ("input", "kernel_size", "stride", "padding")
OP_ARG_NAMES: dict[str, tuple[str, ...]] = {
    **{n: ("tensors", "dim") for n in ("cat", "concat", "concatenate", "stack", "hstack", "vstack")},
    **{n: ("input", "dim") for n in ("softmax", "log_softmax", "argmax", "argmin", "cumsum", "unbind",
                                     "squeeze", "unsqueeze", "sum", "mean", "amax", "amin", "max", "min",
                                     "norm", "std", "var", "logsumexp", "all", "any")},
    **{n: ("input", "dim0", "dim1") for n in ("transpose", "swapaxes")},
    "flatten": ("input", "start_dim", "end_dim"),
    "chunk": ("input", "chunks", "dim"),
    "split": ("input", "split_size_or_sections", "dim"),
    **{n: _POOL + ("ceil_mode", "count_include_pad") for n in ("avg_pool1d", "avg_pool2d", "avg_pool3d")},
    **{n: _POOL + ("dilation", "ceil_mode") for n in ("max_pool1d", "max_pool2d", "max_pool3d")},
    **{n: ("input", "output_size") for n in ("adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
                                             "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d")},
    **{n: ("input", "size", "scale_factor", "mode", "align_corners") for n in ("interpolate", "upsample")},
    "pad": ("input", "pad", "mode", "value"),
    **{n: ("input", "p", "training") for n in ("dropout", "dropout1d", "dropout2d", "dropout3d")},
    "gelu": ("input", "approximate"),
    "leaky_relu": ("input", "negative_slope"),
}


def _config_heads(module: torch.nn.Module, out: dict[str, Any]) -> None:
    """Head counts an attention module leaves in its config (transformers' Llama, Mistral, ...)."""
    config = module.__dict__.get("config")
    for name in ("num_attention_heads", "num_key_value_heads"):
        v = getattr(config, name, None)
        if name not in out and isinstance(v, int) and not isinstance(v, bool):
            if name == "num_attention_heads" and ("num_heads" in out or "n_head" in out):
                continue
            out[name] = v


def op_attrs(args: tuple[Any, ...], kwargs: dict[str, Any], op: str = "") -> dict[str, Any]:
    """Non-tensor arguments of an op call: named ones by name, other positional ones as ``args``."""
    out: dict[str, Any] = {}
    names = OP_ARG_NAMES.get(op, ())
    pos = []
    for i, a in enumerate(args[:OP_ARG_LIMIT]):
        if isinstance(a, torch.Tensor) or (i < len(names) and names[i] in ("input", "tensors")):
            pos.append("<tensor>")
            continue
        v = simple_value(a)
        if i < len(names):
            if v is not NotImplemented:
                out[names[i]] = v
            continue
        pos.append(v if v is not NotImplemented else f"<{type(a).__name__}>")
    # Trailing tensor markers say nothing: keep args only when a scalar argument is present.
    if any(p != "<tensor>" for p in pos):
        out["args"] = pos
    for k, a in kwargs.items():
        if isinstance(a, torch.Tensor):
            continue
        v = simple_value(a)
        if v is not NotImplemented:
            out[k] = v
    return out
