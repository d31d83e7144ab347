"""archplot: draw PyTorch neural networks.

The public API lives here; everything else is importable but private by name.

>>> import torch, archplot
>>> g = archplot.trace(torch.nn.Linear(4, 2), input_size=(1, 4))
>>> g.to_json()[:40]
'{"format":"archplot-graph","version":1,'
"""

from __future__ import annotations

from typing import Any

from .errors import ArchplotError, GraphFormatError, InputError, TraceError
from .graph import Edge, Graph, Module, Node, Scope

__version__ = "0.1.0"


def trace(model: Any, input_data: Any = None, **options: Any) -> Graph:
    """Record one forward pass of ``model`` as a :class:`Graph` (see :func:`archplot.capture.trace`)."""
    from .capture import trace as _trace

    g = _trace(model, input_data, **options)
    g.meta["archplot"] = __version__
    return g


trace.__doc__ = None  # replaced below with the capture docstring, which documents every option


def _copy_doc() -> None:
    from .capture.tracer import trace as _trace

    trace.__doc__ = _trace.__doc__


_copy_doc()

__all__ = [
    "ArchplotError", "Edge", "Graph", "GraphFormatError", "InputError", "Module", "Node", "Scope",
    "TraceError", "__version__", "trace",
]
