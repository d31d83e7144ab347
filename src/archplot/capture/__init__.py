"""Sources -> Graph: a model's forward (hooks, torch.export, torch.fx), an autograd graph,
ONNX and saved ExportedProgram files. Submodules import torch only when used."""

from __future__ import annotations

from typing import Any


def trace(model: Any, input_data: Any = None, **options: Any) -> Any:
    from .tracer import trace as _trace

    return _trace(model, input_data, **options)


__all__ = ["trace"]
