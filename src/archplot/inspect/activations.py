"""Activations of chosen layers for one input, through forward hooks that are always removed."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import torch

from ..capture.guard import preserved
from ..capture.inputs import flat_tensors
from ..errors import InputError, TraceError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def close_matches(model: torch.nn.Module, name: str) -> str:
    names = [n for n, _ in model.named_modules() if n]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    return f"; close matches: {', '.join(close)}" if close else (f"; layers look like {', '.join(names[:3])}" if names else "")


def _leaves(model: torch.nn.Module) -> list[tuple[str, torch.nn.Module]]:
    return [(n, m) for n, m in model.named_modules() if n and not m._modules]


def select_layers(model: torch.nn.Module, layers: Any) -> list[tuple[str, torch.nn.Module]]:
    """Modules chosen by name, glob, class, index among leaf layers, or (class, index)."""
    from ..transforms import _glob

    if layers is None:
        return _leaves(model)
    if isinstance(layers, (str, int, type)) or (isinstance(layers, tuple) and len(layers) == 2
                                                 and isinstance(layers[0], type) and isinstance(layers[1], int)):
        layers = [layers]
    named = [(n, m) for n, m in model.named_modules() if n]
    leaves = _leaves(model)
    chosen: dict[str, torch.nn.Module] = {}
    for spec in layers:
        if isinstance(spec, bool):
            raise InputError(f"{spec!r} does not name a layer")
        if isinstance(spec, int):
            if not -len(leaves) <= spec < len(leaves):
                raise InputError(f"layer index {spec} is out of range: the model has {len(leaves)} leaf layers")
            found = [leaves[spec]]
        elif isinstance(spec, type):
            found = [(n, m) for n, m in named if isinstance(m, spec)]
            if not found:
                raise InputError(f"the model has no {spec.__name__} layers")
        elif isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], type):
            of_class = [(n, m) for n, m in named if isinstance(m, spec[0])]
            if not -len(of_class) <= spec[1] < len(of_class):
                raise InputError(f"the model has {len(of_class)} {spec[0].__name__} layers; index {spec[1]} is out of range")
            found = [of_class[spec[1]]]
        elif isinstance(spec, str):
            rx = _glob(spec)
            found = [(n, m) for n, m in named if rx.match(n)]
            if not found:
                raise InputError(f"the model has no layer {spec!r}{close_matches(model, spec)}")
        else:
            raise InputError(f"{spec!r} does not name a layer: use a name, a glob, a class, an index or (class, index)")
        for n, m in found:
            chosen.setdefault(n, m)
    return list(chosen.items())


def load_image(image: Any, *, size: int | tuple[int, int] = 224, mean: Any = IMAGENET_MEAN, std: Any = IMAGENET_STD,
               channels: int = 3) -> torch.Tensor:
    """A path or PIL image as a normalised 1×C×H×W tensor: the shorter side resized to
    ``size``, the centre cropped square (or to ``(height, width)``), then ``(x - mean) / std``."""
    from PIL import Image

    if isinstance(image, (str, Path)):
        try:
            image = Image.open(image)
            image.load()
        except FileNotFoundError as e:
            raise InputError(f"no such image file: {image}") from e
        except OSError as e:
            raise InputError(f"cannot read {image} as an image: {e}") from e
    if not isinstance(image, Image.Image):
        raise InputError(f"expected an image path or a PIL image, got {type(image).__name__}")
    image = image.convert("RGB" if channels == 3 else "L")
    h, w = (size, size) if isinstance(size, int) else size
    scale = max(h / image.height, w / image.width)
    image = image.resize((max(w, round(image.width * scale)), max(h, round(image.height * scale))), Image.BILINEAR)
    left, top = (image.width - w) // 2, (image.height - h) // 2
    image = image.crop((left, top, left + w, top + h))
    import numpy as np

    a = np.asarray(image, dtype=np.float32) / 255.0
    a = a[..., None] if a.ndim == 2 else a
    t = torch.from_numpy(a.copy()).permute(2, 0, 1)
    if mean is not None and std is not None:
        m = torch.tensor(mean, dtype=torch.float32)
        s = torch.tensor(std, dtype=torch.float32)
        if channels == 1 and m.numel() == 3:
            m, s = m.mean(dim=0, keepdim=True), s.mean(dim=0, keepdim=True)
        t = (t - m.view(-1, 1, 1)) / s.view(-1, 1, 1)
    return t.unsqueeze(0)


def _image_channels(model: torch.nn.Module) -> int:
    for m in model.modules():
        if isinstance(m, (torch.nn.Conv2d,)):
            return m.in_channels
    return 3


def activations(model: torch.nn.Module, input: Any, layers: Any = None, *, size: int = 224,
                mean: Any = IMAGENET_MEAN, std: Any = IMAGENET_STD) -> dict[str, torch.Tensor]:
    """Outputs of the chosen layers for one input, by qualified name.

    ``input``: a tensor (or tuple / dict, as for :func:`archplot.trace`), or an image path or
    PIL image (prepared by :func:`load_image` with ``size``, ``mean`` and ``std``).
    ``layers``: a name, glob (``"layer1.*.conv1"``), class (``nn.Conv2d``), index among the leaf
    layers, ``(class, index)``, or a list of those; ``None`` takes every leaf layer. A layer
    called twice gives ``"name"`` and ``"name#1"``. Hooks are removed and the model's mode and
    state restored afterwards, also when the forward raises.

    >>> acts = archplot.activations(model, "cat.jpg", layers=nn.Conv2d)   # doctest: +SKIP
    """
    from PIL import Image

    if not isinstance(model, torch.nn.Module):
        raise InputError(f"activations() expects a torch.nn.Module, got {type(model).__name__}")
    if isinstance(input, (str, Path, Image.Image)):
        input = load_image(input, size=size, mean=mean, std=std, channels=_image_channels(model))
    chosen = select_layers(model, layers)
    found: dict[str, torch.Tensor] = {}
    calls: dict[str, int] = {}

    def hook(name: str):
        def record(module: Any, args: Any, output: Any) -> None:
            tensors = flat_tensors(output, [])
            if not tensors:
                return
            k = calls.get(name, 0)
            calls[name] = k + 1
            found[name if k == 0 else f"{name}#{k}"] = tensors[0].detach().to("cpu", copy=True)
        return record

    if isinstance(input, dict):
        args, kwargs = (), input
    elif isinstance(input, tuple):
        args, kwargs = input, {}
    else:
        args, kwargs = (input,), {}
    handles = []
    with preserved(model, train=False):
        try:
            for name, module in chosen:
                handles.append(module.register_forward_hook(hook(name)))
            model(*args, **kwargs)
        except Exception as e:
            detail = (str(e).strip().splitlines() or [""])[0]
            raise TraceError(f"the forward failed while recording activations: {type(e).__name__}: {detail}") from e
        finally:
            for h in handles:
                h.remove()
    return found


def load_weights(model: torch.nn.Module, path: Any, *, strict: bool = True) -> torch.nn.Module:
    """Load a state dict saved with ``torch.save`` into ``model`` and return it.

    Only plain tensors are read (``torch.load(weights_only=True)``): a file that would need
    unpickling arbitrary objects is refused, since unpickling can run code.
    """
    import pickle

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError as e:
        raise InputError(f"no such weights file: {path}") from e
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as e:
        first = (str(e).strip().splitlines() or [""])[0][:160]
        raise InputError(f"{path} is not a file of plain weights archplot can read safely ({first}); "
                         "save the model's state_dict() instead") from e
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise InputError(f"{path} holds a {type(state).__name__}, not a state dict of weights")
    try:
        model.load_state_dict(state, strict=strict)
    except RuntimeError as e:
        first = (str(e).strip().splitlines() or [""])[0]
        raise InputError(f"the weights in {path} do not fit this model: {first}") from e
    return model
