"""digest: many sources, condensed into a short, scheduled email briefing."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
