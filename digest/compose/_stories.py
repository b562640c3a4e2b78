"""One story, many sources: group the articles of several outlets that report one event.

Outlets rewrite a story rather than copy it, so near-copy measures miss most real
coverage (TF-IDF cosine at 0.55 found 3 % of the true pairs in benchmarks/stories.py).
What two reports of one event share is its rare words: the names of its people and
places, its numbers, the words of what happened, mostly in the title and the first
paragraph. So each article becomes the content words of its title and its first
LEAD_WORDS words (stop words out; words of one Snowball stem as one), each weighted by
its rarity in the language (text.rarity: -log10 of its frequency in wordfreq's lists, the
same for two articles or two hundred), and two articles are compared by the cosine.

Precision comes first: a wrong merge hides a story from the readers. Two articles tell
one story only when
- they come from different sources (two items of one feed are two posts, never folded);
- they were published at most MAX_GAP apart, when both dates are known;
- their similarity reaches SAME_STORY_DATED when both are dated and close, else the
  stricter SAME_STORY (without dates, the text alone has to carry the decision); or,
  published at most CLEAR_GAP apart, the pair stands out (below);
- their titles do not give different numbers ("$1.5 trillion" and "$3.5 trillion", the
  jobs of April and of May): when both titles have numbers, one of them must be in the
  other report;
and a story holds only articles that are all pairwise the same story (complete linkage),
so a chain of look-alikes never joins two different events.

Within one edition, a word that more than SHARED_BY of an article's neighbours use is
the topic around it rather than one event's: it loses weight in that article,
(SHARED_BY / n) ** TOPIC_DISCOUNT for n of them. Without that, an edition of one day with
four rulings on one moratorium folded them all into one story (the words they share
outweigh what tells them apart). An article's neighbours are itself and the articles at
least NEIGHBOUR alike it on full weights: reports on its topic, not every article that
happens to say "Biden" or "vaccine". Counted over the whole edition instead, unrelated
articles sharing such a word took weight from a true pair (held-out F1 of a pair among 9
other stories 0.81 against 0.86 alone); counted over neighbours, a pair scores the same
alone as among unrelated articles, and one event told by three outlets loses nothing.

A pair stands out when its similarity reaches the lower CLEAR_SAME_STORY, no third
article of the edition resembles either of the two more than RIVAL_SHARE times that (what
feature matchers call the ratio test: a match is trusted when it is much better than the
next best), and the titles share TITLE_WORDS content words. Rewrites of one event by
other outlets often share only a fifth of their weighted words ("Senate votes to take up
infrastructure deal", "Infrastructure deal: Senate suddenly acts to take up bill"), and
alone or among unrelated articles nothing else competes with them; where an edition holds
several stories of one topic, each report resembles several others and the pair needs
SAME_STORY_DATED as before. The shared title words keep out a pair of one day that shares
only a field (a games console and a new processor; two music awards). Only reports of the
same day or the next (CLEAR_GAP) may stand out: 87 of BASIL's 99 pairs of one event, with
their real publication dates, are that close, while other events on the same topic
(another vaccine decision, another state's bill) come a few days apart.

The constants were chosen with benchmarks/stories.py on the tuning half (split 1) of the
AllSides pairs of the team's data (one event by two outlets against another event on the
same topic or with the same people, close in date) and on same-day editions of one topic
made from that half: the lowest dated threshold (in steps of 0.02) with a precision of at
least 0.96 on the pairs (the undated one stays the first pass's), the discount that kept
those editions' precision near 0.95 without costing BASIL's three-outlet events their
recall, and the neighbour level in the middle of the range (0.05-0.15) where a pair
inside an edition scores as alone and the topic editions' precision is highest; for a
pair that stands out, of a grid (CLEAR_SAME_STORY 0.20/0.23/0.26, RIVAL_SHARE
0.4/0.55/0.7, one or two title words), the setting with the best pair F1 that kept those
editions' precision at 0.95 (one title word: 0.949, and 8 wrong merges among BBC's
unrelated articles against 6; no title rule: 12). Then checked on the held-out half, on
a second random split, on BASIL's full articles and on unrelated CNN and BBC articles of
one day (none of CNN's merge).

The story's representative, whose key points the readers get, is its newest article
(then the richest text); the others are listed with their own links.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from ..models import Article
from ..text import RARITY_CAP, rarity, stem, stop_words, words

LEAD_WORDS = 100
"""Words of the text read after the title: the lead carries the event, the rest drifts."""
SAME_STORY = 0.42
"""Similarity from which two articles without both dates are taken to tell one story."""
SAME_STORY_DATED = 0.30
"""Similarity from which two articles published close together are taken to tell one story."""
MAX_GAP = timedelta(days=4)
"""Longest time between two reports of one event (when both dates are known)."""
CLEAR_SAME_STORY = 0.20
"""Similarity from which two dated, close reports that nothing else resembles as much, and
whose titles share TITLE_WORDS content words, are taken to tell one story."""
CLEAR_GAP = timedelta(hours=36)
"""Longest time between two reports for the lower CLEAR_SAME_STORY: the same day or the next."""
RIVAL_SHARE = 0.4
"""How close a third article may come to either of two reports, as a share of their own
similarity, for the pair still to stand out from everything else (CLEAR_SAME_STORY)."""
TITLE_WORDS = 2
"""Content words (by stem) that two titles must share for a pair below SAME_STORY_DATED."""

SHARED_BY = 3
"""Articles of an edition that may share a word before it counts less (one story, 3 outlets)."""
TOPIC_DISCOUNT = 1.5
"""How fast a word loses weight past SHARED_BY articles: (SHARED_BY / n) ** TOPIC_DISCOUNT."""
NEIGHBOUR = 0.10
"""Similarity (on full weights) from which another article counts towards a word's topic."""

_UNDATED = datetime.min.replace(tzinfo=UTC)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True, slots=True)
class Story:
    """Articles telling one story: the one to summarize, and the other outlets' reports."""

    article: Article
    others: tuple[Article, ...] = ()


def group_stories(articles: Sequence[Article]) -> list[Story]:
    """Group the reports of one event by different sources into stories.

    Stories come in the order of each story's first article; a story's articles are all
    from different sources.
    """
    if len(articles) < 2:
        return [Story(article) for article in articles]
    scores = similarity(articles)
    members = _complete_linkage(same_story(articles, scores), scores)
    stories = []
    for group in members:
        best = max(group, key=lambda index: _freshness(articles[index]))
        others = tuple(articles[index] for index in group if index != best)
        stories.append(Story(articles[best], others))
    return stories


def similarity(articles: Sequence[Article]) -> np.ndarray[tuple[int, int], np.dtype[np.float64]]:
    """Cosine of the articles' rarity-weighted content words, every pair at once.

    A word that more than SHARED_BY of an article's neighbours use (the articles at least
    NEIGHBOUR alike it on their full weights, itself included) is a topic rather than an
    event ("eviction moratorium" in five reports of four rulings): it counts less in that
    article, so that several stories of one topic in one edition stay apart. Articles of
    other topics that happen to share the word ("Biden", "vaccine") are no neighbours and
    take nothing from it, so a pair scores the same alone as among unrelated articles.
    """
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    weights: list[float] = []
    for row, article in enumerate(articles):
        for term, weight in _terms(article).items():
            rows.append(row)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
            weights.append(weight)
    count = len(articles)
    row_of = np.asarray(rows, dtype=np.int64)
    col_of = np.asarray(cols, dtype=np.int64)
    values = np.asarray(weights, dtype=np.float64)
    spread = np.bincount(col_of, minlength=len(vocabulary))
    # Most words are in one article only: work on the words shared by `size` articles,
    # as blocks of their entries, one block per size, instead of a dense article x word
    # product (slow for 200 articles and 15,000 words).
    order = np.lexsort((row_of, col_of))
    sizes = sorted(set(spread[spread > 1].tolist()))  # np.unique would load numpy.ma
    blocks = [order[spread[col_of[order]] == size].reshape(-1, size) for size in sizes]
    is_near = _cosines(row_of, values, blocks, count) >= NEIGHBOUR
    np.fill_diagonal(is_near, True)
    local = np.ones(len(values))
    for size, entries in zip(sizes, blocks, strict=True):
        if size > SHARED_BY:
            members = row_of[entries]
            local[entries] = is_near[members[:, :, None], members[:, None, :]].sum(axis=2)
    values *= np.minimum(1.0, SHARED_BY / local) ** TOPIC_DISCOUNT
    return _cosines(row_of, values, blocks, count)


def _cosines(
    row_of: np.ndarray[tuple[int], np.dtype[np.int64]],
    values: np.ndarray[tuple[int], np.dtype[np.float64]],
    blocks: list[np.ndarray[tuple[int, int], np.dtype[np.int64]]],
    count: int,
) -> np.ndarray[tuple[int, int], np.dtype[np.float64]]:
    """Cosines of the rows' weights: a dot product adds up each shared word's products."""
    norms = np.sqrt(np.bincount(row_of, weights=values**2, minlength=count))
    unit = values / np.where(norms > 0, norms, 1.0)[row_of]
    result = np.zeros((count, count))
    for entries in blocks:
        members, products = row_of[entries], unit[entries]
        np.add.at(
            result,
            (members[:, :, None], members[:, None, :]),
            products[:, :, None] * products[:, None, :],
        )
    np.fill_diagonal(result, 1.0)
    return result


def same_story(
    articles: Sequence[Article],
    scores: np.ndarray[tuple[int, int], np.dtype[np.float64]] | None = None,
) -> np.ndarray[tuple[int, int], np.dtype[np.bool_]]:
    """Whether each pair of articles tells one story (the diagonal is False).

    `scores`: their similarity, when already computed.
    """
    if scores is None:
        scores = similarity(articles)
    codes: dict[str, int] = {}
    source = np.array([codes.setdefault(a.source, len(codes)) for a in articles])
    stamps = np.array([a.published.timestamp() if a.published else np.nan for a in articles])
    with np.errstate(invalid="ignore"):
        gap = np.abs(stamps[:, None] - stamps[None, :])
        is_dated = ~np.isnan(gap)
        is_apart = is_dated & (gap > MAX_GAP.total_seconds())
        is_near = is_dated & (gap <= CLEAR_GAP.total_seconds())
    threshold = np.where(is_dated, SAME_STORY_DATED, SAME_STORY)
    is_allowed = ~is_apart & (source[:, None] != source[None, :])
    np.fill_diagonal(is_allowed, False)
    result: np.ndarray[tuple[int, int], np.dtype[np.bool_]] = (scores >= threshold) & is_allowed
    is_clear = (
        is_allowed
        & is_near
        & ~result
        & (scores >= CLEAR_SAME_STORY)
        & (_rivals(scores) <= RIVAL_SHARE * scores)
    )
    first, second = np.nonzero(np.triu(is_clear, k=1))
    if len(first):
        titles = {i: _title_terms(articles[i]) for i in {*first.tolist(), *second.tolist()}}
        for a, b in zip(first.tolist(), second.tolist(), strict=True):
            if len(titles[a] & titles[b]) >= TITLE_WORDS:
                result[a, b] = result[b, a] = True
    first, second = np.nonzero(np.triu(result, k=1))
    if len(first):
        numbers = [_numbers(article) for article in articles]
        for a, b in zip(first.tolist(), second.tolist(), strict=True):
            if _is_conflict(numbers[a], numbers[b]):
                result[a, b] = result[b, a] = False
    return result


def _complete_linkage(
    is_same: np.ndarray[tuple[int, int], np.dtype[np.bool_]],
    scores: np.ndarray[tuple[int, int], np.dtype[np.float64]],
) -> list[list[int]]:
    """Groups in which every two members are the same story, most similar pairs first."""
    group_of = list(range(len(is_same)))
    groups: dict[int, list[int]] = {index: [index] for index in range(len(is_same))}
    first, second = np.nonzero(np.triu(is_same, k=1))
    for pair in np.argsort(-scores[first, second], kind="stable"):
        a, b = group_of[int(first[pair])], group_of[int(second[pair])]
        if a == b or not is_same[np.ix_(groups[a], groups[b])].all():
            continue
        keep, gone = min(a, b), max(a, b)
        for index in groups[gone]:
            group_of[index] = keep
        groups[keep] = sorted(groups[keep] + groups.pop(gone))
    return sorted(groups.values())


def _rivals(
    scores: np.ndarray[tuple[int, int], np.dtype[np.float64]],
) -> np.ndarray[tuple[int, int], np.dtype[np.float64]]:
    """For each pair, the highest similarity of either article to any third article."""
    count = len(scores)
    if count < 3:
        return np.zeros((count, count))
    others = np.where(np.eye(count, dtype=bool), -np.inf, scores)
    order = np.argsort(-others, axis=1)[:, :2]
    rows = np.arange(count)
    best, runner_up = others[rows, order[:, 0]], others[rows, order[:, 1]]
    # An article's rival against j is its best match, or its second when the best is j.
    rival = np.where(order[:, :1] == rows[None, :], runner_up[:, None], best[:, None])
    result: np.ndarray[tuple[int, int], np.dtype[np.float64]] = np.maximum(rival, rival.T)
    return result


def _title_terms(article: Article) -> set[str]:
    """The content words of a title, by stem."""
    language = article.language
    stop = stop_words(language)
    return {
        stem(word, language)
        for word in words(article.title)
        if word not in stop and (len(word) > 1 or word.isdigit())
    }


def _freshness(article: Article) -> tuple[datetime, int]:
    """Newest first (an undated article counts as oldest), then the richest text."""
    return article.published or _UNDATED, len(article.text.split())


def _numbers(article: Article) -> tuple[frozenset[str], frozenset[str]]:
    """The numbers of an article's title, and of its title and lead, in one spelling.

    Separators and trailing zeros go ("266,000" and "266K" are both "266", "$3.5" is "35"),
    so two reports of one count agree however they write it.
    """
    lead = " ".join(article.text.split(maxsplit=LEAD_WORDS)[:LEAD_WORDS])

    def spelled(text: str) -> frozenset[str]:
        return frozenset(
            number.replace(",", "").replace(".", "").rstrip("0") or "0"
            for number in _NUMBER.findall(text)
        )

    return spelled(article.title), spelled(f"{article.title}\n{lead}")


def _is_conflict(
    first: tuple[frozenset[str], frozenset[str]], second: tuple[frozenset[str], frozenset[str]]
) -> bool:
    """Whether two titles both give numbers and neither report has a number of the other's
    title: "$1.5 trillion" against "$3.5 trillion", two jobs reports of two months."""
    return bool(first[0] and second[0] and not first[0] & second[1] and not second[0] & first[1])


def _terms(article: Article) -> dict[str, float]:
    """Content words of the title and lead, by stem, weighted by their rarity in the language.

    Words of one stem ("died", "dies") are one term, weighted by its most common word. A
    term said again counts more, sublinearly (1 + log of its count): the words of the
    title come back in the lead, so the title weighs more than the body. Every number is
    taken as rare: wordfreq smashes digits into shapes (all three-digit numbers share one
    frequency), and a number two reports share (a toll, a vote, an amount) is evidence.
    """
    language = article.language
    stop = stop_words(language)
    lead = " ".join(article.text.split(maxsplit=LEAD_WORDS)[:LEAD_WORDS])
    counts: dict[str, int] = {}
    weights: dict[str, float] = {}
    for word in words(f"{article.title}\n{lead}"):
        if word in stop or (len(word) < 2 and not word.isdigit()):
            continue
        if word.isdigit():
            term, weight = word, RARITY_CAP
        else:
            found = rarity(word, language)
            term, weight = stem(word, language), RARITY_CAP if found is None else found
        counts[term] = counts.get(term, 0) + 1
        weights[term] = min(weight, weights.get(term, weight))
    return {term: weights[term] * (1.0 + math.log(count)) for term, count in counts.items()}
