"""Summarize: condense an article into a few key points, whole sentences in the article's order.

The text is split by :class:`digest.sentences.Tokenizer` (nupunkt and syntok, no NLTK
data) into sumy's document model; titles, sub-headings and non-sentences (captions,
clutter lines) become sumy headings, so that no algorithm ever returns them.
``algorithm`` picks one of sumy's summarizers, ``"lead"`` (the first good sentences) or
``"digest"``, our own selector: a position-aware centrality (PacSum, Zheng & Lapata 2019)
over TF-IDF cosine similarities, with a position prior and a preference for readable
sentences.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
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
from ..text import SUMY_LANGUAGES, detect_language, stop_words, tfidf
from ._sentences import Tokenizer, normalize_space

log = logging.getLogger(__package__)

__all__ = ["key_points", "summarize"]

# ISO 639-1 → the language names sumy's stemmers and stop-word lists use. Written out
# because sumy's own lookup (pycountry) names Greek "modern greek (1453-)".
_SUMY_SUMMARIZERS: dict[str, Callable[[Callable[[str], str]], Any]] = {
    "kl": KLSummarizer,
    "lexrank": LexRankSummarizer,
    "lsa": LsaSummarizer,
    "luhn": LuhnSummarizer,
    "sumbasic": SumBasicSummarizer,
    "textrank": TextRankSummarizer,
}

# Readable key points: a whole sentence of sensible length, not site clutter.
_MIN_WORDS = 6
_MAX_WORDS = 60
# Sentence-final marks (incl. the ellipsis, the ideographic full stop, fullwidth ! and ?),
# then closing quotes or brackets.
_SENTENCE_END = re.compile("[.!?\u2026\u3002\uff01\uff1f][\"'\u201d\u2019\u00bb)\\]]*$")
_CLUTTER = re.compile(
    r"contributed to this report|^(?:read more|click here|photos?|hide caption|image|credit"
    r"|follow us|sign up|subscribe)\b|all rights reserved|©",
    re.IGNORECASE,
)
_OPENING_QUOTES = "\"'\u201c\u201e\u00ab\u2018\u201a\u300c"
# Words that, opening a sentence, refer back to something the reader has not seen.
_DANGLING_OPENERS = {
    "en": frozenset(
        re.findall(
            r"\w+",
            "he she it they this that these those his her its their him them but and so also"
            " however meanwhile still yet or nor then such both another",
        )
    ),
    "de": frozenset(
        re.findall(r"\w+", "er sie es dies diese dieser dieses aber doch und auch dann")
    ),
}


@dataclass(frozen=True, slots=True)
class _Language:
    """What sumy needs to know of a language: a stemmer and stop words."""

    code: str
    stem: Callable[[str], str]
    stop_words: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Candidate:
    """One content sentence of the document, with what the selectors need to know."""

    text: str
    words: tuple[str, ...]
    terms: tuple[str, ...]
    """Lower-cased, stemmed words without stop words."""
    is_eligible: bool
    """Whether it reads well as a key point on its own."""
    is_dangling: bool
    """Whether it opens with a word that refers back (a pronoun, "But")."""
    is_quote: bool
    """Whether it opens with a quotation mark."""


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
    picked. ``language`` is an ISO 639-1 code, guessed from the stop words when None.
    """
    if points < 1 or not text.strip():
        return ()
    tokenizer = Tokenizer(language or "")
    document = _document(text, tokenizer, title=title, headings=headings)
    if not document.sentences:
        return ()
    lang = _language(language or detect_language(text, default=""))
    candidates = _candidates(document.sentences, lang)
    if not any(c.is_eligible for c in candidates):
        # A text of fragments only (or of a script without word spaces): better some
        # sentences of the text than none.
        candidates = [_relaxed(c) for c in candidates]
    if algorithm == "lead":
        chosen = _lead(candidates, points)
    elif algorithm == "digest":
        chosen = _select(candidates, points)
    else:
        chosen = _sumy_select(algorithm, document, candidates, points, lang)
    return tuple(candidates[i].text for i in sorted(chosen))


def _document(text: str, tokenizer: Tokenizer, *, title: str, headings: Sequence[str]) -> Any:
    """sumy's document model of ``text``: titles, headings and non-sentences as headings."""
    not_content = {_key(title), *(_key(h) for h in headings)} - {""}
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        paragraph = normalize_space(block)
        if not paragraph:
            continue
        if _key(paragraph) in not_content or not _SENTENCE_END.search(paragraph[-6:]):
            # A heading, the title, a caption or a clutter line (no sentence end).
            paragraphs.append(Paragraph([Sentence(paragraph, tokenizer, is_heading=True)]))
            continue
        sentences = [
            Sentence(sentence, tokenizer, is_heading=_key(sentence) in not_content)
            for sentence in tokenizer.to_sentences(paragraph)
        ]
        paragraphs.append(Paragraph(sentences))
    return ObjectDocumentModel(paragraphs)


def _key(text: str) -> str:
    """A form of ``text`` that ignores case, spacing and punctuation, to compare titles."""
    return " ".join(re.findall(r"\w+", text.casefold()))


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
        stem = lru_cache(maxsize=100_000)(
            lambda word: str(stemmer(word)) if word.isalpha() else word
        )
    return _Language(code=code.lower()[:2], stem=stem, stop_words=stop_words(code))


def _candidates(sentences: Sequence[Any], lang: _Language) -> list[_Candidate]:
    """The content sentences of a document, with their words, terms and readability."""
    openers = _DANGLING_OPENERS.get(lang.code, frozenset())
    candidates = []
    for sentence in sentences:
        text = str(sentence)
        words = tuple(str(word) for word in sentence.words)
        lowered = [w.lower() for w in words]
        terms = tuple(lang.stem(w) for w in lowered if w not in lang.stop_words)
        is_eligible = (
            _MIN_WORDS <= len(words) <= _MAX_WORDS
            and _SENTENCE_END.search(text[-6:]) is not None
            and not text[:1].islower()
            and _CLUTTER.search(text) is None
        )
        is_dangling = bool(lowered) and lowered[0] in openers
        is_quote = text[:1] in _OPENING_QUOTES
        candidates.append(_Candidate(text, words, terms, is_eligible, is_dangling, is_quote))
    return candidates


def _relaxed(candidate: _Candidate) -> _Candidate:
    """The candidate, eligible unless it is clutter."""
    is_eligible = bool(candidate.words) and _CLUTTER.search(candidate.text) is None
    return dataclasses.replace(candidate, is_eligible=is_eligible)


def _lead(candidates: Sequence[_Candidate], points: int) -> list[int]:
    """The first ``points`` eligible sentences."""
    return [i for i, c in enumerate(candidates) if c.is_eligible][:points]


def _sumy_select(
    algorithm: str, document: Any, candidates: Sequence[_Candidate], points: int, lang: _Language
) -> list[int]:
    """Indices of the sentences one of sumy's summarizers rates best, eligible ones only."""
    try:
        factory = _SUMY_SUMMARIZERS[algorithm]
    except KeyError:
        raise ValueError(f"unknown summarization algorithm {algorithm!r}") from None
    summarizer = factory(lang.stem)
    summarizer.stop_words = lang.stop_words
    eligible = {c.text for c in candidates if c.is_eligible}

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


# The digest selector's constants (see _select for how they combine; tuned on one half
# of the CNN development set, checked on the other, see benchmarks/summarize.py).
_EDGE_THRESHOLD = 0.3
"""PacSum's β: edges weaker than min + β·(max - min) of the similarities are dropped."""
_FORWARD_WEIGHT = 1.0
"""Weight of a sentence's similarity to the sentences after it (it introduces them)."""
_BACKWARD_WEIGHT = -1.0
"""Weight of its similarity to the sentences before it (it repeats them): negative."""
_POSITION_WEIGHT = 2.0
"""Weight of the position prior 1/(1 + position) against centrality (scaled to 0..1):
news puts the gist first, so the first sentence wins unless it is unfit or off-topic."""
_QUOTE_PENALTY = 0.2
"""Score taken off a sentence that opens with a quotation: a voice, rarely the gist."""
_DANGLING_PENALTY = 0.15
"""Score taken off a sentence that opens with a back-reference ("He", "But")."""
_DUPLICATE_SIMILARITY = 0.5
"""Cosine above which a sentence repeats an already chosen one and is skipped."""


def _select(candidates: Sequence[_Candidate], points: int) -> list[int]:
    """Indices of the ``points`` best key points by position-aware centrality."""
    eligible = [i for i, c in enumerate(candidates) if c.is_eligible]
    if len(eligible) <= points:
        return eligible
    matrix = tfidf([c.terms for c in candidates])
    similarity = matrix @ matrix.T
    np.fill_diagonal(similarity, 0.0)
    scores = _centrality(similarity)
    positions = np.arange(len(candidates), dtype=np.float64)
    scores = scores + _POSITION_WEIGHT / (1.0 + positions)
    scores -= _DANGLING_PENALTY * np.array([c.is_dangling for c in candidates], dtype=np.float64)
    scores -= _QUOTE_PENALTY * np.array([c.is_quote for c in candidates], dtype=np.float64)
    chosen: list[int] = []
    for i in sorted(eligible, key=lambda i: -scores[i]):
        if all(similarity[i, j] <= _DUPLICATE_SIMILARITY for j in chosen):
            chosen.append(i)
            if len(chosen) == points:
                break
    return chosen


def _centrality(
    similarity: np.ndarray[Any, np.dtype[np.float64]],
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """PacSum's directed centrality, scaled to 0..1: forward edges count, backward ones cost."""
    if len(similarity) < 2:
        return np.zeros(len(similarity))
    low, high = float(similarity.min()), float(similarity.max())
    edges = np.maximum(similarity - (low + _EDGE_THRESHOLD * (high - low)), 0.0)
    forward = np.triu(edges, 1).sum(axis=1)
    backward = np.tril(edges, -1).sum(axis=1)
    centrality = _FORWARD_WEIGHT * forward + _BACKWARD_WEIGHT * backward
    spread = float(centrality.max() - centrality.min())
    if spread == 0.0:
        return np.zeros(len(similarity))
    result: np.ndarray[Any, np.dtype[np.float64]] = (centrality - centrality.min()) / spread
    return result
