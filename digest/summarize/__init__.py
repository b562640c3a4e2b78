"""The summarize stage."""

from __future__ import annotations

from ._summarize import key_points, stop_words, summarize

__all__ = ["key_points", "stop_words", "summarize"]
