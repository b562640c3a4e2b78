"""The items of an edition as the templates see them: cleaned text, links and footnotes.

Every item lists the other sources that covered its story, each once with its own link;
in the plain-text part every link (the item's and those) is a numbered footnote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .. import urls
from ..models import Edition

TEASER_CHARS = 240
"""Longest first-lines teaser of an item without key points."""
_SENTENCE_END = re.compile("[.!?\u2026\u3002\uff01\uff1f][\"'\u201d\u2019)\\]]*(?=\\s|$)")
WORDS_PER_MINUTE = 230
"""Reading speed behind each item's reading time."""
_CHARACTERS_PER_MINUTE = 500
"""The same for languages written without spaces between words."""


def clean(text: str, *, is_url: bool = False) -> str:
    """One line of content whose look-alike placeholders cannot receive a recipient's values."""
    # Otherwise a feed could plant __digest_email__ in a link and learn who clicked it.
    return " ".join(text.split()).replace(
        "__digest_", "__digest%5F" if is_url else "__digest\u2060_"
    )


@dataclass(frozen=True, slots=True)
class Also:
    """Another source's article on the item's story, as the templates see it."""

    source: str
    title: str
    url: str
    footnote: int


@dataclass(frozen=True, slots=True)
class Item:
    """One item of the edition, as the templates see it."""

    number: int
    anchor: str
    title: str
    url: str
    source: str
    published: str
    published_iso: str
    key_points: tuple[str, ...]
    also_covered_by: tuple[Also, ...]
    language: str
    footnote: int
    reading_time: str
    teaser: str
    """For an item without key points: its first lines (a sentence or two); else ""."""


def items(edition: Edition, zone: ZoneInfo) -> tuple[Item, ...]:
    """The edition's items, footnotes numbered in reading order (items and their others)."""
    found = []
    footnote = 0
    for number, summary in enumerate(edition.summaries, start=1):
        article = summary.article
        url = _link(article.url)
        footnote += bool(url)
        item_footnote = footnote if url else 0
        also = []
        for other in summary.also_covered_by:  # each outlet once, with its own link
            other_url = _link(other.url)
            footnote += bool(other_url)
            also.append(
                Also(clean(other.source), clean(other.title), other_url, footnote * bool(other_url))
            )
        when = article.published.astimezone(zone) if article.published else None
        found.append(
            Item(
                number=number,
                anchor=f"item-{number}",
                title=clean(article.title) or "(untitled)",
                url=url,
                source=clean(article.source),
                published=f"{when:%a} {when.day} {when:%b}, {when:%H:%M %Z}" if when else "",
                published_iso=when.isoformat() if when else "",
                key_points=tuple(clean(point) for point in summary.key_points),
                also_covered_by=tuple(also),
                language=article.language,
                footnote=item_footnote,
                reading_time=_reading_time(article.text, article.language),
                teaser="" if summary.key_points else clean(teaser(article.text)),
            )
        )
    return tuple(found)


def teaser(text: str, limit: int = TEASER_CHARS) -> str:
    """The first lines of a text, for an item without key points: a sentence or two.

    Cut at the last sentence end within `limit` characters, else at a word, with "…".
    (The summarizer found no key point here, so its sentence splitter is no help; a
    plain cut is what a feed reader shows too.)
    """
    first = next((" ".join(p.split()) for p in text.split("\n\n") if p.strip()), "")
    if len(first) <= limit:
        return first
    head = first[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(head) if m.end() >= limit // 3]
    if ends:
        return head[: ends[-1]].rstrip()
    return head.rsplit(" ", 1)[0].rstrip(" ,;:") + "…" if " " in head else head + "…"


def _link(url: str) -> str:
    """A web link as readers get it (tracking parameters dropped); "" for any other URL."""
    is_web = re.match(r"https?://", url, re.IGNORECASE)
    return clean(urls.without_tracking(url), is_url=True) if is_web else ""


def _reading_time(text: str, language: str) -> str:
    """ "4 min read" at an average adult's silent reading speed; "" when there is no text."""
    if language in ("zh", "ja", "th", "lo", "km", "my"):  # scripts without word spaces
        minutes = len("".join(text.split())) / _CHARACTERS_PER_MINUTE
    else:
        minutes = len(text.split()) / WORDS_PER_MINUTE
    return f"{max(1, round(minutes))} min read" if text.strip() else ""
