"""digest's own selector: which sentences of an article are its key points.

Each eligible sentence gets a few features that mean the same on any news text: where it
stands (the position prior: news puts the gist first), how long it is, how central it is
(PacSum's directed centrality, Zheng & Lapata 2019; its degree; its similarity to the
whole text, all over TF-IDF cosine) and how it reads (a quote, a back-reference, a
question). Its score is a weighted sum of them; the best sentences that do not repeat
one already chosen are the key points.

The weights are learned offline (`benchmarks/train_selector.py`) on two outlets of
opposite styles together: CNN, whose highlights restate the lead, and BBC, whose
references are long central sentences; they ship in `_weights.json`, the data never.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from ..text import tfidf

__all__ = ["FEATURES", "Candidate", "Weights", "features", "pick", "select", "weights"]

Matrix = np.ndarray[Any, np.dtype[np.float64]]

_OPENING_QUOTES = "\"'\u201c\u201e\u00ab\u2018\u201a\u300c"
_QUOTES = re.compile('["\u201c\u201d\u201e\u00ab\u00bb\u300c\u300d]')
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
    "fr": frozenset(
        re.findall(r"\w+", "il elle ils elles ce cette ces mais et donc aussi pourtant")
    ),
    "es": frozenset(
        re.findall(r"\w+", "él ella ellos ellas este esta estos estas pero y también sin")
    ),
}
_NUMBER = re.compile(r"\d")
_LATER_WORD = re.compile(r"(?<=\s)[^\W\d_]")
_SHORT_WORDS = 10
_LENGTH_SCALE = 40.0
"""Words at which the length feature reaches 1: longer sentences say no more per word."""
_EDGE_THRESHOLD = 0.3
"""PacSum's β: edges weaker than min + β·(max - min) of the similarities are dropped."""

FEATURES = (
    "first",
    "position",
    "relative_position",
    "length",
    "pacsum",
    "degree",
    "centroid",
    "opens_quote",
    "has_quote",
    "dangling",
    "question",
    "opens_paragraph",
    "to_first",
    "has_number",
    "names",
    "is_short",
)
"""The features of a sentence, in the order of the weights."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One content unit of the document, with what the selector needs to know."""

    text: str
    lowered: tuple[str, ...]
    """Its words, lower-cased."""
    terms: tuple[str, ...]
    """Lower-cased, stemmed words without stop words."""
    length: float
    paragraph: int
    is_eligible: bool
    """Whether it may be picked."""
    language: str


@dataclass(frozen=True, slots=True)
class Weights:
    """The learned weights of the features, and when a sentence repeats a chosen one."""

    features: tuple[float, ...]
    duplicate_similarity: float


@lru_cache(maxsize=1)
def weights() -> Weights:
    """The weights shipped with digest (`_weights.json`, written by the training script)."""
    data = json.loads((resources.files(__package__) / "_weights.json").read_text(encoding="utf-8"))
    named: dict[str, float] = data["features"]
    return Weights(
        features=tuple(float(named.get(name, 0.0)) for name in FEATURES),
        duplicate_similarity=float(data["duplicate_similarity"]),
    )


def select(candidates: Sequence[Candidate], points: int) -> list[int]:
    """Indices (into ``candidates``) of the ``points`` best eligible sentences."""
    eligible = [i for i, c in enumerate(candidates) if c.is_eligible]
    if len(eligible) <= points:
        return eligible
    given = weights()
    # Features of weight zero change no score: they are not computed.
    used = [(name, w) for name, w in zip(FEATURES, given.features, strict=True) if w]
    matrix, similarity = features([candidates[i] for i in eligible], [n for n, _ in used])
    scores = (matrix * np.asarray([w for _, w in used])).sum(axis=1)
    chosen = pick(scores, similarity, points, given)
    return [eligible[i] for i in chosen]


def pick(scores: Matrix, similarity: Matrix, points: int, given: Weights) -> list[int]:
    """The ``points`` best-scored sentences, skipping any that repeats one already chosen.

    When too few are left that repeat none, the best of the others fill the gap: an
    article of like sentences still gets the points asked for.
    """
    order = np.argsort(-scores, kind="stable").tolist()
    chosen: list[int] = []
    for i in order:
        if not chosen or float(similarity[i, chosen].max()) <= given.duplicate_similarity:
            chosen.append(i)
            if len(chosen) == points:
                return chosen
    return chosen + [i for i in order if i not in chosen][: points - len(chosen)]


def features(
    candidates: Sequence[Candidate], names: Sequence[str] = FEATURES
) -> tuple[Matrix, Matrix]:
    """The features ``names`` of the sentences (a row each) and their cosine similarities."""
    count = len(candidates)
    tf = tfidf([c.terms for c in candidates])
    # einsum, not tf @ tf.T: for matrices this small, BLAS spends more time starting its
    # threads than multiplying (4x the wall time, measured on CNN articles).
    similarity = np.einsum("ik,jk->ij", tf, tf)
    np.fill_diagonal(similarity, 0.0)
    positions = np.arange(count, dtype=np.float64)
    openers = _DANGLING_OPENERS.get(candidates[0].language if candidates else "", frozenset())
    paragraphs = [-1, *(c.paragraph for c in candidates)]

    def centroid() -> Matrix:
        total = tf.sum(axis=0)
        norm = float(np.linalg.norm(total))
        return _scaled(np.einsum("ik,k->i", tf, total) / norm) if norm else np.zeros(count)

    columns: dict[str, Any] = {
        "first": lambda: positions == 0,
        "position": lambda: 1.0 / (1.0 + positions),
        "relative_position": lambda: positions / max(count - 1, 1),
        "length": lambda: np.minimum([c.length / _LENGTH_SCALE for c in candidates], 1.0),
        "pacsum": lambda: _pacsum(similarity),
        "degree": lambda: _scaled(similarity.sum(axis=1)),
        "centroid": centroid,
        "opens_quote": lambda: [c.text[:1] in _OPENING_QUOTES for c in candidates],
        "has_quote": lambda: [_QUOTES.search(c.text) is not None for c in candidates],
        "dangling": lambda: [bool(c.lowered) and c.lowered[0] in openers for c in candidates],
        "question": lambda: [
            c.text.rstrip("\"'\u201d\u2019)").endswith(("?", "\uff1f")) for c in candidates
        ],
        "opens_paragraph": lambda: [a != b for a, b in itertools.pairwise(paragraphs)],
        "to_first": lambda: np.concatenate(([1.0], similarity[0, 1:])),
        "has_number": lambda: [_NUMBER.search(c.text) is not None for c in candidates],
        "names": lambda: [_names(c) for c in candidates],
        "is_short": lambda: [c.length < _SHORT_WORDS for c in candidates],
    }
    matrix = np.empty((count, len(names)))
    for k, name in enumerate(names):
        matrix[:, k] = columns[name]()
    return matrix, similarity


def _names(candidate: Candidate) -> float:
    """Share of a sentence's words, past its first, that are capitalized: names, places."""
    capitalized = sum(1 for letter in _LATER_WORD.findall(candidate.text) if letter.isupper())
    return capitalized / max(len(candidate.lowered) - 1, 1)


def _scaled(values: Matrix) -> Matrix:
    """``values`` scaled to 0..1 within the document (all zero when they are all equal)."""
    low, spread = float(values.min()), float(values.max() - values.min())
    if spread == 0.0:
        return np.zeros(len(values))
    result: Matrix = (values - low) / spread
    return result


def _pacsum(similarity: Matrix) -> Matrix:
    """PacSum's directed centrality, scaled to 0..1: forward edges count, backward ones cost."""
    if len(similarity) < 2:
        return np.zeros(len(similarity))
    low, high = float(similarity.min()), float(similarity.max())
    edges = np.maximum(similarity - (low + _EDGE_THRESHOLD * (high - low)), 0.0)
    return _scaled(np.triu(edges, 1).sum(axis=1) - np.tril(edges, -1).sum(axis=1))
