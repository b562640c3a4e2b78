"""Features of a candidate pair of articles for benchmarks/train_stories.py.

Besides the rare-word similarity of title and lead that digest's grouping thresholds
(compose/_stories.similarity), each pair the hard rules allow gets: the similarity of the
titles alone, of the names (capitalised words that do not open a sentence, in any
cased script; every rare word of a caseless one), how many numbers of title and lead the
two share, their length ratio, how much more alike they are than either is to any other
article it may join (margin), and whether each is the other's closest (mutual best).
Measured here, outside the package: a logistic regression over them was no better than
the single threshold at equal precision (see train_stories.py), so digest does not ship it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from digest.compose._stories import LEAD_WORDS, MAX_GAP, _is_conflict, _numbers, _terms
from digest.models import Article
from digest.text import RARITY_CAP, rarity, stem

NAME_CHARACTERS = 3000
"""Characters of the text searched for names: the lead and a little more."""
CANDIDATE = 0.08
"""Similarity below which a pair is not even considered (no feature rescues it)."""

FEATURES = (
    "similarity",
    "title",
    "names",
    "numbers",
    "length_ratio",
    "margin",
    "is_mutual_best",
)
"""The features of a pair, in the order of the learned weights."""

_TOKEN = re.compile(r"\w+|[^\w\s]")
# A word after one of these starts a sentence (or a quote, or a heading's clause): its
# capital says nothing about it being a name.
_OPENERS = frozenset(".!?:;\"“”„«»()[]—-…¿¡'\u2018\u2019\u2013")  # curly single quotes, en dash
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True, slots=True)
class Profile:
    """What of one article the pair features compare, read once per article."""

    title: dict[str, float]
    names: dict[str, float]
    numbers: frozenset[str]
    length: int


def lead(article: Article) -> str:
    """The first LEAD_WORDS words of an article's text."""
    return " ".join(article.text.split(maxsplit=LEAD_WORDS)[:LEAD_WORDS])


def profile(article: Article) -> Profile:
    """An article's title terms, names and numbers, for comparing it with others."""
    language = article.language
    return Profile(
        title=weighted_terms(article.title, language),
        names=names(article.text[:NAME_CHARACTERS], language),
        numbers=numbers(f"{article.title}\n{lead(article)}"),
        length=len(article.text.split()),
    )


def weighted_terms(text: str, language: str) -> dict[str, float]:
    """The rarity-weighted terms digest's grouping compares, of a text taken as a title."""
    return _terms(Article("", "", "", text, None, "", language=language))


def names(text: str, language: str) -> dict[str, float]:
    """The names of a text (by stem), weighted by their rarity.

    A name is a capitalised word that does not open a sentence, in any language written
    with capitals ("Powell", "CDC", "Bundestag"); in a script without capitals (Arabic,
    Hebrew, Thai...) every rare word counts, as nothing marks its names.
    """
    found: dict[str, float] = {}
    is_opening = True
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if not (first.isalnum() or first == "_"):
            is_opening = token in _OPENERS
            continue
        if first.isalpha():
            is_cased = first.isupper() or first.islower()
            if (is_cased and first.isupper() and not is_opening) or not is_cased:
                word = token.lower()
                weight = rarity(word, language)
                weight = RARITY_CAP if weight is None else weight
                if is_cased or weight >= 4.0:
                    found[stem(word, language)] = weight
        is_opening = False
    return found


def numbers(text: str) -> frozenset[str]:
    """A text's numbers in one spelling: "266,000" and "266K" are both "266", "$3.5" is "35"."""
    return frozenset(
        number.replace(",", "").replace(".", "").rstrip("0") or "0"
        for number in _NUMBER.findall(text)
    )


def cosine(first: dict[str, float], second: dict[str, float]) -> float:
    """Cosine of two weighted bags of terms."""
    if len(first) > len(second):
        first, second = second, first
    dot = sum(weight * second[term] for term, weight in first.items() if term in second)
    if not dot:
        return 0.0
    norms = math.sqrt(sum(w * w for w in first.values()) * sum(w * w for w in second.values()))
    return dot / norms


def features(
    articles: Sequence[Article],
    scores: np.ndarray[tuple[int, int], np.dtype[np.float64]],
    is_allowed: np.ndarray[tuple[int, int], np.dtype[np.bool_]],
) -> tuple[
    np.ndarray[tuple[int], np.dtype[np.int64]],
    np.ndarray[tuple[int], np.dtype[np.int64]],
    np.ndarray[tuple[int, int], np.dtype[np.float64]],
]:
    """The candidate pairs (first < second) and their FEATURES, one row a pair.

    A candidate is a pair the hard rules allow (`is_allowed`) whose similarity reaches
    CANDIDATE. Its margin is how much more alike the two are than either is to any other
    article it may join; mutual best, whether each is the other's closest such article.
    """
    allowed = np.where(is_allowed, scores, -np.inf)
    np.fill_diagonal(allowed, -np.inf)
    first, second = np.nonzero(np.triu(is_allowed & (scores >= CANDIDATE), k=1))
    matrix = np.zeros((len(first), len(FEATURES)))
    if not len(first):
        return first.astype(np.int64), second.astype(np.int64), matrix
    # Each article's two closest allowed articles: the rival of a pair is the closest
    # article either of the two may join instead (none: 0).
    top = np.argsort(-allowed, axis=1)[:, :2] if len(articles) > 2 else None
    best = np.argmax(allowed, axis=1)

    def rival_of(a: int, b: int) -> float:
        if top is None:
            return 0.0
        other = top[a, 1] if top[a, 0] == b else top[a, 0]
        return max(0.0, float(allowed[a, other]))

    profiles: dict[int, Profile] = {}
    for row, (a, b) in enumerate(zip(first.tolist(), second.tolist(), strict=True)):
        one = profiles.get(a) or profiles.setdefault(a, profile(articles[a]))
        two = profiles.get(b) or profiles.setdefault(b, profile(articles[b]))
        score = scores[a, b]
        shared = len(one.numbers & two.numbers)
        matrix[row] = (
            score,
            cosine(one.title, two.title),
            cosine(one.names, two.names),
            math.log1p(shared),
            min(one.length, two.length) / max(one.length, two.length, 1),
            score - max(rival_of(a, b), rival_of(b, a)),
            float(best[a] == b and best[b] == a),
        )
    return first.astype(np.int64), second.astype(np.int64), matrix


def is_allowed(articles: Sequence[Article]) -> np.ndarray[tuple[int, int], np.dtype[np.bool_]]:
    """Pairs digest's hard rules leave to the text: different sources, at most MAX_GAP apart
    (when both are dated), and titles that give no different numbers."""
    codes: dict[str, int] = {}
    source = np.array([codes.setdefault(a.source, len(codes)) for a in articles])
    stamps = np.array([a.published.timestamp() if a.published else np.nan for a in articles])
    with np.errstate(invalid="ignore"):
        gap = np.abs(stamps[:, None] - stamps[None, :])
        is_apart = ~np.isnan(gap) & (gap > MAX_GAP.total_seconds())
    result: np.ndarray[tuple[int, int], np.dtype[np.bool_]] = ~is_apart & (
        source[:, None] != source[None, :]
    )
    np.fill_diagonal(result, False)
    found = [_numbers(article) for article in articles]
    titled = [index for index, (title, _) in enumerate(found) if title]
    for position, a in enumerate(titled):
        for b in titled[position + 1 :]:
            if result[a, b] and _is_conflict(found[a], found[b]):
                result[a, b] = result[b, a] = False
    return result
