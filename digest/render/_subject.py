"""The subject line: the list's template, kept short enough for one line of an inbox.

An inbox shows about 60 characters of a subject before it cuts it off, so whatever the
template, a subject that would be longer has its headline shortened at a word boundary
with "…" (down to HEADLINE_FLOOR), then its title (down to TITLE_FLOOR). The template's
own words are never cut, and a subject that fits is left as written. Width is counted as
an inbox shows it: a wide (East Asian) character counts two, a combining mark or an
invisible one (a word joiner) none.
"""

from __future__ import annotations

import functools
import unicodedata

import jinja2

from ..errors import RenderError

__all__ = ["SUBJECT_WIDTH", "render_subject", "shorten", "width"]

SUBJECT_WIDTH = 60
"""Columns of a subject that an inbox line shows."""
HEADLINE_FLOOR = 24
"""The headline is not shortened below this, so that it still says something."""
TITLE_FLOOR = 16
"""Nor the title below this, so that readers still recognise the list."""
_ELLIPSIS = "…"
_LINKING = frozenset({"the", "and", "for", "with", "from", "der", "die", "das", "und", "les"})
"""Words, besides lower-case ones of one or two letters, that a cut should not end on."""
_DANGLING = " ,;:.!?-\u2013\u2014\u00b7|/(&+\u3001\u3002\uff0c\uff1a\uff1b"  # dashes, CJK too


def render_subject(template: str, *, title: str, date: str, headline: str, count: int) -> str:
    """The subject from the list's template, on one line, shortened to fit SUBJECT_WIDTH."""
    try:
        compiled = _compile(template)

        def fill(headline: str, title: str) -> str:
            context = {"headline": headline, "title": title, "date": date, "count": count}
            return " ".join(compiled.render(context, more=max(count - 1, 0)).split())

        values = {"headline": headline, "title": title}
        subject = fill(headline, title)
        for name, floor in (("headline", HEADLINE_FLOOR), ("title", TITLE_FLOOR)):
            while (excess := width(subject) - SUBJECT_WIDTH) > 0:
                shorter = shorten(values[name], max(width(values[name]) - excess, floor))
                if shorter == values[name]:
                    break  # at its floor, or not in the subject at all
                values[name] = shorter
                subject = fill(values["headline"], values["title"])
    except jinja2.TemplateError as exc:
        raise RenderError(
            f"list subject template {template!r}: {exc}",
            hint="the subject may use title, date, headline, count and more",
        ) from exc
    return subject


@functools.lru_cache(maxsize=32)
def _compile(template: str) -> jinja2.Template:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    return env.from_string(template)


def shorten(text: str, limit: int) -> str:
    """text cut to at most limit columns at a word boundary, with "…" where it was cut.

    Where that would keep less than half of it (a long word, or a text without spaces,
    as Chinese and Japanese are written), it is cut between two characters instead.
    """
    if width(text) <= limit:
        return text
    room = limit - width(_ELLIPSIS)
    end = used = 0
    while end < len(text) and used + _char_width(text[end]) <= room:
        used += _char_width(text[end])
        end += 1
    words = text[:end].split(" ")
    if not text[end].isspace() and len(words) > 1:
        words.pop()  # a word cut in two
    while len(words) > 1 and _is_linking(words[-1].strip(_DANGLING)):
        words.pop()  # "River levels rise after…", not "…after a…"
    cut = " ".join(words).rstrip(_DANGLING)
    if width(cut) < room // 2:  # "The…" for "The Donaudampfschifffahrtsgesellschaft…"
        cut = text[:end].rstrip(_DANGLING)
    return cut + _ELLIPSIS


def _is_linking(word: str) -> bool:
    return not word or (word.islower() and len(word) <= 2) or word in _LINKING


def width(text: str) -> int:
    """Columns that text takes in an inbox: wide characters two, combining or invisible none."""
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) == "Cf":
        return 0  # accents on the letter before; joiners and other invisible marks
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
