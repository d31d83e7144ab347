"""The summary table of a captured graph: one row per module call, totals, memory estimates.

Works on any Graph (traced, loaded from JSON or ONNX); multiply-adds count functional ops
too (matmul, bmm, linear, scaled_dot_product_attention), not only modules.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .backends.text import clean
from .errors import InputError
from .graph import Graph, Node
from .graph.metrics import METRICS, aggregate, format_value
from .styles.labels import kernel_text

COLUMNS = ("input_size", "output_size", "num_params", "params_percent", "kernel_size", "mult_adds", "trainable")
HEADERS = {"input_size": "Input shape", "output_size": "Output shape", "num_params": "Params",
           "params_percent": "Params %", "kernel_size": "Kernel", "mult_adds": "Mult-adds", "trainable": "Trainable"}
# Measured per node at capture (see archplot.graph.metrics); a module's row combines its nodes.
METRIC_COLUMNS = ("flops", "memory", "time", "activation_mean", "activation_std", "sparsity", "grad_norm")
HEADERS.update({"flops": "FLOPs", "memory": "Act. memory", "time": "Time", "activation_mean": "Act. mean",
                "activation_std": "Act. std", "sparsity": "Zeros", "grad_norm": "Grad norm"})
SORTABLE = ("num_params", "mult_adds") + METRIC_COLUMNS
DTYPE_BYTES = {"float64": 8, "int64": 8, "complex64": 8, "float32": 4, "int32": 4, "float16": 2, "bfloat16": 2,
               "int16": 2, "int8": 1, "uint8": 1, "bool": 1}


def _numel(shape: Any) -> int:
    return math.prod(d for d in shape if d) if shape else (1 if shape == [] else 0)


def mult_adds(n: Node) -> int:
    """Multiply-accumulate operations of one node, from its attributes and shapes."""
    t = n.type
    out = n.out_shapes[0] if n.out_shapes else None
    ins = n.in_shapes
    a = n.attrs
    if out is None:
        return 0
    if n.kind == "module" and not n.collapsed and not n.parts:
        if "Conv" in t and "kernel_size" in a and "in_channels" in a:
            k = a["kernel_size"] if isinstance(a["kernel_size"], list) else [a["kernel_size"]]
            per_out = (a["in_channels"] // max(1, a.get("groups", 1) or 1)) * math.prod(k)
            if "Transpose" in t:  # every input element is spread over a kernel window
                return _numel(ins[0]) * (a["out_channels"] // max(1, a.get("groups", 1) or 1)) * math.prod(k) if ins else 0
            return _numel(out) * per_out
        if "in_features" in a and ("Linear" in t):
            return _numel(out) * a["in_features"]
        if t == "Conv1D" and "nx" in a:  # transformers' GPT-2 projection
            return _numel(out) * a["nx"]
        if t in ("LSTM", "GRU", "RNN") and "hidden_size" in a and ins:
            gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[t]
            steps = _numel(ins[0]) // max(1, a.get("input_size", 1))
            h = a["hidden_size"]
            directions = 2 if a.get("bidirectional") else 1
            # Layers after the first read the previous layer's output: hidden × directions wide.
            widths = [a.get("input_size", 0)] + [h * directions] * (a.get("num_layers", 1) - 1)
            return sum(gates * steps * h * (w + h) * directions for w in widths)
        if t == "MultiheadAttention" and "embed_dim" in a and ins:
            e = a["embed_dim"]
            tokens = _numel(ins[0]) // max(1, e)
            seq = ins[0][0] if not a.get("batch_first") else ins[0][1] if len(ins[0]) > 1 else 1
            return 4 * tokens * e * e + 2 * tokens * (seq or 1) * e
        return 0
    if n.kind == "op":
        if t in ("matmul", "mm", "bmm", "baddbmm", "addmm", "linear", "einsum") and len(ins) >= 1:
            if t == "linear" and n.param_shapes:
                w = next(iter(n.param_shapes.values()))
                return _numel(out) * (w[-1] if w else 1)
            if len(ins) >= 2 and ins[0] and len(ins[0]) >= 1:
                k = ins[0][-1] if t not in ("addmm", "baddbmm") else (ins[1][-1] if len(ins[1]) >= 1 else 1)
                return _numel(out) * (k or 1)
            if n.param_shapes:  # x @ self.weight: the weight is a parameter, not an input
                return _numel(out) * (ins[0][-1] if ins and ins[0] else 1)
        if t == "scaled_dot_product_attention" and len(ins) >= 2:
            q, k = ins[0], ins[1]
            if len(q) >= 2 and len(k) >= 2:
                return 2 * _numel(q[:-1]) * k[-2] * q[-1]
        if t in ("conv1d", "conv2d", "conv3d") and n.param_shapes:
            w = next(iter(n.param_shapes.values()))
            return _numel(out) * _numel(w[1:])
    return 0


@dataclass
class Row:
    name: str
    type: str
    depth: int
    path: str
    input_size: list[Any] = field(default_factory=list)
    output_size: list[Any] = field(default_factory=list)
    num_params: int = 0
    params_percent: float = 0.0
    kernel_size: Any = None
    mult_adds: int = 0
    trainable: str = "--"
    leaf: bool = False
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class Summary:
    """The table and its totals. ``print(summary)`` shows it; ``to_dict()``, ``to_markdown()``."""

    model: str
    rows: list[Row]
    columns: tuple[str, ...]
    total_params: int
    trainable_params: int
    total_mult_adds: int
    input_bytes: int
    activation_bytes: int
    param_bytes: int

    @property
    def frozen_params(self) -> int:
        return self.total_params - self.trainable_params

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "columns": list(self.columns), "rows": [asdict(r) for r in self.rows],
                "totals": {"params": self.total_params, "trainable_params": self.trainable_params,
                           "frozen_params": self.frozen_params, "mult_adds": self.total_mult_adds,
                           "input_bytes": self.input_bytes, "activation_bytes": self.activation_bytes,
                           "param_bytes": self.param_bytes,
                           "total_bytes": self.input_bytes + self.activation_bytes + self.param_bytes}}

    def _cells(self, r: Row) -> list[str]:
        out = []
        for c in self.columns:
            if c in METRIC_COLUMNS:
                v = r.metrics.get(c)
                out.append("--" if v is None else format_value(v, METRICS[c].unit))
                continue
            v = getattr(r, c)
            if c in ("input_size", "output_size"):
                out.append(", ".join(str(s) for s in v[:2]) + (" ..." if len(v) > 2 else "") if v else "--")
            elif c == "num_params":
                out.append(f"{v:,}" if v else "--")
            elif c == "params_percent":
                out.append(f"{v:.2f}%" if v else "--")
            elif c == "mult_adds":
                out.append(f"{v:,}" if v else "--")
            elif c == "kernel_size":
                out.append(str(v) if v is not None else "--")
            else:
                out.append(str(v))
        return out

    def _totals(self) -> list[str]:
        mb = 1024 ** 2
        return [
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.frozen_params:,}",
            f"Total mult-adds: {_units(self.total_mult_adds)}",
            f"Input size (MB): {self.input_bytes / mb:.2f}",
            f"Forward/backward pass size (MB): {self.activation_bytes / mb:.2f}",
            f"Params size (MB): {self.param_bytes / mb:.2f}",
            f"Estimated total size (MB): {(self.input_bytes + self.activation_bytes + self.param_bytes) / mb:.2f}",
        ]

    def __str__(self) -> str:
        head = ["Layer (type)"] + [HEADERS[c] for c in self.columns]
        body = [[("  " * r.depth) + _one_line(f"{r.name}: {r.type}" if r.name else r.type)] + self._cells(r)
                for r in self.rows]
        widths = [max(len(row[i]) for row in [head] + body) for i in range(len(head))]
        line = "=" * (sum(widths) + 2 * (len(widths) - 1))
        fmt = lambda row: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))  # noqa: E731
        return "\n".join([line, fmt(head), line, *(fmt(r) for r in body), line, *self._totals(), line])

    def to_markdown(self) -> str:
        head = ["Layer (type)"] + [HEADERS[c] for c in self.columns]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in self.rows:
            text = html.escape(_one_line(f"{r.name}: {r.type}" if r.name else r.type), quote=False)
            name = "&nbsp;" * (2 * r.depth) + text.replace("|", "\\|")
            lines.append("| " + " | ".join([name] + [c.replace("|", "\\|") for c in self._cells(r)]) + " |")
        return "\n".join(lines) + "\n\n" + "\n".join(f"- {t}" for t in self._totals()) + "\n"

    def __repr__(self) -> str:
        return str(self)


def _one_line(text: str) -> str:
    """A name as one line of a table: no control characters, no line breaks."""
    return re.sub(r"\s", " ", clean(text))


def _units(n: int) -> str:
    for unit, div in (("T", 1e12), ("G", 1e9), ("M", 1e6)):
        if n >= div:
            return f"{n / div:.2f} {unit}"
    return f"{n:,}"


def default_columns(g: Graph) -> tuple[str, ...]:
    """The classic columns and every metric the graph holds."""
    measured = g.meta.get("metrics") or []
    return COLUMNS + tuple(c for c in METRIC_COLUMNS if c in measured)


def _check_name(name: Any, valid: tuple[str, ...], what: str) -> None:
    if name not in valid:
        import difflib

        close = difflib.get_close_matches(str(name), valid, n=2, cutoff=0.5)
        raise InputError(f"unknown summary {what} {name!r}" + (f"; did you mean {' or '.join(map(repr, close))}?"
                         if close else "") + f" (valid: {', '.join(valid)})")


def summarize(g: Graph, *, depth: int = 3, columns: Any = None, sort: str | None = None) -> Summary:
    columns = default_columns(g) if columns is None else tuple(columns)
    for c in columns:
        _check_name(c, tuple(HEADERS), "column")
    if sort is not None:
        _check_name(sort, SORTABLE, "sort column")
        if sort in METRIC_COLUMNS and sort not in (g.meta.get("metrics") or []):
            raise InputError(f"this graph has no {sort!r} values to sort by; trace it with metrics=[{sort!r}]")
        if sort not in columns:
            columns += (sort,)
    names = [m for m in (g.meta.get("metrics") or []) if m in METRIC_COLUMNS]
    if not isinstance(depth, int) or depth < 0:
        raise InputError(f"depth must be a non-negative integer, not {depth!r}")
    total = g.total_params
    root = g.modules.get(g.meta.get("root", ""))
    trainable = root.trainable_params if root else total
    # which scopes each node sits in, and the work it does
    macs = {nid: mult_adds(n) for nid, n in g.nodes.items()}
    inside: dict[int, list[int]] = {sid: [] for sid in g.scopes}
    for n in g.nodes.values():
        for s in g.scope_chain(n.scope):
            inside[s.id].append(n.id)
    rows: list[tuple[int, Row]] = []
    entering, leaving = g.boundary_edges()
    for sid, s in g.scopes.items():
        if sid == 0 or not inside[sid]:
            continue
        d = g.scope_depth(sid)
        if d > depth:
            continue
        members = set(inside[sid])
        m = g.modules.get(s.path)
        ins = [e.shape for e in entering[sid]]
        outs = [e.shape for e in leaving[sid]]
        rows.append((min(members), Row(s.path.rsplit(".", 1)[-1], m.type if m else "", d, s.path,
                                       _unique(ins), _unique(outs), m.params if m else 0, 0.0, None,
                                       sum(macs[i] for i in members), _trainable(m),
                                       metrics=aggregate(inside[sid], g.nodes, names))))
    for n in g.nodes.values():
        if n.kind != "module":
            continue
        d = g.scope_depth(n.scope) + 1
        if d > depth:
            continue
        m = g.modules.get(n.path)
        k = n.attrs.get("kernel_size")
        k = kernel_text(k, n.type) if k is not None else None
        rows.append((n.id, Row(n.path.rsplit(".", 1)[-1] if n.path else n.name, n.type, d, n.path, n.in_shapes,
                               n.out_shapes, n.params, 0.0, k, macs[n.id], _trainable(m), leaf=True,
                               metrics={k_: v for k_, v in n.metrics.items() if k_ in names})))
    rows.sort(key=lambda r: (r[0], r[1].depth))
    model_in = [n.out_shapes[0] for n in g.inputs if n.out_shapes]
    model_out = [n.in_shapes[0] for n in g.outputs if n.in_shapes]
    rows.insert(0, (-1, Row("", g.meta.get("model", "model"), 0, g.meta.get("root", ""), model_in, model_out, total,
                            0.0, None, sum(macs.values()), _trainable(root),
                            metrics=aggregate(list(g.nodes), g.nodes, names))))
    if sort is not None:  # the most expensive first, by full name (nesting no longer shows the tree)
        def key(r: Row) -> float:
            return r.metrics.get(sort, 0.0) if sort in METRIC_COLUMNS else getattr(r, sort)

        body = sorted((r for _, r in rows[1:]), key=key, reverse=True)
        for r in body:
            r.name, r.depth = r.path or r.name, 1
        rows = rows[:1] + [(0, r) for r in body]
    for _, r in rows[1:]:
        r.params_percent = 100.0 * r.num_params / total if total else 0.0
    input_bytes = sum(_numel(n.out_shapes[0]) * DTYPE_BYTES.get(n.attrs.get("dtype", "float32"), 4)
                      for n in g.inputs if n.out_shapes)
    activation_bytes = 2 * sum(_numel(s) * 4 for n in g.nodes.values() if n.kind == "module" for s in n.out_shapes)
    return Summary(g.meta.get("model", "model"), [r for _, r in rows], columns, total, trainable,
                   sum(macs.values()), input_bytes, activation_bytes, total * 4)


def _unique(shapes: list[Any]) -> list[Any]:
    out: list[Any] = []
    for s in shapes:
        if s not in out:
            out.append(s)
    return out


def _trainable(m: Any) -> str:
    if m is None or not m.params:
        return "--"
    if m.trainable_params == m.params:
        return "True"
    return "False" if m.trainable_params == 0 else "Partial"
