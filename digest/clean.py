"""Clutter removal for plain text: a saved web page's text → its article paragraphs.

The text of a page, as a browser copies it, holds the article among menus, bylines,
share and subscribe lines, teaser lists and footers. The article is the densest run of
prose: long, sentence-like lines. Each line gets a value (its words when it reads as prose,
a small cost when it does not, a big cost when it is a known piece of site furniture), and
the run of lines with the greatest total (a maximum-sum subarray) is the article. Inside
it, site furniture is dropped again, and short lines that stand alone before a prose
paragraph are kept as sub-headings.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

log = logging.getLogger(__name__)

__all__ = ["CleanText", "clean_text"]

Block = tuple[str, bool]
"""One paragraph of output and whether it is a heading."""


@dataclass(frozen=True, slots=True)
class CleanText:
    """What the cleaner found in a text: its title line and its article blocks."""

    title: str
    blocks: tuple[Block, ...]


# A prose line has at least this many words and ends like a sentence. Below it, lines are
# menu items, headings, bylines and teaser titles; a typical sentence has 15-25 words.
_PROSE_MIN_WORDS = 8
# A line this long is prose even without a final stop (quotes, captions, run-on text).
_LONG_WORDS = 30
# What a short (non-prose) line costs: a heading or two between paragraphs is cheap to
# bridge, a menu or teaser list of many short lines is not.
_SHORT_COST = 3.0
# What a line of site furniture costs: enough that the article never reaches across a
# "More like this" or a comment form to pick up the prose beyond it.
_FURNITURE_COST = 25.0
# Site furniture is short; a long line that mentions "share" or "subscribe" is prose.
_FURNITURE_MAX_WORDS = 20
# Headings and titles are short: longer lines without a final stop are captions or teasers.
_HEADING_MAX_WORDS = 15

_WORD = re.compile(r"\w+")
# Han and kana are written without spaces: count two characters as one word.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_SENTENCE_END = re.compile("[.!?\u3002\uff01\uff1f\u2026:;\"'\u201d\u2019\u00bb)\\]]\\s*$")
_ELLIPSIS_END = re.compile(r"(\.\.\.|…)\s*$")
_URL = re.compile(r"https?://|www\.\w", re.IGNORECASE)

# Site furniture seen on news pages and blogs: share, subscribe and follow pleas, bylines,
# teaser and comment headings, cookie and consent text, copyright lines, ad labels.
_FURNITURE = re.compile(
    r"""
      ^(share|tweet|pin\ it|whatsapp|facebook|twitter|linkedin|e-?mail)\b(\s+\S+){0,3}\s*:?$
    | ^(share|tweet|print|email|comments?|reply|like\ this|related|advertisement|
        advertising|sponsored|ad|skip\ to\ (main\ )?content|menu|search|home|log\ ?in|
        sign\ ?in|sign\ ?up|register|close|loading(\.\.\.)?|next|previous|back\ to\ top|
        read\ more|see\ more|show\ more|load\ more|continue\ reading|more\ like\ this|
        you\ (may|might)\ (also\ )?like|more\ from|related\ (articles?|posts?|stories|
        news|content|topics)|recommended(\ for\ you)?|most\ (popular|read|viewed|shared)|
        trending(\ now)?|latest(\ news|\ posts)?|popular(\ posts)?|tags?|topics|categories)
        \b[\s:.!…]*$
    | \b(subscribe|subscription|newsletter|sign\ up|unsubscribe|inbox)\b
    | \b(cookies?|privacy\ policy|terms\ of\ (use|service)|all\ rights\ reserved|
        copyright|©|ⓒ)
    | \b(leave\ a\ (reply|comment)|post\ a\ comment|add\ a\ comment|your\ email\ address|
        required\ fields|comments?\ (are|is)\ closed|\d+\s+comments?|
        log\ in\ to\ comment|join\ the\ (conversation|discussion))\b
    | ^by\s+\S+(\s+\S+){0,4}$
    | ^(photo|image|picture|credit|source|video)s?\s*:
    | ^\u00d7|^how\ can\ i\ help\ you
    | (compartilh|assine|inscreva|поделит|подпис|реклама|구독|공유|기사입력|저작권|무단)
    """,
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class _Line:
    """One line of the page with what the cleaner needs to know about it."""

    text: str
    words: float
    is_prose: bool
    is_furniture: bool
    is_alone: bool
    """True when blank lines (or the text's ends) stand before and after it."""


def clean_text(text: str) -> CleanText:
    """Find the title and the article paragraphs of a page's plain text."""
    lines = _lines(text)
    if not lines:
        return CleanText("", ())
    title = ""
    if _is_title(lines[0]):
        title = lines[0].text
        lines = lines[1:]
    start, end = _densest_run(lines)
    blocks = tuple(_keep(lines, start, end))
    log.debug("kept lines %d-%d of %d", start, end, len(lines))
    return CleanText(title, blocks)


def _lines(text: str) -> list[_Line]:
    """The non-empty lines of a text, unwrapped and classified."""
    paragraphs = _unwrap(text.replace("\r\n", "\n").replace("\r", "\n"))
    raw: list[tuple[str, bool]] = []
    for paragraph in paragraphs:
        rows = paragraph.split("\n")
        raw.extend((row, len(rows) == 1) for row in rows)
    counts = Counter(row.casefold() for row, _ in raw)
    lines = []
    for row, is_alone in raw:
        words = _count_words(row)
        is_repeated = counts[row.casefold()] > 1
        is_furniture = words <= _FURNITURE_MAX_WORDS and bool(_FURNITURE.search(row))
        is_prose = (
            not is_furniture
            and not is_repeated
            and not _URL.search(row)
            and not _ELLIPSIS_END.search(row)
            and (
                words >= _LONG_WORDS
                or (words >= _PROSE_MIN_WORDS and bool(_SENTENCE_END.search(row)))
            )
        )
        lines.append(_Line(row, words, is_prose, is_furniture, is_alone))
    return lines


def _unwrap(text: str) -> list[str]:
    """Blank-line separated paragraphs, with hard-wrapped lines joined back together."""
    paragraphs = [
        "\n".join(" ".join(row.split()) for row in block.split("\n") if row.strip())
        for block in re.split(r"\n\s*\n", text)
    ]
    paragraphs = [p for p in paragraphs if p]
    rows = [row for p in paragraphs for row in p.split("\n")]
    width = max((len(row) for row in rows), default=0)
    # Text wrapped at a fixed width (mail, README files) has most of its long rows just
    # under that width; browser-copied text has paragraphs on one row of any length.
    near_width = [row for row in rows if len(row) >= 0.75 * width]
    is_wrapped = 40 <= width <= 100 and len(near_width) >= max(5, len(rows) // 3)
    if not is_wrapped:
        return paragraphs
    joined = []
    for paragraph in paragraphs:
        out: list[str] = []
        for row in paragraph.split("\n"):
            # A row that stopped well short of the width ended its paragraph or was a heading.
            if out and len(out[-1]) >= 0.6 * width and not row.startswith(("-", "*", "•")):
                out[-1] = f"{out[-1]} {row}"
            else:
                out.append(row)
        joined.append("\n".join(out))
    return joined


def _count_words(text: str) -> float:
    """Words in a line, counting two Han or kana characters as one word."""
    cjk = len(_CJK.findall(text))
    return len(_WORD.findall(_CJK.sub(" ", text))) + cjk / 2


def _is_title(line: _Line) -> bool:
    """True when a line looks like a title: short, no final full stop, not furniture."""
    return (
        0 < line.words <= _HEADING_MAX_WORDS * 2
        and not line.is_furniture
        and not _URL.search(line.text)
        and not line.text.rstrip().endswith((".", ",", ";", ":"))
    )


def _value(line: _Line) -> float:
    """What a line adds to the article run it sits in."""
    if line.is_furniture:
        return -_FURNITURE_COST
    if line.is_prose:
        return line.words
    return -_SHORT_COST


def _densest_run(lines: list[_Line]) -> tuple[int, int]:
    """Start and end (inclusive) of the run of lines with the greatest total value."""
    best, best_start, best_end = float("-inf"), 0, -1
    total, start = 0.0, 0
    for i, line in enumerate(lines):
        if total <= 0:
            total, start = 0.0, i
        total += _value(line)
        if total > best:
            best, best_start, best_end = total, start, i
    if best <= 0:
        return 0, -1
    return best_start, best_end


def _is_heading(lines: list[_Line], i: int, end: int) -> bool:
    """True when a short line stands alone just before a prose line: a sub-heading."""
    line = lines[i]
    return (
        line.is_alone
        and not line.is_prose
        and line.words <= _HEADING_MAX_WORDS
        and i < end
        and lines[i + 1].is_prose
        and not _URL.search(line.text)
        and not line.text.rstrip().endswith((".", ","))
    )


def _keep(lines: list[_Line], start: int, end: int) -> list[Block]:
    """The article's blocks inside the run: prose, headings and lone short lines."""
    blocks: list[Block] = []
    for i in range(start, end + 1):
        line = lines[i]
        if line.is_furniture:
            continue
        if line.is_prose:
            blocks.append((line.text, False))
        elif _is_heading(lines, i, end):
            blocks.append((line.text, True))
        elif line.is_alone:
            blocks.append((line.text, False))
    return blocks
