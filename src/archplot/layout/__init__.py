"""Positions and edge routes for a graph of boxes. Never imports torch."""

from .layered import Box, LayoutResult, LayoutSpec, layout, layout_oriented

__all__ = ["Box", "LayoutResult", "LayoutSpec", "layout", "layout_oriented"]
