"""Summarize: an article's text into a few key points, sentences of its own.

Sentences are split offline (nupunkt, with syntok where it is weak); the selector
scores them by centrality over TF-IDF cosine with a position prior (`summarize`, or
`key_points` for a bare text). sumy's LexRank, TextRank, LSA and Luhn are there too.
"""

from __future__ import annotations

from ._summarize import key_points, summarize

__all__ = ["key_points", "summarize"]
