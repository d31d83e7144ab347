"""Overlays: colour every node by a number (a metric measured at capture, a dict of values by
module name, or a function of the node) on a sequential, colour-blind-safe scale, with the
value printed on the node and a colour bar in the legend."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any, Callable

from ..backends.scene import Rect, Text
from ..backends.text import text_width
from ..errors import InputError
from ..graph import Graph, Node
from ..graph.metrics import METRICS, aggregate, format_value
from .theme import Theme, luminance, mix

# Viridis, sampled at 10 even steps: perceptually uniform, readable by the colour-blind and
# monotonic in lightness, so it also survives printing in grey.
VIRIDIS = ("#440154", "#482878", "#3e4a89", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b",
           "#fde725")
LOG_SPAN = 100.0  # values spanning this factor or more are shown on a log scale
OVERLAYS = tuple(m for m in METRICS if m != "time_spread")
TITLES = {"params": "parameters", "flops": "FLOPs", "macs": "multiply-accumulates (MACs)",
          "memory": "activation memory", "live_memory": "live activation memory", "time": "time (CPU wall time)"}


def viridis(t: float) -> str:
    t = min(max(t, 0.0), 1.0) * (len(VIRIDIS) - 1)
    i = min(int(t), len(VIRIDIS) - 2)
    return mix(VIRIDIS[i], VIRIDIS[i + 1], t - i)


@dataclass(frozen=True)
class Scale:
    """Value -> colour, the same in the static picture and the interactive view."""

    title: str
    unit: str
    lo: float
    hi: float
    log: bool
    threshold: float | None = None  # top-k mode: values below are grey
    top_k: int | None = None

    def position(self, v: float) -> float:
        if self.log:
            return (math.log10(v) - math.log10(self.lo)) / max(math.log10(self.hi) - math.log10(self.lo), 1e-12)
        return (v - self.lo) / (self.hi - self.lo) if self.hi > self.lo else 0.5

    def color(self, v: float | None) -> str | None:
        """The fill for a value; None for grey (no value, zero on a log scale, outside the top k)."""
        if v is None or (self.log and v <= 0) or (self.threshold is not None and v < self.threshold):
            return None
        return viridis(self.position(v))

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "unit": self.unit, "lo": self.lo, "hi": self.hi, "log": self.log,
                "threshold": self.threshold, "top_k": self.top_k}


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def resolve(g: Graph, overlay: Any) -> tuple[str, str, Callable[[Node], float | None]]:
    """(title, unit, node -> value) for an overlay: a metric name, {module name: number} or a function."""
    if isinstance(overlay, str):
        if overlay not in OVERLAYS:
            close = difflib.get_close_matches(overlay, OVERLAYS, n=2, cutoff=0.5)
            raise InputError(f"unknown overlay {overlay!r}" + (f"; did you mean {' or '.join(map(repr, close))}?"
                             if close else "") + f" (overlays: {', '.join(OVERLAYS)}, a dict or a function)")
        metric = METRICS[overlay]
        measured = g.meta.get("metrics") or []
        if overlay not in measured:
            if overlay == "params":  # graphs from files: each node's own parameters
                return "params", "params", lambda n: float(n.params)
            how = (f"archplot.trace(model, x, metrics=[{overlay!r}])" if overlay not in ("flops", "macs", "memory",
                   "live_memory") else "archplot.trace(model, x) (metrics are measured by the hooks recorder)")
            raise InputError(f"this graph has no {overlay!r} values; trace it with {how} and draw that graph")
        title = TITLES.get(overlay, overlay.replace("_", " "))
        if overlay == "time" and "cuda" in str(g.meta.get("device", "")):
            title = "time (GPU, synchronised)"
        default = 0.0 if metric.counted else None
        return title, metric.unit, lambda n: n.metrics.get(overlay, default)
    if isinstance(overlay, dict):
        return "value", "", _dict_values(g, overlay)
    if callable(overlay):
        name = getattr(overlay, "__name__", "")
        return (name if name.isidentifier() else "value"), "", _called(overlay)
    raise InputError(f"overlay must be a metric name ({', '.join(OVERLAYS)}), a dict of module name -> number, "
                     f"or a function of a node; got {type(overlay).__name__}")


def _dict_values(g: Graph, values: dict[Any, Any]) -> Callable[[Node], float | None]:
    names = set(g.modules) | {n.path for n in g.nodes.values()}
    from ..transforms.view import origin_of

    origin = origin_of(g)
    names |= {n.path for n in origin.nodes.values()}
    for k, v in values.items():
        if not isinstance(k, str) or k not in names:
            close = difflib.get_close_matches(str(k), sorted(p for p in names if p), n=3, cutoff=0.6)
            raise InputError(f"overlay key {k!r} names no module of this model"
                             + (f"; close matches: {', '.join(close)}" if close else ""))
        if not _number(v):
            raise InputError(f"overlay[{k!r}] must be a finite number, not {v!r}")

    def inside(path: str) -> float | None:
        if path in values:
            return float(values[path])
        prefix = path + "." if path else ""
        keys = [k for k in values if k.startswith(prefix) and k != path]
        # the outermost given names inside: a parent's value already holds its children's
        top = [k for k in keys if not any(k.startswith(o + ".") for o in keys if o != k)]
        return float(sum(values[k] for k in top)) if top else None

    def value(n: Node) -> float | None:
        if n.kind != "module":
            return None
        found = [inside(p) if n.collapsed else (float(values[p]) if p in values else None)
                 for p in (n.repeat_paths or [n.path])]
        found = [v for v in found if v is not None]
        return sum(found) if found else None
    return value


def _called(fn: Callable[[Node], Any]) -> Callable[[Node], float | None]:
    def value(n: Node) -> float | None:
        try:
            v = fn(n)
        except Exception as e:
            raise InputError(f"the overlay function failed on `{n.path or n.name}` ({n.type}): "
                             f"{type(e).__name__}: {e}") from e
        if v is None:
            return None
        if not _number(v):
            raise InputError(f"the overlay function returned {v!r} for `{n.path or n.name}`; return a number or None")
        return float(v)
    return value


def drawn(n: Node) -> bool:
    return n.kind in ("module", "op")


def node_values(g: Graph, overlay: Any) -> tuple[str, str, dict[int, float | None]]:
    title, unit, fn = resolve(g, overlay)
    return title, unit, {nid: fn(n) for nid, n in g.nodes.items() if drawn(n)}


def make_scale(title: str, unit: str, values: dict[int, float | None], top_k: int | None = None) -> Scale:
    """The scale of a picture: its range from the values of the nodes it draws."""
    if top_k is not None and (not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 1):
        raise InputError(f"top_k must be a positive integer, not {top_k!r}")
    found = sorted(v for v in values.values() if v is not None)
    if not found:
        return Scale(title, unit, 0.0, 1.0, False)
    positive = [v for v in found if v > 0]
    threshold = found[-min(top_k, len(found))] if top_k is not None else None
    if threshold is not None:  # the scale tells the top k apart
        found = [v for v in found if v >= threshold]
        positive = [v for v in positive if v >= threshold]
    log = found[0] >= 0 and len(positive) >= 2 and positive[-1] / positive[0] >= LOG_SPAN
    lo, hi = (positive[0], positive[-1]) if log else (found[0], found[-1])
    return Scale(title, unit, lo, hi, log, threshold, top_k)


def multiplicity(g: Graph, n: Node) -> int:
    """How many blocks a node stands for: its own ×N times those of the folded boxes around it."""
    k = n.repeat
    for s in g.scope_chain(n.scope):
        k *= s.repeat
    return k


def scope_members(g: Graph) -> dict[int, list[int]]:
    """Scope id -> the nodes inside it at any depth (the root scope left out)."""
    out: dict[int, list[int]] = {sid: [] for sid in g.scopes if sid != 0}
    for nid, n in g.nodes.items():
        s: int | None = n.scope
        while s is not None and s != 0:
            out[s].append(nid)
            s = g.scopes[s].parent
    return out


def scope_node(g: Graph, members: list[int], node: Node) -> Node:
    """``node`` (a module box drawn collapsed) with the combined metrics of the nodes it holds."""
    node.metrics = aggregate(members, g.nodes, g.meta.get("metrics") or [])
    return node


def apply(look: Any, n: Node, g: Graph, scale: Scale, value: float | None, theme: Theme, size: float,
          rank: int | None = None, params_shown: bool = False) -> None:
    """Colour a node's look by its value and print the value on it (``params_shown``: the node
    already says its parameters; a parameter value equal to that is not said twice)."""
    color = scale.color(value)
    if color is None:
        look.fill = mix(theme.text, theme.background, 0.86)
        look.stroke = mix(theme.text, theme.background, 0.6)
        look.text = mix(theme.text, theme.background, 0.3)
    else:
        look.fill, look.stroke = color, mix(color, "#000000", 0.35)
        look.text = "#000000" if luminance(color) > 0.45 else "#ffffff"
    if value is None or color is None and (scale.threshold is not None or scale.log):
        return  # grey says it: outside the top k, or zero on a log scale
    if params_shown and scale.unit == "params" and value == n.params and rank is None:
        return
    line = format_value(value, scale.unit)
    k = multiplicity(g, n)
    if k > 1:
        line += f" · {format_value(value / k, scale.unit)} each"
    if rank is not None:
        line = f"#{rank} · {line}"
    look.lines.append((line, size, False))
    look.w = round(max(look.w, text_width(line, size) + 20), 1)
    look.h = round(look.h + size * 1.3, 1)


def ranks(values: dict[int, float | None], scale: Scale) -> dict[int, int]:
    if scale.threshold is None:
        return {}
    order = sorted((v, -nid) for nid, v in values.items() if v is not None and v >= scale.threshold)
    return {-nid: i + 1 for i, (_, nid) in enumerate(reversed(order))}


def colour_bar(scale: Scale, x0: float, y0: float, theme: Theme, size: float) -> tuple[list[Any], float, float]:
    """The legend of an overlay: title, a bar of the scale, its ends (and decades) labelled."""
    items: list[Any] = []
    title = scale.title + (" · log scale" if scale.log else "") + (f" · top {scale.top_k}" if scale.top_k else "")
    items.append(Text(x0, y0, title, size, theme.muted, bold=True))
    bar_x, bar_y, bar_w, bar_h, steps = x0, y0 + 6, 240.0, 10.0, 48
    for i in range(steps):
        items.append(Rect(bar_x + i * bar_w / steps, bar_y, bar_w / steps + 0.4, bar_h,
                          viridis((i + 0.5) / steps), None, 0.0))
    ticks = [scale.lo, scale.hi]  # the ends first: a decade that would cover one is left out
    if scale.log:
        first, last = math.ceil(math.log10(scale.lo)), math.floor(math.log10(scale.hi))
        ticks += [10.0 ** e for e in range(first, last + 1)] if last - first < 6 else []
    placed: list[tuple[float, float]] = []
    for v in dict.fromkeys(ticks):
        x = bar_x + bar_w * min(max(scale.position(v), 0.0), 1.0)
        label = format_value(v, scale.unit)
        w = text_width(label, size)
        left = min(max(x - w / 2, bar_x - 4), bar_x + bar_w + 4 - w)
        if any(left < b and a < left + w + 6 for a, b in placed):
            continue
        placed.append((left, left + w))
        items.append(Rect(x - 0.5, bar_y + bar_h, 1.0, 3.0, theme.muted, None, 0.0))
        items.append(Text(left, bar_y + bar_h + size + 4, label, size, theme.muted))
    grey_x = bar_x + bar_w + 24
    note = "outside the top " + str(scale.top_k) if scale.top_k else ("zero or no value" if scale.log else "no value")
    items.append(Rect(grey_x, bar_y, 13, bar_h, mix(theme.text, theme.background, 0.86),
                      mix(theme.text, theme.background, 0.6), 1.0, rx=2))
    items.append(Text(grey_x + 18, bar_y + bar_h - 1, note, size, theme.muted))
    width = grey_x + 18 + text_width(note, size) - x0
    return items, bar_y + bar_h + size + 6 - y0 + 6, max(width, text_width(title, size, True))
