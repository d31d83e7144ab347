"""Numbers per node for overlays, measured while recording (see :mod:`archplot.graph.metrics`).

The recorder (tracer.py) hands every torch function call it sees, inside leaf modules too,
to an observer's ``call`` and tells it each node it makes (``node``). Work counted between two
nodes belongs to the next one: an op's node is made right after its call, a leaf module's
when the module returns, after all the calls inside it.

Counting happens at the torch-function level (one Python check per call, formulas from
shapes), not with a dispatch mode, to keep the recording cheap. Functions that run several
matmuls inside one call (MultiheadAttention's functional form, RNNs, einsum) are counted by
running that one call under torch's FlopCounterMode.
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any, Callable

import torch

from ..errors import InputError
from ..graph import Graph, Node
from ..graph.metrics import DEFAULT_METRICS, MEASURED_METRICS, METRICS

_Tensor = torch.Tensor
_Parameter = torch.nn.Parameter

# FLOPs per output element of elementwise work (an approximation: a GELU is more than one
# FLOP on any hardware; matmul-class counts are exact).
_PER_ELEMENT = dict.fromkeys(
    ("add sub rsub mul div true_divide truediv floor_divide floordiv remainder mod pow neg abs exp exp2 expm1 log "
     "log2 log10 log1p sqrt rsqrt reciprocal sin cos tan tanh sigmoid relu relu6 gelu silu mish softplus elu selu "
     "celu leaky_relu hardswish hardsigmoid hardtanh logsigmoid softsign threshold prelu clamp clip clamp_min "
     "clamp_max maximum minimum where lerp erf erfc sign square addcmul addcdiv glu").split(), 1)
_PER_ELEMENT.update(dict.fromkeys("softmax log_softmax".split(), 5))
_PER_ELEMENT.update(dict.fromkeys("layer_norm batch_norm group_norm instance_norm rms_norm normalize".split(), 5))
# FLOPs per input element: reductions and pooling.
_PER_INPUT = frozenset(("sum mean amax amin max min std var norm logsumexp cumsum prod max_pool1d max_pool2d "
                        "max_pool3d avg_pool1d avg_pool2d avg_pool3d adaptive_avg_pool1d adaptive_avg_pool2d "
                        "adaptive_avg_pool3d adaptive_max_pool1d adaptive_max_pool2d adaptive_max_pool3d "
                        "max_pool2d_with_indices").split())
# One call, several matmuls inside: counted by FlopCounterMode around the call.
_COMPOSITE = frozenset(("multi_head_attention_forward einsum lstm gru rnn_tanh rnn_relu bilinear tensordot "
                        "chain_matmul multi_dot addbmm kron native_multi_head_attention").split())


def _first(out: Any) -> _Tensor | None:
    if isinstance(out, _Tensor):
        return out
    if isinstance(out, (tuple, list)):
        for o in out:
            if isinstance(o, _Tensor):
                return o
    return None


def _matmul(a: _Tensor, b: _Tensor) -> int:
    sa, sb = a.shape, b.shape
    if not sa or not sb:
        return 0
    n = sa[-2] if len(sa) >= 2 else 1
    m = sb[-1] if len(sb) >= 2 else 1
    batch = torch.broadcast_shapes(sa[:-2], sb[:-2])
    return math.prod(batch) * n * sa[-1] * m


def _linear(args: tuple[Any, ...], out: Any) -> int:
    x, w = args[0], args[1]
    return x.numel() * (w.shape[0] if w.dim() == 2 else 1)


def _conv(transposed: bool) -> Callable[[tuple[Any, ...], Any], int]:
    def macs(args: tuple[Any, ...], out: Any) -> int:
        x, w = args[0], args[1]
        spatial = w.dim() - 2
        batch = x.shape[0] if x.dim() == w.dim() else 1
        source = x if transposed else _first(out)
        return batch * math.prod(source.shape[-spatial:]) * math.prod(w.shape)
    return macs


def _attention(args: tuple[Any, ...], out: Any) -> int:
    q, k, v = args[0], args[1], args[2]
    return math.prod(q.shape[:-2]) * q.shape[-2] * k.shape[-2] * (q.shape[-1] + v.shape[-1])


def attention_flop_formula(query_shape: Any, key_shape: Any, value_shape: Any, *_: Any, **__: Any) -> int:
    """FLOPs of scaled dot-product attention from shapes: the formula torch's FLOP table lacks
    for the CPU kernel (``aten._scaled_dot_product_flash_attention_for_cpu``)."""
    return 2 * math.prod(query_shape[:-2]) * query_shape[-2] * key_shape[-2] * (query_shape[-1] + value_shape[-1])


def flop_counter() -> Any:
    """torch's FlopCounterMode, with the CPU attention kernel counted."""
    from torch.utils.flop_counter import FlopCounterMode

    mapping = {}
    cpu_attention = getattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu", None)
    if cpu_attention is not None:
        mapping[cpu_attention] = attention_flop_formula
    return FlopCounterMode(display=False, custom_mapping=mapping)


def _matmul_rules() -> dict[Any, Callable[[tuple[Any, ...], Any], int]]:
    """Multiply-accumulates of a call from its arguments and result, by function."""
    T, F = torch.Tensor, torch.nn.functional
    rules: dict[Any, Callable[[tuple[Any, ...], Any], int]] = {}
    for f in (torch.matmul, T.matmul, T.__matmul__, torch.mm, T.mm, torch.bmm, T.bmm):
        rules[f] = lambda args, out: _matmul(args[0], args[1])
    rules[T.__rmatmul__] = lambda args, out: _matmul(args[1], args[0])
    for f in (torch.addmm, T.addmm, torch.baddbmm, T.baddbmm):
        rules[f] = lambda args, out: _matmul(args[1], args[2])
    rules[F.linear] = _linear
    for f in (F.conv1d, F.conv2d, F.conv3d):
        rules[f] = _conv(False)
    for f in (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d):
        rules[f] = _conv(True)
    rules[F.scaled_dot_product_attention] = _attention
    return rules


_RULES = _matmul_rules()


class Counter:
    """Parameters (first use), FLOPs, MACs and activation bytes of every node, during the
    recording forward; with ``stats``, the mean, std and fraction of zeros of each output."""

    def __init__(self, stats: bool = False) -> None:
        self.stats = stats
        self.kinds: dict[Any, tuple[str, Any]] = {}
        self.seen: set[int] = set()
        self.param_types: dict[type, bool] = {}
        self.params = 0
        self.macs = 0
        self.flops = 0
        self.out_bytes: dict[int, list[int]] = {}

    def _kind(self, func: Any) -> tuple[str, Any]:
        try:
            return self.kinds[func]
        except (KeyError, TypeError):
            pass
        rule = _RULES.get(func) if _hashable(func) else None
        name = (getattr(func, "__name__", "") or "").strip("_").rstrip("_")
        if rule is not None:
            kind: tuple[str, Any] = ("macs", rule)
        elif name in _COMPOSITE:
            kind = ("composite", None)
        elif name in _PER_ELEMENT or (name[:1] in "ri" and name[1:] in _PER_ELEMENT):
            kind = ("element", _PER_ELEMENT.get(name) or _PER_ELEMENT[name[1:]])
        elif name in _PER_INPUT:
            kind = ("input", None)
        else:
            kind = ("none", None)
        try:
            self.kinds[func] = kind
        except TypeError:
            pass
        return kind

    def call(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        # Parameter's isinstance goes through a Python metaclass hook: ask once per type
        is_param = self.param_types
        for a in args:
            t = type(a)
            if t in (list, tuple):
                for p in a:
                    tp = type(p)
                    if is_param.get(tp) or (tp not in is_param and self._is_param_type(tp)):
                        self._param(p)
            elif is_param.get(t) or (t not in is_param and self._is_param_type(t)):
                self._param(a)
        for a in kwargs.values():
            t = type(a)
            if is_param.get(t) or (t not in is_param and self._is_param_type(t)):
                self._param(a)
        kind, rule = self._kind(func)
        if kind == "composite":
            counter = flop_counter()
            with counter:
                out = func(*args, **kwargs)
            flops = counter.get_total_flops()
            self.macs += flops // 2
            self.flops += flops
            return out
        out = func(*args, **kwargs)
        if kind == "macs":
            try:
                macs = rule(args, out)
            except (TypeError, IndexError, RuntimeError, AttributeError):
                macs = 0  # a call form the formula does not know: counted as nothing, never a failure
            self.macs += macs
            self.flops += 2 * macs
        elif kind == "element":
            o = _first(out)
            if o is not None:
                self.flops += rule * o.numel()
        elif kind == "input":
            x = _first(args)
            if x is not None:
                self.flops += x.numel()
        return out

    def _is_param_type(self, t: type) -> bool:
        self.param_types[t] = answer = issubclass(t, _Parameter)
        return answer

    def _param(self, p: _Tensor) -> None:
        if id(p) not in self.seen:
            self.seen.add(id(p))
            self.params += p.numel()

    def node(self, node: Node, ins: list[_Tensor], outs: list[_Tensor]) -> None:
        m = node.metrics = {}
        if self.params:
            m["params"] = self.params
        if self.flops:
            m["flops"] = self.flops
        if self.macs:
            m["macs"] = self.macs
        self.params = self.flops = self.macs = 0
        sizes = []
        for o in outs:
            fresh = not o._is_view() and not any(o is t for t in ins)
            sizes.append(o.numel() * o.element_size() if fresh else 0)
        self.out_bytes[node.id] = sizes
        if sum(sizes):
            m["memory"] = sum(sizes)
        if self.stats and node.kind not in ("input", "output"):
            m.update(_statistics(outs))

    def finish(self, g: Graph, names: list[str]) -> None:
        for nid, live in live_memory(g, self.out_bytes).items():
            if live:
                g.nodes[nid].metrics["live_memory"] = live
        g.meta["metrics"] = names
        g.meta["peak_memory"] = max((n.metrics.get("live_memory", 0) for n in g.nodes.values()), default=0)


def _hashable(func: Any) -> bool:
    try:
        hash(func)
    except TypeError:
        return False
    return True


def _statistics(outs: list[_Tensor]) -> dict[str, float]:
    o = next((t for t in outs if t.is_floating_point() and t.numel()), None)
    if o is None or o.device.type == "meta":
        return {}
    x = o.detach().float()
    values = {"activation_mean": x.mean().item(), "sparsity": (x == 0).float().mean().item()}
    if x.numel() > 1:
        values["activation_std"] = x.std().item()
    return {k: v for k, v in values.items() if math.isfinite(v)}


def live_memory(g: Graph, out_bytes: dict[int, list[int]]) -> dict[int, int]:
    """Bytes of activations alive while each node runs, in execution order: a tensor lives from
    the node that makes it to its last consumer (graph outputs and inputs to the end)."""
    last_use: dict[tuple[int, int], int] = {}
    for e in g.edges:
        key = (e.source, e.source_output)
        last_use[key] = max(last_use.get(key, -1), e.target)
    order = sorted(g.nodes)
    end = order[-1] + 1 if order else 0
    frees: dict[int, int] = {}
    live = 0
    out: dict[int, int] = {}
    for nid in order:
        n = g.nodes[nid]
        for i, size in enumerate(out_bytes.get(nid, ())):
            live += size
            until = end if n.kind == "input" else last_use.get((nid, i), nid)
            frees[until] = frees.get(until, 0) + size
        out[nid] = live
        live -= frees.pop(nid, 0)
    return out


class Timer:
    """Wall time of every node in one forward: from the end of the previous node's work to the
    end of this node's last call, so the Python between calls counts too and the recorder's
    own bookkeeping does not."""

    def __init__(self, device: torch.device) -> None:
        self.cuda = device.type == "cuda"
        self.times: list[float] = []
        self.prev = self.last = 0.0

    def start(self) -> None:
        self._sync()
        self.prev = self.last = time.perf_counter()

    def _sync(self) -> None:
        if self.cuda:
            torch.cuda.synchronize()

    def call(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        out = func(*args, **kwargs)
        self._sync()
        self.last = time.perf_counter()
        return out

    def node(self, node: Node, ins: list[_Tensor], outs: list[_Tensor]) -> None:
        if node.kind in ("input", "output"):
            self.times.append(0.0)
            return
        end = self.last if self.last > self.prev else time.perf_counter()
        self.times.append(end - self.prev)
        self.prev = time.perf_counter()


class Keeper:
    """Keeps each node's first floating output of a forward with gradients, for ``grad_norm``."""

    def __init__(self) -> None:
        self.kept: dict[int, _Tensor] = {}

    def call(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return func(*args, **kwargs)

    def node(self, node: Node, ins: list[_Tensor], outs: list[_Tensor]) -> None:
        o = next((t for t in outs if t.is_floating_point() and t.requires_grad), None)
        if o is not None and node.kind != "input":
            self.kept[node.id] = o

    def gradients(self, output: Any, loss: Callable[[Any], Any] | None) -> dict[int, float]:
        with torch.enable_grad():
            value = _loss(output, loss)
            ids = list(self.kept)
            grads = torch.autograd.grad(value, [self.kept[i] for i in ids], allow_unused=True)
        return {i: float(g.detach().float().norm()) for i, g in zip(ids, grads) if g is not None}


def _loss(output: Any, loss: Callable[[Any], Any] | None) -> _Tensor:
    if loss is not None:
        try:
            value = loss(output)
        except Exception as e:
            raise InputError(f"the loss function for grad_norm raised {type(e).__name__}: {e}") from e
    else:
        value = _first(output) if not isinstance(output, dict) else _first(list(output.values()))
        if value is None and hasattr(output, "to_tuple"):  # transformers' ModelOutput
            value = _first(output.to_tuple())
        if value is None:
            raise InputError("grad_norm needs a loss: the output holds no tensor to sum; pass "
                             "metrics={'grad_norm': {'loss': lambda out: ...}}")
        value = value.float().sum()
    if not isinstance(value, _Tensor) or value.numel() != 1 or not value.requires_grad:
        raise InputError("the loss for grad_norm must be a one-element tensor that depends on the model's "
                         "parameters or input (got " + (f"shape {tuple(value.shape)}" if isinstance(value, _Tensor)
                                                      else type(value).__name__) + ")")
    return value


def parse_request(metrics: Any) -> dict[str, dict[str, Any]]:
    """``metrics=`` of trace: names or {name: options}; every name checked."""
    if metrics is None or metrics is False:
        return {}
    if isinstance(metrics, str):
        metrics = [metrics]
    items = metrics.items() if isinstance(metrics, dict) else ((m, {}) for m in metrics)
    out: dict[str, dict[str, Any]] = {}
    valid = {"time": {"repeats"}, "grad_norm": {"loss"}}
    for name, options in items:
        if not isinstance(name, str) or name not in METRICS or name == "time_spread":
            raise InputError(unknown_metric(name))
        options = dict(options or {})
        bad = set(options) - valid.get(name, set())
        if bad:
            raise InputError(f"metric {name!r} takes no option {sorted(bad)[0]!r}"
                             + (f"; it takes {', '.join(sorted(valid[name]))}" if name in valid else ""))
        out[name] = options
    repeats = out.get("time", {}).get("repeats", 5)
    if not isinstance(repeats, int) or isinstance(repeats, bool) or repeats < 1:
        raise InputError(f"time repeats must be a positive integer, not {repeats!r}")
    return out


def unknown_metric(name: Any) -> str:
    import difflib

    choices = [m for m in METRICS if m != "time_spread"]
    close = difflib.get_close_matches(str(name), choices, n=2, cutoff=0.5)
    return (f"unknown metric {name!r}" + (f"; did you mean {' or '.join(map(repr, close))}?" if close else "")
            + f" (metrics: {', '.join(choices)})")


def store_times(g: Graph, runs: list[list[float]]) -> None:
    """Median and spread of each node's time over the repeats; the forward's total too."""
    ids = [nid for nid, n in g.nodes.items() if n.kind != "output"]
    if any(len(r) != len(ids) for r in runs):
        raise InputError("the forward took a different path on a repeated run (its node count changed), "
                         "so its time cannot be given per node; time a model whose path does not change")
    for k, nid in enumerate(ids):
        samples = [r[k] for r in runs]
        if g.nodes[nid].kind in ("input", "output"):
            continue
        g.nodes[nid].metrics["time"] = statistics.median(samples)
        if len(samples) > 1:
            g.nodes[nid].metrics["time_spread"] = statistics.stdev(samples)
    totals = [sum(r) for r in runs]
    g.meta["time"] = {"repeats": len(runs), "total": statistics.median(totals),
                      "spread": statistics.stdev(totals) if len(totals) > 1 else 0.0}


def wanted(request: dict[str, dict[str, Any]]) -> list[str]:
    """Every metric a traced graph will hold, in a stable order."""
    extra = [m for m in MEASURED_METRICS if m in request]
    if "time" in extra:
        extra.insert(extra.index("time") + 1, "time_spread")
    return list(DEFAULT_METRICS) + extra
