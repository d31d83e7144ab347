"""Layout: ranks -> order -> positions -> routes -> label slots, in one :class:`Picture`.
Never imports torch (nor anything after it in the pipeline)."""

from .labels import LabelSlot
from .pipeline import Picture
from .spec import Box, LayoutSpec

__all__ = ["Box", "LabelSlot", "LayoutSpec", "Picture"]
