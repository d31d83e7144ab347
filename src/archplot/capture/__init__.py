"""torch -> Graph. The only stage that imports torch."""

from .tracer import trace

__all__ = ["trace"]
