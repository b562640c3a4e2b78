"""An article's text as units: its sentences, headings, fragments and clutter.

Paragraphs are split at blank lines and, inside one, at line breaks that end a line of
its own (not those that wrap a paragraph); every piece is split into sentences, and
every sentence is judged on its own:

- a **title** is the title or a given heading, never picked;
- a **heading** is what a heading is: a line of its own that ends in no sentence mark, is
  short, and is set in title case or followed by more text (a missing final stop alone
  makes no heading: text may arrive as one line per article, or end in a caption or a
  cut-off teaser); picked only from a text of headings alone;
- **clutter** is a caption, a call to the reader or site furniture (`_clutter`);
- a **sentence** reads well as a key point: a whole sentence of sensible length;
- a **fragment** is the rest (too short or too long, no final mark, cut off with "...",
  a link): picked only when a text has no sentence at all, never before one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ._clutter import byline_name, has_furniture, is_clutter
from ._sentences import Tokenizer, has_unspaced, normalize_space, word_count

__all__ = ["Kind", "Unit", "units"]

Kind = Literal["sentence", "fragment", "heading", "title", "clutter"]

_MIN_WORDS = 6
_MAX_WORDS = 60
_HEADING_MAX_WORDS = 20
# A line this long (characters) that is at least this share of the longest line of its
# paragraph was wrapped: the next line goes on with it.
_WRAP_MIN_CHARS = 40
_WRAP_SHARE = 0.6
# A heading in title case has this share of its content words capitalized.
_TITLE_CASE_SHARE = 0.7
# Sentence-final marks (the ellipsis apart, see _CUT_OFF), then closing quotes or brackets.
_SENTENCE_END = re.compile(
    "[.!?\u3002\uff01\uff1f\uff0e\u0964\u061f\u06d4][\"'\u201d\u2019\u00bb\u300d\u300f)\\]]*$"
)
_CUT_OFF = re.compile(r"(?:\.\.\.|\u2026|\[\.\.\.\]|\[\u2026\])[\"'\u201d\u2019)\]]*$")
_WORD = re.compile(r"\w+")
_LETTERS = re.compile(r"[^\W\d_][\w'\u2019\-]*")


@dataclass(frozen=True, slots=True)
class Unit:
    """One sentence or line of the text, with what it is and where it stands."""

    text: str
    words: tuple[str, ...]
    kind: Kind
    paragraph: int
    """Index of its paragraph among the text's paragraphs."""
    length: float
    """Its number of words (two Han or kana characters count as one)."""


def units(
    text: str,
    tokenizer: Tokenizer,
    *,
    title: str = "",
    headings: Sequence[str] = (),
    stop_words: frozenset[str] = frozenset(),
) -> list[Unit]:
    """The units of ``text`` in order; the title and ``headings`` become headings."""
    not_content = {_key(title), *(_key(h) for h in headings)} - {""}
    lines = [
        (paragraph, line)
        for paragraph, block in enumerate(re.split(r"\n\s*\n", text))
        for line in _lines(block)
    ]
    found: list[Unit] = []
    bylines: set[str] = set()
    may_have_furniture = has_furniture(text)
    is_unspaced = has_unspaced(text)
    for index, (paragraph, line) in enumerate(lines):
        sentences = tokenizer.to_sentences(line)
        if not sentences:
            continue
        is_alone = len(sentences) == 1
        has_more = index + 1 < len(lines)
        for sentence in sentences:
            if is_unspaced:
                words, length = tokenizer.to_words(sentence), word_count(sentence)
            else:
                words = tuple(_WORD.findall(sentence))
                length = float(len(words))
            if not_content and _key(sentence) in not_content:
                kind: Kind = "title"
            elif is_alone and _is_heading(sentence, length, stop_words, has_more=has_more):
                kind = "heading"
            elif is_clutter(sentence, stop_words, may_have_furniture=may_have_furniture) or (
                bylines and _is_author_box(sentence, bylines)
            ):
                kind = "clutter"
            else:
                kind = "sentence" if _is_sentence(sentence, length) else "fragment"
            if name := byline_name(sentence):
                bylines.add(name)
            found.append(Unit(sentence, words, kind, paragraph, length))
    return found


def _lines(block: str) -> list[str]:
    """The lines of a paragraph that stand on their own, wrapped lines joined again."""
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    if len(lines) < 2:
        return [normalize_space(line) for line in lines]
    longest = max(len(line) for line in lines)
    joined: list[str] = []
    is_wrapped = False
    for line in lines:
        if is_wrapped:
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
        is_wrapped = (
            len(line) >= max(_WRAP_MIN_CHARS, _WRAP_SHARE * longest)
            and _SENTENCE_END.search(line) is None
        )
    return [normalize_space(line) for line in joined]


def _is_heading(text: str, length: float, stop_words: frozenset[str], *, has_more: bool) -> bool:
    """Whether a line of its own reads as a heading: short, no final mark, set apart."""
    if length > _HEADING_MAX_WORDS or length == 0 or _SENTENCE_END.search(text[-6:]):
        return False
    if _CUT_OFF.search(text[-6:]):
        return False  # a teaser cut off mid-sentence, not a heading
    return has_more or _is_title_case(text, stop_words)


def _is_title_case(text: str, stop_words: frozenset[str]) -> bool:
    """Whether most content words of ``text`` are capitalized (and there are two or more)."""
    content = [w for w in _LETTERS.findall(text) if w.lower() not in stop_words]
    if len(content) < 2:
        return False
    capitalized = sum(1 for w in content if w[:1].isupper())
    return bool(capitalized >= _TITLE_CASE_SHARE * len(content))


def _is_sentence(text: str, length: float) -> bool:
    """Whether a sentence reads well on its own: sensible length, whole, no link."""
    return (
        _MIN_WORDS <= length <= _MAX_WORDS
        and _SENTENCE_END.search(text[-6:]) is not None
        and _CUT_OFF.search(text[-6:]) is None
        and not text[:1].islower()
        and not _has_url(text)
    )


def _has_url(text: str) -> bool:
    """Whether a sentence holds a web address (plain substring tests: they are cheap)."""
    return "://" in text or "www." in text or "WWW." in text


def _is_author_box(text: str, bylines: set[str]) -> bool:
    """Whether a sentence opens with the name of a byline before it: the author's blurb."""
    first = _LETTERS.match(text)
    return first is not None and first.group() in bylines


def _key(text: str) -> str:
    """A form of ``text`` that ignores case, spacing and punctuation, to compare titles."""
    return " ".join(re.findall(r"\w+", text.casefold()))
