"""Leave the user's model exactly as it was: modes, buffers, hooks, RNG and grad state."""

from __future__ import annotations

import contextlib
import sys
import threading
import warnings
import weakref
from typing import Iterator

import torch

from ..errors import TraceError

_LOCKS: "weakref.WeakKeyDictionary[torch.nn.Module, threading.Lock]" = weakref.WeakKeyDictionary()
_LOCKS_LOCK = threading.Lock()
_MINE = threading.local()  # the models this thread is tracing now


@contextlib.contextmanager
def exclusive(model: torch.nn.Module) -> Iterator[None]:
    """One trace of ``model`` at a time: hooks, modes and the saved state of two traces would
    mix. Another thread waits its turn; a trace started from inside the model's own forward
    (the same thread) is refused."""
    mine = _MINE.__dict__.setdefault("models", set())
    if id(model) in mine:
        raise TraceError(f"{type(model).__name__} is already being traced by this thread (archplot.trace called "
                         "from inside its own forward?); trace it after the forward returns")
    with _LOCKS_LOCK:
        lock = _LOCKS.setdefault(model, threading.Lock())
    with lock:
        mine.add(id(model))
        try:
            yield
        finally:
            mine.discard(id(model))


# Python frames that one level of module nesting costs a recorded forward beyond a plain one
# (the hooks and the torch-function mode), measured on nested Sequentials with some margin.
_FRAMES_PER_LEVEL = 12
_LIMIT_LOCK = threading.Lock()


@contextlib.contextmanager
def deep_enough(model: torch.nn.Module) -> Iterator[None]:
    """Room on the Python stack for a recorded forward: whatever nesting a plain forward
    handles, the trace handles too. The recursion limit is raised for the duration only."""
    depth = max((name.count(".") + 1 for name, _ in model.named_modules() if name), default=0)
    with _LIMIT_LOCK:
        before = sys.getrecursionlimit()
        raised = before + _FRAMES_PER_LEVEL * depth
        if depth > 16:
            sys.setrecursionlimit(raised)
    try:
        yield
    finally:
        with _LIMIT_LOCK:
            if depth > 16 and sys.getrecursionlimit() == raised:
                sys.setrecursionlimit(before)


@contextlib.contextmanager
def preserved(model: torch.nn.Module, *, train: bool) -> Iterator[None]:
    """Run the block with the model in eval (or train) mode, then put everything back.

    Buffers that the forward changes (BatchNorm running stats in train mode, caches) are
    restored from copies; parameters cannot be copied cheaply, so a change to one is reported.
    Lazy modules (``nn.LazyLinear``) keep the parameters their first forward made: torch has
    already turned them into their final class, which the uninitialised ones would break.
    """
    modules = list(model.modules())
    training = [m.training for m in modules]
    buffer_dicts = [dict(m._buffers) for m in modules]
    # Kernels such as batch_norm update running stats without bumping version counters,
    # so every buffer is copied and written back.
    saved = [
        (b, b.detach().clone())
        for m in modules for b in m._buffers.values()
        if b is not None and b.device.type != "meta"
    ]
    param_dicts = [dict(m._parameters) for m in modules]
    versions = [(p, p._version) for p in model.parameters() if not torch.nn.parameter.is_lazy(p)]
    grad_enabled = torch.is_grad_enabled()
    try:
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            model.train(train)
            yield
    finally:
        torch.set_grad_enabled(grad_enabled)
        for m, flag, bufs, params in zip(modules, training, buffer_dicts, param_dicts):
            m.training = flag
            for current, before in ((m._buffers, bufs), (m._parameters, params)):
                if _materialized(before, current):
                    continue  # a lazy module's first forward: it has already become its final class
                if not _same(current, before):
                    current.clear()
                    current.update(before)
        with torch.no_grad():
            for b, copy in saved:
                b.copy_(copy)
        changed = [p for p, v in versions if p._version != v]
        if changed:
            warnings.warn(
                f"the model's forward changed {len(changed)} parameter tensor(s) in place; "
                "archplot cannot undo that", RuntimeWarning, stacklevel=3,
            )


def _materialized(before: dict, now: dict) -> bool:
    """Lazy parameters or buffers that the forward gave their real shapes (LazyLinear -> Linear)."""
    lazy = torch.nn.parameter.is_lazy
    return any(v is not None and lazy(v) for v in before.values()) and not any(
        v is not None and lazy(v) for v in now.values())


def _same(a: dict, b: dict) -> bool:
    """Same keys in the same order holding the same objects (tensors are never compared by value)."""
    # keys(), not iteration: a scripted module's BufferDict cannot be iterated like a dict
    return list(a.keys()) == list(b.keys()) and all(a[k] is b[k] for k in a.keys())
