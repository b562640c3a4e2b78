"""Summarize: condense an article into a few key points, whole sentences in the article's order.

The text becomes units (`_document`): sentences, headings, fragments, the title and
clutter, each judged on its own. Key points are picked among the sentences, or among the
fragments when a text has no sentence, or among its headings when it has nothing else
(so that every text with something to say gets a point); the title and clutter never.
``algorithm`` picks one of sumy's summarizers, ``"lead"`` (the first sentences) or
``"digest"``, our own selector (`_select`).
"""

from __future__ import annotations

import dataclasses
import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.kl import KLSummarizer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.sum_basic import SumBasicSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer

from ..config import Algorithm
from ..models import Article, Summary
from ..text import SUMY_LANGUAGES, detect_language, stop_words
from ._document import Unit, units
from ._select import Candidate, select
from ._sentences import Tokenizer

log = logging.getLogger(__package__)

__all__ = ["candidates_of", "key_points", "summarize"]

_SUMY_SUMMARIZERS: dict[str, Callable[[Callable[[str], str]], Any]] = {
    "kl": KLSummarizer,
    "lexrank": LexRankSummarizer,
    "lsa": LsaSummarizer,
    "luhn": LuhnSummarizer,
    "sumbasic": SumBasicSummarizer,
    "textrank": TextRankSummarizer,
}


_MAX_KNOWN_WORDS = 200_000
"""Words whose terms are kept per language, so that memory stays bounded in a daemon."""


@dataclass(frozen=True, slots=True)
class _Language:
    """What the selectors need to know of a language: a stemmer and stop words."""

    code: str
    stem: Callable[[str], str]
    stop_words: frozenset[str]
    terms: dict[str, str] = dataclasses.field(default_factory=dict)
    """Each word seen so far → its term ("" for a stop word): stemming is the slow part."""


def summarize(article: Article, *, points: int = 3, algorithm: Algorithm = "digest") -> Summary:
    """Condense an article into its ``points`` key points."""
    selected = key_points(
        article.text,
        points=points,
        algorithm=algorithm,
        language=article.language,
        title=article.title,
        headings=article.headings,
    )
    log.debug("summarized %s into %d key points", article.url, len(selected))
    return Summary(article=article, key_points=selected)


def key_points(
    text: str,
    *,
    points: int = 3,
    algorithm: Algorithm = "digest",
    language: str | None = None,
    title: str = "",
    headings: tuple[str, ...] = (),
) -> tuple[str, ...]:
    """Pick up to ``points`` sentences of ``text`` that say what it is about, in its order.

    ``text`` has paragraphs separated by blank lines; the title and ``headings`` are never
    picked, nor captions, calls to the reader or site furniture. ``language`` is an ISO
    639-1 code, detected from the text when None.
    """
    if points < 1 or not text.strip():
        return ()
    lang = _language(language or detect_language(text, default=""))
    tokenizer = Tokenizer(lang.code)
    found, candidates = _read(text, lang, tokenizer, title=title, headings=headings)
    if not candidates:
        return ()
    if algorithm == "lead":
        chosen = [i for i, c in enumerate(candidates) if c.is_eligible][:points]
    elif algorithm == "digest":
        chosen = select(candidates, points)
    else:
        chosen = _sumy_select(algorithm, found, candidates, points, lang, tokenizer)
    return tuple(candidates[i].text for i in sorted(chosen))


def candidates_of(
    text: str, language: str, *, title: str = "", headings: tuple[str, ...] = ()
) -> list[Candidate]:
    """The content units of a text as the selector sees them (for training it offline)."""
    lang = _language(language)
    return _read(text, lang, Tokenizer(lang.code), title=title, headings=headings)[1]


def _read(
    text: str, lang: _Language, tokenizer: Tokenizer, *, title: str, headings: tuple[str, ...]
) -> tuple[list[Unit], list[Candidate]]:
    """The units of a text, and its content units as candidates (eligible or not)."""
    found = units(text, tokenizer, title=title, headings=headings, stop_words=lang.stop_words)
    content = [u for u in found if u.kind in ("sentence", "fragment")]
    if not content:
        # A text of headlines alone (a title that is not the article's): better one of
        # them than nothing.
        content = [u for u in found if u.kind == "heading"]
    # Fragments stand in only for a text without a single whole sentence.
    kinds = {u.kind for u in content}
    kind = "sentence" if "sentence" in kinds else "fragment" if "fragment" in kinds else "heading"
    # Only the selector reads terms, and only those of the sentences it may pick.
    return found, [_candidate(u, lang, is_eligible=u.kind == kind) for u in content]


@lru_cache(maxsize=32)
def _language(code: str) -> _Language:
    """Stemmer and stop words for an ISO 639-1 code; no stemming and none for the unknown."""
    name = SUMY_LANGUAGES.get(code.lower()[:2], "")
    stem: Callable[[str], str] = str.lower
    try:
        stemmer = Stemmer(name)
        stemmer("probe")  # sumy's Polish and Greek stemmers fail on use without extras
    except (LookupError, ValueError):
        log.debug("no stemmer for language %r, words are not stemmed", code)
    else:
        # Only words of letters: numbers need no stemming, and sumy's Czech stemmer warns
        # about every word that is not all letters.
        stem = lru_cache(maxsize=10_000)(
            lambda word: str(stemmer(word)) if word.isalpha() else word
        )
    return _Language(code=code.lower()[:2], stem=stem, stop_words=stop_words(code))


def _candidate(unit: Unit, lang: _Language, *, is_eligible: bool) -> Candidate:
    """A content unit as the selectors see it: its terms, and whether it may be picked."""
    if not is_eligible:
        return Candidate(unit.text, (), (), unit.length, unit.paragraph, False, lang.code)
    lowered = [w.lower() for w in unit.words]
    known = lang.terms
    terms = []
    for word in lowered:
        term = known.get(word)
        if term is None:
            term = "" if word in lang.stop_words else lang.stem(word)
            if len(known) < _MAX_KNOWN_WORDS:
                known[word] = term
        if term:
            terms.append(term)
    return Candidate(
        text=unit.text,
        lowered=tuple(lowered),
        terms=tuple(terms),
        length=unit.length,
        paragraph=unit.paragraph,
        is_eligible=is_eligible,
        language=lang.code,
    )


def _sumy_select(
    algorithm: str,
    found: Sequence[Unit],
    candidates: Sequence[Candidate],
    points: int,
    lang: _Language,
    tokenizer: Tokenizer,
) -> list[int]:
    """Indices of the candidates one of sumy's summarizers rates best, eligible ones only."""
    try:
        factory = _SUMY_SUMMARIZERS[algorithm]
    except KeyError:
        raise ValueError(f"unknown summarization algorithm {algorithm!r}") from None
    eligible = {c.text for c in candidates if c.is_eligible}
    paragraphs: dict[int, list[Any]] = {}
    for unit in found:
        sentence = Sentence(unit.text, tokenizer, is_heading=unit.text not in eligible)
        paragraphs.setdefault(unit.paragraph, []).append(sentence)
    document = ObjectDocumentModel([Paragraph(p) for p in paragraphs.values()])
    summarizer = factory(lang.stem)
    summarizer.stop_words = lang.stop_words

    def best_eligible(infos: list[Any]) -> list[Any]:
        """sumy's infos sorted by rating, cut to the best eligible ones."""
        return [info for info in infos if str(info.sentence) in eligible][:points]

    with warnings.catch_warnings():
        # LSA warns when a short text has fewer distinct words than sentences; it still works.
        warnings.filterwarnings("ignore", message="Number of words", category=UserWarning)
        picked = {str(sentence) for sentence in summarizer(document, best_eligible)}
    seen: set[str] = set()
    chosen = []
    for i, c in enumerate(candidates):
        if c.text in picked and c.text not in seen:
            seen.add(c.text)
            chosen.append(i)
    return chosen
