"""Helpers shared by the tests: independent observations of a model to check archplot against."""

from __future__ import annotations

import importlib
from collections import defaultdict

import pytest
import torch

from archplot import Graph


class _Missing:
    """Stands in for an optional package that is not installed: the test that uses it is
    skipped, and only that test (a module-level importorskip would skip the whole file)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str):
        if attr.startswith("_") or attr == "pytestmark":  # pytest probes module attributes while collecting
            raise AttributeError(attr)
        pytest.skip(f"{self._name} is not installed")

    def __bool__(self) -> bool:
        return False


def optional(name: str):
    """The module, or a stand-in that skips the test using it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return _Missing(name)


def leaf_call_shapes(model: torch.nn.Module, args=(), kwargs=None, leaf_paths=None):
    """path -> [output shapes of each call], observed with plain forward hooks on leaf modules."""
    seen = defaultdict(list)
    handles = []
    for path, m in model.named_modules():
        if leaf_paths is not None and path not in leaf_paths:
            continue
        atomic = isinstance(m, torch.nn.MultiheadAttention)  # uses its children's weights directly
        if leaf_paths is None and ((m._modules and not atomic) or path == ""):
            continue

        def hook(mod, inp, out, path=path):
            seen[path].append([list(t.shape) for t in _tensors(out)])

        handles.append(m.register_forward_hook(hook))
    try:
        with torch.no_grad():
            was = model.training
            model.eval()
            model(*args, **(kwargs or {}))
            model.train(was)
    finally:
        for h in handles:
            h.remove()
    return dict(seen)


def _tensors(obj, depth=0):
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, dict):
        obj = list(obj.values())
    elif not isinstance(obj, (tuple, list)) and hasattr(obj, "__dict__") and depth <= 1:
        obj = list(vars(obj).values())
    if isinstance(obj, (tuple, list)):
        return [t for v in obj for t in _tensors(v, depth + (not isinstance(v, (tuple, list, dict))))]
    return []


def graph_leaf_shapes(g: Graph):
    out = defaultdict(list)
    for n in g:
        if n.kind == "module":
            out[n.path].append(n.out_shapes)
    return dict(out)


def assert_well_formed(g: Graph) -> None:
    """A DAG whose edges follow execution order, with every output fed from an input."""
    for e in g.edges:
        assert e.source in g.nodes and e.target in g.nodes
        assert e.source < e.target, f"edge {e} goes backwards"
    assert g.inputs, "no input nodes"
    assert g.outputs, "no output nodes"
    succ = g.successors()
    reach = set()
    stack = [n.id for n in g.inputs]
    while stack:
        i = stack.pop()
        if i in reach:
            continue
        reach.add(i)
        stack.extend(succ[i])
    for o in g.outputs:
        assert o.id in reach, f"output {o.name} is not reachable from any input"
    for n in g:
        assert n.scope in g.scopes
        assert n.kind in ("input", "output", "module", "op")


@pytest.fixture
def rng():
    return torch.Generator().manual_seed(0)
