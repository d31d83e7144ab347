"""Turning what the user gave (``input_data``, ``input_size``) into a call of ``forward``.

The conventions follow torch.export and torch.onnx: a tensor is one positional argument, a
tuple is the positional arguments, a dict is keyword arguments, a list is one argument.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import os
from collections.abc import Mapping
from typing import Any, Iterator

import torch

from ..errors import InputError

Args = tuple[tuple[Any, ...], dict[str, Any]]


def iter_tensors(obj: Any, prefix: str = "", objects: bool = False) -> Iterator[tuple[str, torch.Tensor]]:
    """(name, tensor) for every tensor in nested tuples, lists, dicts and dataclasses.

    With ``objects``, also the tensor attributes of plain objects (torchvision's ImageList).
    """
    def sub(key: Any) -> str:
        return f"{prefix}.{key}" if prefix else str(key)

    if isinstance(obj, torch.Tensor):
        yield prefix, obj
    elif isinstance(obj, Mapping):
        for k, v in obj.items():
            yield from iter_tensors(v, sub(k), objects)
    elif isinstance(obj, (tuple, list)):
        for i, v in enumerate(obj):
            yield from iter_tensors(v, sub(i), objects)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from iter_tensors(getattr(obj, f.name), sub(f.name), objects)
    elif objects and hasattr(obj, "__dict__") and not isinstance(obj, (type, torch.nn.Module)):
        for k, v in vars(obj).items():
            if isinstance(v, (torch.Tensor, tuple, list, dict)):
                yield from iter_tensors(v, sub(k), False)


def flat_tensors(obj: Any, out: list[torch.Tensor]) -> list[torch.Tensor]:
    """Append the tensors of ``obj`` (nested tuples, lists, dicts) to ``out``: the hot path."""
    if isinstance(obj, torch.Tensor):
        out.append(obj)
    elif isinstance(obj, (tuple, list)):
        for v in obj:
            if isinstance(v, torch.Tensor):
                out.append(v)
            elif isinstance(v, (tuple, list, dict)):
                flat_tensors(v, out)
    elif isinstance(obj, dict):
        for v in obj.values():
            flat_tensors(v, out)
    return out


def _parse_dtype(d: Any, where: str) -> torch.dtype:
    if isinstance(d, torch.dtype):
        return d
    if isinstance(d, str):
        dt = getattr(torch, d.removeprefix("torch."), None)
        if isinstance(dt, torch.dtype):
            return dt
    raise InputError(f"{where}: {d!r} is not a torch dtype; use e.g. torch.float32 or 'int64'")


def _is_shape(s: Any) -> bool:
    return isinstance(s, (tuple, list, torch.Size)) and all(isinstance(v, int) and not isinstance(v, bool) for v in s)


def _make_tensor(shape: Any, dtype: Any, device: torch.device, gen: torch.Generator, where: str) -> torch.Tensor:
    if not _is_shape(shape):
        raise InputError(f"{where}: {shape!r} is not a shape; give a tuple of ints such as (1, 3, 224, 224)")
    if any(v < 0 for v in shape):
        raise InputError(f"{where}: shape {tuple(shape)} has a negative size")
    dt = _parse_dtype(dtype, where) if dtype is not None else torch.get_default_dtype()
    if device.type == "meta":
        return torch.empty(tuple(shape), dtype=dt, device=device)
    size = math.prod(shape) * dt.itemsize
    if size > _memory() // 2:
        raise InputError(f"{where}: a tensor of shape {tuple(shape)} needs {size / 2**30:.1f} GiB, more than half "
                         "of this machine's memory; give a smaller size, or trace on the meta device "
                         "(device='meta', or a model built under torch.device('meta'))")
    try:
        if dt.is_floating_point or dt.is_complex:
            # A private generator: building inputs must not move the user's global RNG.
            return torch.randn(tuple(shape), generator=gen, dtype=dt).to(device)
        # Integer inputs are usually token ids or masks: ones are valid for both.
        return torch.ones(tuple(shape), dtype=dt, device=device)
    except (RuntimeError, AssertionError) as e:  # no memory left, a device torch cannot use
        first = (str(e).strip().splitlines() or [""])[0][:160]
        raise InputError(f"{where}: cannot build a {tuple(shape)} tensor on {device}: {first}") from e


def _memory() -> int:
    """Bytes of physical memory (a large number where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 2**62


def parse_device(device: Any, model_device_: torch.device) -> torch.device:
    """The device to build inputs on, checked: a name torch knows, of a kind this machine has."""
    if device is None:
        return model_device_
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise InputError(f"device {device!r} is not a torch device; use e.g. 'cpu', 'cuda', 'cuda:1' or 'meta'") from e
    backend = getattr(torch, dev.type, None)
    available = getattr(backend, "is_available", None)
    if dev.type not in ("cpu", "meta") and callable(available) and not available():
        raise InputError(f"device {device!r}: this machine has no {dev.type.upper()} device torch can use; trace on "
                         "'cpu', or on 'meta' for a model too large for memory")
    return dev


def build_inputs(input_data: Any, input_size: Any, dtypes: Any, device: torch.device,
                 forward_kwargs: dict[str, Any]) -> Args:
    """The (args, kwargs) for ``model(*args, **kwargs)``."""
    if input_data is not None and input_size is not None:
        raise InputError("give either input_data or input_size, not both")
    if input_data is None and input_size is None:
        if forward_kwargs:
            return (), dict(forward_kwargs)
        raise InputError(
            "archplot needs an example input to run the model: pass input_data=tensor(s) "
            "or input_size=(1, 3, 224, 224)"
        )
    if input_size is not None:
        input_data = _sizes_to_data(input_size, dtypes, device)
    _reject_arrays(input_data)
    if device.type == "meta":
        input_data = _to_meta(input_data)
    if isinstance(input_data, dict):
        args: tuple[Any, ...] = ()
        kwargs = dict(input_data)
    elif isinstance(input_data, tuple):
        args, kwargs = input_data, {}
    else:
        args, kwargs = (input_data,), {}
    clash = set(kwargs) & set(forward_kwargs)
    if clash:
        raise InputError(f"keyword input {sorted(clash)[0]!r} is given twice (in input_data and as a keyword)")
    kwargs.update(forward_kwargs)
    return args, kwargs


def _sizes_to_data(input_size: Any, dtypes: Any, device: torch.device) -> Any:
    gen = torch.Generator().manual_seed(0)
    if isinstance(input_size, Mapping):
        if dtypes is not None and not isinstance(dtypes, Mapping) and not isinstance(dtypes, (torch.dtype, str)):
            raise InputError("with input_size as a dict, give dtypes as a dict with the same keys (or one dtype)")
        out = {}
        for k, s in input_size.items():
            d = dtypes.get(k) if isinstance(dtypes, Mapping) else dtypes
            out[k] = _make_tensor(s, d, device, gen, f"input_size[{k!r}]")
        return out
    if _is_shape(input_size):
        d = dtypes[0] if isinstance(dtypes, (list, tuple)) and dtypes else dtypes
        return _make_tensor(input_size, d, device, gen, "input_size")
    if isinstance(input_size, (list, tuple)) and input_size:
        if isinstance(dtypes, (list, tuple)) and len(dtypes) != len(input_size):
            raise InputError(f"dtypes has {len(dtypes)} entries but input_size has {len(input_size)}")
        out_list = []
        for i, s in enumerate(input_size):
            d = dtypes[i] if isinstance(dtypes, (list, tuple)) else dtypes
            out_list.append(_make_tensor(s, d, device, gen, f"input_size[{i}]"))
        return tuple(out_list)
    raise InputError(
        f"input_size {input_size!r} is not understood; give a shape (1, 3, 224, 224), a list of "
        "shapes for several positional inputs, or a dict of shapes for keyword inputs"
    )


def _reject_arrays(data: Any) -> None:
    stack = [data]
    while stack:
        obj = stack.pop()
        if type(obj).__module__ == "numpy" and hasattr(obj, "shape"):
            raise InputError(
                f"input_data holds a numpy array of shape {tuple(obj.shape)}; "
                "convert it with torch.from_numpy(array) first"
            )
        if isinstance(obj, (tuple, list)):
            stack.extend(obj)
        elif isinstance(obj, Mapping):
            stack.extend(obj.values())


def _to_meta(data: Any) -> Any:
    if isinstance(data, torch.Tensor):
        return data if data.device.type == "meta" else torch.empty_like(data, device="meta")
    if isinstance(data, tuple):
        return tuple(_to_meta(v) for v in data)
    if isinstance(data, list):
        return [_to_meta(v) for v in data]
    if isinstance(data, dict):
        return {k: _to_meta(v) for k, v in data.items()}
    return data


def input_names(forward: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[tuple[str, torch.Tensor]]:
    """(name, tensor) for each input tensor, named after forward's parameters where possible."""
    try:
        bound = inspect.signature(forward).bind_partial(*args, **kwargs).arguments
        named: Any = dict(bound)
        sig = inspect.signature(forward)
        for k, p in sig.parameters.items():
            if p.kind is inspect.Parameter.VAR_KEYWORD and k in named:
                named.update(named.pop(k))
            elif p.kind is inspect.Parameter.VAR_POSITIONAL and k in named:
                named[k] = tuple(named[k])
    except (TypeError, ValueError):
        named = {**{f"input{i}": a for i, a in enumerate(args)}, **kwargs}
    return list(iter_tensors(named))


def model_device(model: torch.nn.Module) -> torch.device:
    for t in model.parameters():
        return t.device
    for t in model.buffers():
        return t.device
    return torch.device("cpu")
