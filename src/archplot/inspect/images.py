"""Tensors -> image grids: feature maps (activations) and learned filters.

Pure numpy and Pillow; torch tensors are accepted and converted.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..errors import InputError
from ..backends.text import FONT_DIR

# Perceptually uniform colour maps (matplotlib's), sampled at even steps and interpolated.
_CMAPS = {
    "viridis": ["#440154", "#472c7a", "#3b518b", "#2c718e", "#21908d", "#27ad81", "#5cc863", "#aadc32", "#fde725"],
    "magma": ["#000004", "#1c1044", "#4f127b", "#812581", "#b5367a", "#e55964", "#fb8761", "#fec287", "#fcfdbf"],
    "inferno": ["#000004", "#1f0c48", "#550f6d", "#88226a", "#ba3655", "#e35933", "#f98c0a", "#f9c932", "#fcffa4"],
    "plasma": ["#0d0887", "#46039f", "#7201a8", "#9c179e", "#bd3786", "#d8576b", "#ed7953", "#fb9f3a", "#fdca26", "#f0f921"],
    "gray": ["#000000", "#ffffff"],
    "coolwarm": ["#3b4cc0", "#6f92f3", "#aac7fd", "#dddcdc", "#f7b89c", "#e7745b", "#b40426"],
}
_CMAPS["grey"] = _CMAPS["gray"]
NORMALIZE = ("per_channel", "global", "none")
MIN_TILE = 48  # small maps are enlarged (nearest neighbour) to at least this many pixels


@lru_cache(maxsize=16)
def colormap(name: str) -> np.ndarray:
    """A 256×3 uint8 lookup table."""
    try:
        stops = _CMAPS[name]
    except (KeyError, TypeError):
        raise InputError(f"unknown colour map {name!r}; choose one of {', '.join(sorted(_CMAPS))}") from None
    rgb = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in stops], dtype=np.float64)
    x = np.linspace(0, 1, len(stops))
    t = np.linspace(0, 1, 256)
    return np.stack([np.interp(t, x, rgb[:, k]) for k in range(3)], axis=1).round().astype(np.uint8)


def _array(t: Any) -> np.ndarray:
    if hasattr(t, "detach"):
        t = t.detach()
        if t.device.type == "meta":
            raise InputError("this tensor is on the meta device and has no values; run the model on real data")
        t = t.float().cpu().numpy()
    a = np.asarray(t, dtype=np.float32)
    if not np.isfinite(a).all():
        a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
    return a


def _scale(a: np.ndarray, mode: str, axis: tuple[int, ...] | None) -> np.ndarray:
    """Map values into [0, 1]: per tile (``axis`` = the tile's axes), over everything, or clip."""
    if mode == "none":
        return np.clip(a, 0.0, 1.0)
    lo = a.min(axis=axis, keepdims=True) if mode == "per_channel" else a.min()
    hi = a.max(axis=axis, keepdims=True) if mode == "per_channel" else a.max()
    span = np.where(hi - lo > 1e-12, hi - lo, 1.0)
    return (a - lo) / span


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), size)


def grid(tiles: np.ndarray, *, labels: list[str] | None = None, padding: int = 1, columns: int | None = None,
         background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """Lay out N equal tiles (N×h×w×3 uint8) in a near-square grid, each with an optional label."""
    n, h, w = tiles.shape[:3]
    k = max(1, math.ceil(MIN_TILE / max(h, w)))
    if k > 1:
        tiles = tiles.repeat(k, axis=1).repeat(k, axis=2)
        h, w = h * k, w * k
    cols = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    label_h = 12 if labels else 0
    cell_w, cell_h = w + padding, h + padding + label_h
    img = np.empty((rows * cell_h + padding, cols * cell_w + padding, 3), dtype=np.uint8)
    img[:] = background
    for i in range(n):
        r, c = divmod(i, cols)
        y, x = padding + r * cell_h + label_h, padding + c * cell_w
        img[y:y + h, x:x + w] = tiles[i]
    out = Image.fromarray(img)
    if labels:
        draw = ImageDraw.Draw(out)
        font = _font(9)
        fill = (60, 60, 60) if sum(background) > 384 else (220, 220, 220)
        for i, text in enumerate(labels):
            r, c = divmod(i, cols)
            draw.text((padding + c * cell_w + 1, padding + r * cell_h), text, fill=fill, font=font)
    return out


def feature_maps(tensor: Any, *, max_channels: int | None = None, normalize: str = "per_channel",
                 cmap: str = "viridis", padding: int = 1, labels: bool = True, batch: int = 0) -> Image.Image:
    """One tile per channel of an activation, in a near-square grid, channel indices labelled.

    Accepts N×C×H×W (sample ``batch``), C×H×W, token-shaped N×L×D (a heat map, tokens by
    features) and flat N×D (a heat strip). ``normalize``: "per_channel" (each tile its own
    range), "global" (one range for all) or "none" (values clipped to [0, 1]).

    >>> img = archplot.feature_maps(acts["layer1.0.conv1"], max_channels=16)   # doctest: +SKIP
    """
    if normalize not in NORMALIZE:
        raise InputError(f"normalize must be one of {', '.join(NORMALIZE)}, not {normalize!r}")
    lut = colormap(cmap)
    a = _array(tensor)
    if a.ndim == 4:
        if not 0 <= batch < a.shape[0]:
            raise InputError(f"batch index {batch} is out of range for a batch of {a.shape[0]}")
        a = a[batch]
    if a.ndim == 3:  # C×H×W; a token-shaped 1×L×D is one L×D map
        channels = a.shape[0]
        shown = min(channels, max_channels) if max_channels else channels
        a = a[:shown]
        tiles = lut[(_scale(a, normalize, (1, 2)) * 255).astype(np.uint8)]
        names = [str(i) for i in range(shown)] if labels else None
        return grid(tiles, labels=names, padding=padding)
    if a.ndim == 2:  # N×D: a heat strip per sample, wrapped into rows of at most 64
        row = a[min(batch, a.shape[0] - 1)]
        width = min(len(row), 64)
        rows = math.ceil(len(row) / width)
        strip = np.full(rows * width, np.nan, dtype=np.float32)
        strip[:len(row)] = row
        scaled = _scale(np.nan_to_num(strip, nan=float(row.min())), "global" if normalize != "none" else "none", None)
        tile = lut[(scaled * 255).astype(np.uint8)].reshape(rows, width, 3)
        return grid(tile[None], labels=[f"{len(row)} features"] if labels else None, padding=padding)
    if a.ndim == 1:
        return feature_maps(a[None], normalize=normalize, cmap=cmap, padding=padding, labels=labels)
    raise InputError(f"cannot draw a tensor of shape {tuple(a.shape)}; expected N×C×H×W, C×H×W, N×L×D or N×D")


def token_map(tensor: Any, *, normalize: str = "global", cmap: str = "viridis", batch: int = 0) -> Image.Image:
    """A token-shaped activation (N×L×D) as a heat map: one row per token, one column per feature.

    >>> archplot.token_map(acts["encoder.layer.0"]).save("tokens.png")   # doctest: +SKIP
    """
    a = _array(tensor)
    if a.ndim == 3:
        a = a[batch]
    if a.ndim != 2:
        raise InputError(f"token_map expects N×L×D or L×D, got shape {tuple(a.shape)}")
    if a.shape[1] > 512:  # average neighbouring features so the map stays readable
        f = math.ceil(a.shape[1] / 512)
        pad = (-a.shape[1]) % f
        a = np.pad(a, ((0, 0), (0, pad)), mode="edge").reshape(a.shape[0], -1, f).mean(axis=2)
    tile = colormap(cmap)[(_scale(a, "global" if normalize == "per_channel" else normalize, None) * 255).astype(np.uint8)]
    k = max(1, math.ceil(8 / max(1, min(a.shape))))
    return Image.fromarray(tile.repeat(k, axis=0).repeat(max(1, k // 2), axis=1))


def filters(module_or_weight: Any, *, layer: str | None = None, mode: str = "auto", scale: str = "shared",
            max_filters: int | None = None, cmap: str = "gray", padding: int = 1, labels: bool = True) -> Image.Image:
    """Learned filters as images.

    ``module_or_weight``: a layer (Conv2d, Conv1d, Linear), a model with ``layer="features.0"``,
    or a weight tensor. ``mode``: "rgb" draws 3-input-channel filters in colour (the default
    for them under "auto"), "mean" averages over input channels, "channels" draws every input
    channel (filters in rows). ``scale``: "shared" (one symmetric range, so strengths compare)
    or "per_filter".

    >>> archplot.filters(model, layer="conv1").save("filters.png")   # doctest: +SKIP
    """
    if mode not in ("auto", "rgb", "mean", "channels"):
        raise InputError(f"mode must be one of auto, rgb, mean, channels, not {mode!r}")
    if scale not in ("shared", "per_filter"):
        raise InputError(f"scale must be 'shared' or 'per_filter', not {scale!r}")
    w = _weight(module_or_weight, layer)
    if w.ndim == 2:  # Linear: a filter per output, as a square when the input is one
        side = int(math.isqrt(w.shape[1]))
        w = w.reshape(w.shape[0], 1, side, side) if side * side == w.shape[1] else w.reshape(w.shape[0], 1, 1, -1)
    elif w.ndim == 3:
        w = w[:, :, None, :]
    elif w.ndim != 4:
        raise InputError(f"cannot draw filters of shape {tuple(w.shape)}; expected a conv or linear weight")
    if max_filters:
        w = w[:max_filters]
    out_c, in_c = w.shape[:2]
    if mode == "auto":
        mode = "rgb" if in_c == 3 else "mean"
    if mode == "rgb" and in_c != 3:
        raise InputError(f"mode='rgb' needs filters with 3 input channels, these have {in_c}")

    def unit(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        # symmetric around zero, so a weight of 0 is always the middle colour
        m = np.abs(a).max(axis=axes, keepdims=True) if scale == "per_filter" else np.abs(a).max()
        m = np.where(m > 1e-12, m, 1.0)
        return (a / m + 1.0) / 2.0

    if mode == "rgb":
        tiles = (unit(w, (1, 2, 3)).transpose(0, 2, 3, 1) * 255).round().astype(np.uint8)
        names = [str(i) for i in range(out_c)]
    elif mode == "mean":
        m = w.mean(axis=1)
        tiles = colormap(cmap)[(unit(m, (1, 2)) * 255).astype(np.uint8)]
        names = [str(i) for i in range(out_c)]
    else:
        shown = min(in_c, 16)
        flat = w[:, :shown].reshape(out_c * shown, *w.shape[2:])
        tiles = colormap(cmap)[(unit(flat, (1, 2)) * 255).astype(np.uint8)]
        names = [f"{o}.{i}" for o in range(out_c) for i in range(shown)]
        return grid(tiles, labels=names if labels else None, padding=padding, columns=shown)
    return grid(tiles, labels=names if labels else None, padding=padding)


def _weight(obj: Any, layer: str | None) -> np.ndarray:
    if layer is not None:
        if not hasattr(obj, "get_submodule"):
            raise InputError("layer= needs a model to look the layer up in")
        try:
            obj = obj.get_submodule(layer)
        except AttributeError as e:
            from .activations import close_matches

            raise InputError(f"the model has no layer {layer!r}{close_matches(obj, layer)}") from e
    if hasattr(obj, "weight") and not hasattr(obj, "shape"):
        if getattr(obj, "weight", None) is None:
            raise InputError(f"{type(obj).__name__} has no weight to draw")
        obj = obj.weight
    if not hasattr(obj, "shape"):
        raise InputError(f"filters() needs a layer with a weight or a weight tensor, got {type(obj).__name__}")
    return _array(obj)


def thumbnail(tensor: Any, cmap: str = "viridis", max_side: int = 64) -> bytes:
    """A small PNG of one activation for a diagram node: the channel mean of a feature map,
    the token-by-feature map of a sequence, the values of a vector."""
    import io

    a = _array(tensor)
    while a.ndim > 3:
        a = a[0]
    if a.ndim == 3:
        a = a.mean(axis=0) if a.shape[0] > 1 or min(a.shape[1:]) > 1 else a[0]
    if a.ndim == 1:
        a = a[None]
    if a.ndim != 2:
        a = np.zeros((1, 1), dtype=np.float32)
    step_y, step_x = max(1, math.ceil(a.shape[0] / max_side)), max(1, math.ceil(a.shape[1] / max_side))
    a = a[::step_y, ::step_x]
    img = Image.fromarray(colormap(cmap)[(_scale(a, "global", None) * 255).astype(np.uint8)])
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
