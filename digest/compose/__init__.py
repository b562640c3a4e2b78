"""The compose stage."""

from __future__ import annotations

from ._compose import compose
from ._stories import group_stories
from ._variants import VariantPlan

__all__ = ["VariantPlan", "compose", "group_stories"]
