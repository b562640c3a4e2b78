"""A second opinion on trafilatura's main text: keep what a second extractor confirms.

trafilatura finds most of an article but, on pages laid out with tables or with long
link lists, also brings along navigation rows, teaser lists and reader comments; a
readability-style extractor (trafilatura's own fork of readability-lxml, run on the same
page) picks one content node and is precise there, but misses parts that sit outside
that node (a lead paragraph, embedded posts). So trafilatura's blocks are kept when the
second text confirms them (most of their word 3-grams occur in it), and so are the
headings, paragraphs and quotes that lie between confirmed blocks; rows of layout tables
and anything outside the confirmed span go, but for lead paragraphs just before it in a
section of the article's own (`_lead`). When the two disagree about what the
article is, one of them failed and the vote would only cut: trafilatura's text stands.
So it does when the second text is a sidebar: it confirms far less prose than it leaves.

No library combines extractors this way (trafilatura's own fallback picks one whole
output or the other), hence this module.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["IsLead", "Kind", "Part", "vote"]

Kind = Literal["paragraph", "heading", "item", "row", "quote"]

_TOKEN = re.compile(r"\w+")
# A block is confirmed when this share of its word 3-grams is in the second text.
_CONFIRMED_SHARE = 0.5
# The vote applies only when most of the second text is in trafilatura's (they found the
# same article) and it covers a fair part of trafilatura's text (it found more than a
# fragment of it). Tuned on the dev pages; both are flat over a wide range.
_AGREEMENT = 0.5
_MIN_COVER = 0.1
_GRAM = 3
# A block of this many words is prose (a paragraph of the article, a teaser's standfirst).
_PROSE_WORDS = 12
# Reader comments are prose that the vote rightly leaves out, often as much as the article
# (1x is too strict for a page of readers' views); a sidebar leaves out far more.
_SIDEBAR_RATIO = 2.0
# Sentences end in a stop (or a closing quote after one); a block of several is trimmed
# sentence by sentence, since a table cell may hold an article and its sidebar together.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?\u2026\u3002\uff01\uff1f\"\u201d\u00bb])\s+")
# A lead paragraph ends like a sentence (a caption's credit, a link line's title does not).
_SENTENCE_END = re.compile(r"[.!?\u2026\u3002\uff01\uff1f][\"'\u201d\u2019\u00bb)\]]*$")

# Whether a block (its text) lies in a section of the article beside the first confirmed
# block (its text): `_lead.Layout.is_lead`.
IsLead = Callable[[str, str], bool]


@dataclass(frozen=True, slots=True)
class Part:
    """One block of trafilatura's main text and what kind of element it came from."""

    text: str
    kind: Kind


def vote(parts: Sequence[Part], second: str, is_lead: IsLead | None = None) -> list[Part]:
    """trafilatura's blocks that the second extractor's text confirms (see the module doc).

    The paragraphs just before the first confirmed block stay too when they are prose
    that `is_lead` places in a section of the article beside the first confirmed block:
    its lead, which the second extractor missed because it sits in a block of its own.
    """
    second_tokens = _TOKEN.findall(second)
    tokens = [_TOKEN.findall(part.text) for part in parts]
    first_tokens = [t for part_tokens in tokens for t in part_tokens]
    if not second_tokens or not first_tokens:
        return list(parts)
    common = sum((Counter(first_tokens) & Counter(second_tokens)).values())
    if common < _AGREEMENT * len(second_tokens) or common < _MIN_COVER * len(first_tokens):
        return list(parts)
    grams = _grams(second_tokens)
    confirmed = [_is_confirmed(part_tokens, grams) for part_tokens in tokens]
    chosen = [i for i, is_confirmed in enumerate(confirmed) if is_confirmed]
    if not chosen or _is_sidebar([len(t) for t in tokens], confirmed):
        return list(parts)
    first, last = chosen[0], chosen[-1]
    lead = first
    if is_lead is not None:
        while (
            lead > 0
            and _is_prose(parts[lead - 1])
            and is_lead(parts[lead - 1].text, parts[first].text)
        ):
            lead -= 1
    kept: list[Part] = []
    for i, part in enumerate(parts):
        if confirmed[i]:
            kept.append(Part(_confirmed_sentences(part.text, grams), part.kind))
        elif (
            lead <= i < first
            or (first < i < last and part.kind != "row")
            or (i > last and part.kind == "quote")
        ):
            # Inside the article: its sub-headings, short lines and embedded posts, which
            # readability drops; after it, embedded posts (quotes) that close an article.
            kept.append(part)
    return kept


def _is_prose(part: Part) -> bool:
    """True for a paragraph of whole sentences (not a heading, a caption's credit, a row)."""
    return (
        part.kind == "paragraph"
        and len(_TOKEN.findall(part.text)) >= _PROSE_WORDS
        and bool(_SENTENCE_END.search(part.text))
    )


def _is_sidebar(words: Sequence[int], confirmed: Sequence[bool]) -> bool:
    """True when the second extractor confirmed far less of the prose than it left out
    (the parts' word counts): it took a box of short promotions for the article, and
    trafilatura's text stands."""
    prose = [n if n >= _PROSE_WORDS else 0 for n in words]
    kept = sum(n for n, c in zip(prose, confirmed, strict=True) if c)
    left = sum(prose) - kept
    return left > _SIDEBAR_RATIO * kept


def _grams(tokens: Sequence[str]) -> set[tuple[str, ...]]:
    """The word n-grams of a token sequence (the whole sequence when it is shorter)."""
    if len(tokens) <= _GRAM:
        return {tuple(tokens)}
    return set(zip(*(tokens[i:] for i in range(_GRAM)), strict=False))


def _share_in(tokens: Sequence[str], grams: set[tuple[str, ...]]) -> float | None:
    """Share of a text's 3-grams (of its tokens) found in the grams; None for a text too
    short to tell."""
    if len(tokens) < _GRAM:
        return None
    own = _grams(tokens)
    return len(own & grams) / len(own)


def _is_confirmed(tokens: Sequence[str], grams: set[tuple[str, ...]]) -> bool:
    """True when most of a block's 3-grams (of its tokens) occur in the second text."""
    share = _share_in(tokens, grams)
    return share is not None and share >= _CONFIRMED_SHARE


def _confirmed_sentences(text: str, grams: set[tuple[str, ...]]) -> str:
    """A confirmed block without those of its sentences that the second text lacks."""
    sentences = _SENTENCE_BREAK.split(text)
    if len(sentences) < 2:
        return text
    kept = []
    for sentence in sentences:
        share = _share_in(_TOKEN.findall(sentence), grams)
        if share is None or share >= _CONFIRMED_SHARE:
            kept.append(sentence)
    return " ".join(kept) or text
