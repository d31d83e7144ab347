"""The numbers overlays colour by: what each metric means, its unit, and how the values of
several nodes combine when they are drawn as one (collapsed, folded, fused). No torch import.

Values live in ``Node.metrics`` ({name: number}); ``Graph.meta["metrics"]`` lists the metrics
that were measured, so a node without an entry for a counted metric (FLOPs of a reshape)
holds zero rather than "unknown".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Metric:
    unit: str  # "FLOPs", "MACs", "params", "B" (bytes), "s" (seconds) or "" (a plain number)
    combine: str  # "sum", "max" or "last" (the value of the last node in execution order)
    about: str
    counted: bool = True  # a missing value is zero (a count), not unknown


METRICS = {
    "params": Metric("params", "sum", "parameters first used by this node (shared weights counted once)"),
    "flops": Metric("FLOPs", "sum", "floating-point operations: 2 per multiply-add of matmul, convolution and "
                    "attention, and the elementwise and normalisation work"),
    "macs": Metric("MACs", "sum", "multiply-accumulates of matmul, convolution and attention"),
    "memory": Metric("B", "sum", "bytes of the activations this node creates (views and in-place results: 0)"),
    "live_memory": Metric("B", "max", "activation bytes alive while this node runs (execution order)"),
    "time": Metric("s", "sum", "wall time of this node in a measured forward (median of the repeats)"),
    "time_spread": Metric("s", "sum", "spread (standard deviation) of the node's time over the repeats"),
    "activation_mean": Metric("", "last", "mean of the node's first output", counted=False),
    "activation_std": Metric("", "last", "standard deviation of the node's first output", counted=False),
    "sparsity": Metric("", "last", "fraction of exact zeros in the node's first output", counted=False),
    "grad_norm": Metric("", "last", "L2 norm of the loss's gradient with respect to the node's first output",
                        counted=False),
}
# Measured in every traced graph: cheap, computed from shapes during the recording forward.
DEFAULT_METRICS = ("params", "flops", "macs", "memory", "live_memory")
# Measured on request, with extra forwards: ``trace(..., metrics=[...])``.
MEASURED_METRICS = ("time", "activation_mean", "activation_std", "sparsity", "grad_norm")


def combine(name: str, values: Iterable[tuple[int, float]]) -> float | None:
    """The value of several nodes together; ``values`` are (node id, value) pairs."""
    rule = METRICS[name].combine if name in METRICS else "sum"
    pairs = list(values)
    if not pairs:
        return None
    if rule == "max":
        return max(v for _, v in pairs)
    if rule == "last":
        return max(pairs)[1]
    if name == "time_spread":  # independent spreads add in quadrature
        return sum(v * v for _, v in pairs) ** 0.5
    return sum(v for _, v in pairs)


def aggregate(members: list[int], nodes: dict, names: Iterable[str]) -> dict[str, float]:
    """The metrics of a node standing for origin nodes ``members``."""
    out: dict[str, float] = {}
    for name in names:
        value = combine(name, ((i, nodes[i].metrics[name]) for i in members if name in nodes[i].metrics))
        if value is not None:
            out[name] = value
    return out


_PREFIXES = ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K"))


def _short(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def format_value(v: float, unit: str) -> str:
    """12.3 GFLOPs, 4.1 ms, 1.5 MB, 25.6M params, 0.513."""
    if unit == "s":
        for scale, name in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
            if abs(v) >= scale:
                return f"{_short(v / scale)} {name}"
        return f"{_short(v * 1e9)} ns" if v else "0 ms"
    if unit in ("FLOPs", "MACs", "B", "params"):
        prefix, scaled = "", v
        for scale, name in _PREFIXES:
            if abs(v) >= scale:
                prefix, scaled = name, v / scale
                break
        number = _short(scaled) if prefix else f"{v:.0f}"
        return f"{number}{prefix} params" if unit == "params" else f"{number} {prefix}{unit}"
    return f"{v:.3g}"
