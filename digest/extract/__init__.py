"""The extract stage."""

from __future__ import annotations

from ._extract import Extracted, extract, main_text

__all__ = ["Extracted", "extract", "main_text"]
