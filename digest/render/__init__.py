"""The render stage."""

from __future__ import annotations

from ._greeting import NEUTRAL
from ._mime import TOKEN_RE, encode_with_slots
from ._render import TOC_MIN_ITEMS, personalize, render

__all__ = ["NEUTRAL", "TOC_MIN_ITEMS", "TOKEN_RE", "encode_with_slots", "personalize", "render"]
