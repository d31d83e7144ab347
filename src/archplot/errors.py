"""archplot's exceptions. Every message is one line that says what was wrong and what to do."""

from __future__ import annotations

from typing import Any


class ArchplotError(Exception):
    """Base class of every error archplot raises on purpose."""


class InputError(ArchplotError, ValueError):
    """The arguments given to archplot cannot work (wrong type, missing input, bad option)."""


class GraphFormatError(ArchplotError, ValueError):
    """A file or text is not an archplot graph this version can read."""


class TraceError(ArchplotError, RuntimeError):
    """The model's forward failed while archplot recorded it.

    ``partial_graph`` holds what was recorded up to the failure (it can be drawn),
    ``module_path`` and ``input_shapes`` say where it failed and with what.
    """

    def __init__(self, message: str, *, partial_graph: Any = None, module_path: str | None = None,
                 input_shapes: list | None = None) -> None:
        super().__init__(message)
        self.partial_graph = partial_graph
        self.module_path = module_path
        self.input_shapes = input_shapes or []


def check_options(func_name: str, given: dict[str, Any], valid: "list[str] | tuple[str, ...]") -> None:
    """Reject unknown keyword options with a message that lists the valid ones."""
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise InputError(
            f"{func_name}() got unknown option{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))}; valid options are: {', '.join(sorted(valid))}"
        )
