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

log = logging.getLogger(__package__)

__all__ = ["Block", "CleanText", "clean_text", "is_furniture"]

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
# An end marker ends the article when less than this share of the article's prose (as
# measured up to the marker) follows it: "subscribe!" after the lead paragraph does not.
_END_SHARE = 0.35
# What each word of a short line weighs against the prose after an end marker.
_TEASER_WORD_COST = 1.0
# Site furniture is short; a long line that mentions "share" or "subscribe" is prose.
_FURNITURE_MAX_WORDS = 20
# Where paragraphs stand apart (blank lines around them), prose packed line after line
# into one block is a teaser list (headline + standfirst per line), worth this much of its
# words; a page counts as such when this share of its prose words stands apart.
_LISTED_PROSE_WEIGHT = 0.3
_PARAGRAPH_PAGE_SHARE = 0.2
# Headings and titles are short: longer lines without a final stop are captions or teasers.
_HEADING_MAX_WORDS = 15

_WORD = re.compile(r"\w+")
# Han and kana are written without spaces: count two characters as one word.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
# A sentence ends in a stop or a closing quote; emoji or symbols may follow it. A closing
# bracket does not count: captions end in "(Photo: AP)", teasers in "[VIDEO]" or "(3:05)".
_SENTENCE_END = re.compile("[.!?\u3002\uff01\uff1f\u2026:;\"'\u201d\u2019\u00bb][^\\w)\\]]*$")
_ELLIPSIS_END = re.compile(r"(\.\.\.|…)\s*$")
# A title may end in "?" or "!", never in a full stop or a comma (Latin or CJK).
_NOT_TITLE_ENDS = (".", ",", ";", ":", "\u3002", "\uff0c", "\uff1b", "\uff1a")
_URL = re.compile(r"https?://|www\.\w", re.IGNORECASE)

# Site furniture that closes an article: what sites put after the story (share and
# subscribe pleas, bylines and author boxes, teaser lists, comment forms).
_END_MARKER = re.compile(
    r"""
      ^(share|tweet|pin\ it|whatsapp|facebook|twitter|linkedin|e-?mail)\b(\s+\S+){0,3}\s*:?$
    | ^(share|tweet|print|email|comments?|reply|like\ this|related|tags?|topics|categories|
        read\ more|see\ more|show\ more|load\ more|more\ like\ this|more\ from|
        more\ (stories|news|articles)|you\ (may|might)\ (also\ )?(like|enjoy)|
        related\ (articles?|posts?|stories|news|content|topics|coverage)|we\ recommend|
        recommended(\ (for\ you|stories|articles|reading))?|most\ (popular|read|viewed|shared)|
        trending(\ now)?|latest(\ news|\ posts|\ stories)?|popular(\ posts)?|
        (previous|next)(\ (article|post|story))?|about\ the\ authors?|sources?)
        \b[\s:.!…]*$
    | \b(subscribe|subscription|newsletter|sign\ up|unsubscribe|inbox)\b
    | \b(leave\ a\ (reply|comment)|post\ a\ comment|add\ a\ comment|your\ email\ address|
        required\ fields|comments?\ (are|is)\ closed|\d+\s+comments?|save\ my\ name|
        log\ in\ to\ (post\ a\ )?comment|join\ the\ (conversation|discussion))\b
    | ^by\s+\S+(\s+\S+){0,4}$
    | ^(about|sobre|über|\u043e\u0431)\s+\S+(\s+\S+)?$
    | ^\u00d7|^how\ can\ i\ help\ you
    | (compartilh|assine|inscreva|поделит|подпис|구독|공유|저작권|무단)
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Other site furniture, found anywhere on a page: navigation, consent, ads, captions.
_FURNITURE = re.compile(
    r"""
      ^(advertisement|advertising|sponsored|ad|skip\ to\ (main\ )?content|menu|search|
        home|log\ ?in|sign\ ?in|register|close|loading(\.\.\.)?|back\ to\ top|
        continue\ reading(\ below)?)
        \b[\s:.!…]*$
    | \b(cookies?|privacy\ policy|terms\ of\ (use|service)|all\ rights\ reserved|
        copyright|©|ⓒ)
    | ^(photo|image|picture|credit|video)s?\s*:|\((image|photo|picture)s?:[^)]*\)\s*$
    | ^(see|read|watch)\ (more|also)\b|^don'?t\ miss|click(ing)?\ here
    | (реклама|기사입력)
    """,
    re.IGNORECASE | re.VERBOSE,
)


def is_furniture(line: str) -> bool:
    """True for a short line of site furniture inside an HTML page's article: a copyright
    notice, "Read more:", "Click here", a lone "Advertisement".

    Narrower than the plain-text rules: an article's own short sentence about cookies,
    privacy or copyright stays, only a notice (a ©, a year, "all rights reserved") goes.
    """
    return _count_words(line) <= _FURNITURE_MAX_WORDS and bool(_NOTICE.search(line))


# The furniture of an HTML page's article: the line-wide items above, notices, pointers.
_NOTICE = re.compile(
    r"""
      ^(advertisement|advertising|sponsored|ad|skip\ to\ (main\ )?content|menu|search|
        home|log\ ?in|sign\ ?in|register|close|loading(\.\.\.)?|back\ to\ top|
        continue\ reading(\ below)?)
        \b[\s:.!…]*$
    | ©|ⓒ|\(c\)\s*\d{4}|\bcopyright\s+(©\s*)?\d{4}|\ball\ rights\ reserved\b
    | ^(photo|image|picture|credit|video)s?\s*:|\((image|photo|picture)s?:[^)]*\)\s*$
    | ^(see|read|watch)\ (more|also)\b|^don'?t\ miss|click(ing)?\ here
    | (реклама|기사입력)
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
    is_end_marker: bool
    is_alone: bool
    """True when blank lines (or the text's ends) stand before and after it."""
    block: int
    """Number of the blank-line separated block the line is in."""


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
    if end < start:
        # No prose at all (a teaser, a note): all of it but the furniture is the text.
        blocks = tuple((line.text, False) for line in lines if not line.is_furniture)
        return CleanText(title, blocks)
    end = _cut_at_end_marker(lines, start, end)
    end = _extend_over_list(lines, end)
    blocks = tuple(_keep(lines, start, end))
    log.debug("kept lines %d-%d of %d", start, end, len(lines))
    return CleanText(title, blocks)


def _lines(text: str) -> list[_Line]:
    """The non-empty lines of a text, unwrapped and classified."""
    paragraphs = _unwrap(text.replace("\r\n", "\n").replace("\r", "\n"))
    raw: list[tuple[str, int, bool]] = []
    for block, paragraph in enumerate(paragraphs):
        rows = paragraph.split("\n")
        raw.extend((row, block, len(rows) == 1) for row in rows)
    counts = Counter(row.casefold() for row, _, _ in raw)
    lines = []
    for row, block, is_alone in raw:
        words = _count_words(row)
        is_repeated = counts[row.casefold()] > 1
        is_short = words <= _FURNITURE_MAX_WORDS
        is_end_marker = is_short and bool(_END_MARKER.search(row))
        is_furniture = is_end_marker or (is_short and bool(_FURNITURE.search(row)))
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
        lines.append(_Line(row, words, is_prose, is_furniture, is_end_marker, is_alone, block))
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
        and not line.text.rstrip().endswith(_NOT_TITLE_ENDS)
    )


def _value(line: _Line, is_paragraph_page: bool) -> float:
    """What a line adds to the article run it sits in."""
    if line.is_furniture:
        return -_FURNITURE_COST
    if line.is_prose:
        if is_paragraph_page and not line.is_alone:
            return line.words * _LISTED_PROSE_WEIGHT
        return line.words
    return -_SHORT_COST


def _densest_run(lines: list[_Line]) -> tuple[int, int]:
    """Start and end (inclusive) of the run of lines with the greatest total value."""
    prose = [line for line in lines if line.is_prose]
    alone = sum(line.words for line in prose if line.is_alone)
    is_paragraph_page = alone >= _PARAGRAPH_PAGE_SHARE * sum(line.words for line in prose)
    best, best_start, best_end = float("-inf"), 0, -1
    total, start = 0.0, 0
    for i, line in enumerate(lines):
        if total <= 0:
            total, start = 0.0, i
        total += _value(line, is_paragraph_page)
        if total > best:
            best, best_start, best_end = total, start, i
    if best <= 0:
        return 0, -1
    return best_start, best_end


def _cut_at_end_marker(lines: list[_Line], start: int, end: int) -> int:
    """The run's new end: just before the first end marker that most of its prose precedes."""
    prose = [line.words if line.is_prose else 0.0 for line in lines]
    # Past the end of an article, prose comes in teasers: a kicker, a headline and a source
    # line for every standfirst. Short lines weigh against the prose after a marker.
    mass = [line.words if line.is_prose else -_TEASER_WORD_COST * line.words for line in lines]
    before, after = 0.0, sum(mass[start : end + 1])
    for i in range(start, end + 1):
        before += prose[i]
        after -= mass[i]
        if lines[i].is_end_marker and after < _END_SHARE * before:
            return i - 1
    return end


def _extend_over_list(lines: list[_Line], end: int) -> int:
    """The run's new end: past the list (one block of lines) that its last line announces."""
    if end < 0 or end + 1 >= len(lines) or not lines[end].text.endswith(":"):
        return end
    block = lines[end + 1].block
    while end + 1 < len(lines) and lines[end + 1].block == block:
        if lines[end + 1].is_furniture:
            break
        end += 1
    return end


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
    """The article's blocks inside the run: prose, headings, lone short lines and lists."""
    blocks: list[Block] = []
    list_block = -1  # the block of lines that a line ending in ":" announced
    for i in range(start, end + 1):
        line = lines[i]
        if line.is_furniture:
            continue
        if line.is_prose:
            blocks.append((line.text, False))
        elif _is_heading(lines, i, end):
            blocks.append((line.text, True))
        elif line.is_alone or line.block == list_block:
            blocks.append((line.text, False))
        if line.text.endswith(":") and i < end:
            list_block = lines[i + 1].block
    return blocks
