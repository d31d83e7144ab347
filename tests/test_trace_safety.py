"""Tracing is never silently wrong: threads, deep nesting, bad devices and sizes, default dtype."""

from __future__ import annotations

import sys
import threading

import pytest
import torch
from torch import nn

import archplot
from archplot import InputError, TraceError


class _Slow(nn.Module):
    """A forward long enough (a Python loop of ops) that two threads' traces overlap."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(8, 8)
        self.norm = nn.BatchNorm1d(8)

    def forward(self, x):
        for _ in range(60):
            x = torch.tanh(self.lin(x)) + 1
        return self.norm(x)


def _shape_of(g):
    return [(n.kind, n.type, n.path, n.scope) for n in g], [(e.source, e.target) for e in g.edges]


def test_two_threads_tracing_one_model_get_the_same_graph_and_leave_it_unchanged():
    model = _Slow().train()
    expected = _shape_of(archplot.trace(model, input_size=(4, 8)))
    results, errors = [], []
    start = threading.Barrier(4)

    def work():
        start.wait()
        try:
            for _ in range(3):
                results.append(_shape_of(archplot.trace(model, input_size=(4, 8))))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 12 and all(r == expected for r in results)
    assert model.training and model.norm.training  # train mode survived the eval-mode traces
    assert not model.lin._forward_hooks and not model.lin._forward_pre_hooks


def test_a_trace_from_inside_the_models_own_forward_is_refused():
    class Reentrant(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x):
            archplot.trace(self, x)
            return self.lin(x)

    model = Reentrant()
    with pytest.raises(TraceError, match="already being traced by this thread"):
        archplot.trace(model, input_size=(1, 2))
    assert not model.lin._forward_hooks and not model._forward_pre_hooks


def _nested(levels: int) -> nn.Module:
    m: nn.Module = nn.Linear(2, 2)
    for _ in range(levels):
        m = nn.Sequential(m)
    return m


def test_a_trace_handles_the_nesting_a_plain_forward_handles():
    limit = sys.getrecursionlimit()
    levels = 200
    while True:  # the deepest nesting a plain forward handles under the current limit
        try:
            with torch.no_grad():
                _nested(levels + 20)(torch.randn(1, 2))
        except RecursionError:
            break
        levels += 20
        assert levels < 5000, "no recursion limit?"
    model = _nested(levels)
    g = archplot.trace(model, input_size=(1, 2))
    assert len(g.scopes) == levels and [n.type for n in g] == ["Tensor", "Linear", "Tensor"]
    assert sys.getrecursionlimit() == limit  # raised for the trace only


@pytest.mark.parametrize("device, match", [
    ("bogus", "is not a torch device"),
    ("cuda", "no CUDA device"),
])
def test_bad_devices_are_input_errors(device, match):
    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(InputError, match=match) as info:
        archplot.trace(nn.Linear(2, 2), input_size=(1, 2), device=device)
    assert info.value.__cause__ is not None or device == "cuda"


def test_an_input_larger_than_memory_is_an_input_error_with_a_hint():
    with pytest.raises(InputError, match="GiB.*meta device"):
        archplot.trace(nn.Linear(2, 2), input_size=(1_000_000, 1_000_000, 2))


def test_input_size_follows_the_default_dtype():
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        model = nn.Linear(2, 2)  # float64 weights
        g = archplot.trace(model, input_size=(1, 2))
    finally:
        torch.set_default_dtype(before)
    assert g.inputs[0].attrs["dtype"] == "float64" and g.outputs[0].attrs["dtype"] == "float64"


def test_a_top_level_failure_names_the_real_input_shapes():
    class Bad(nn.Module):
        def forward(self, x, y):
            return x @ y

    with pytest.raises(TraceError, match=r"in the model \(Bad\) with input shapes \(1, 3\), \(5, 5\)"):
        archplot.trace(Bad(), input_size=[(1, 3), (5, 5)])


def test_scale_that_is_not_a_number_is_an_input_error():
    d = archplot.draw(nn.Sequential(nn.Linear(2, 2)), input_size=(1, 2))
    for bad in (float("nan"), float("inf"), -1.0):
        with pytest.raises(InputError, match="positive"):
            d.to_png(scale=bad)
