"""A same-story classifier over several pair features, trained and measured offline.

Usage: python benchmarks/train_stories.py [--shared PATH] [--precision P] [--same-day P]
       [--drop FEATURE ...] [--penalty L2] [--check] [--out FILE.json]

An experiment, not a part of digest: it asks whether a logistic regression over
benchmarks/story_features.py's FEATURES (the rare-word similarity digest thresholds, the
titles' similarity, shared names, shared numbers, length ratio, margin over the closest
rival, mutual best) tells one story from two better than digest's single threshold
(compose/_stories.SAME_STORY_DATED) at equal precision. It was written before the fifth
pass: the rule it compares with is that threshold alone, not today's same_story, which
also folds a pair that stands out from 0.20 (benchmarks/stories.py measures that).

Reads stories_dev.jsonl and fits on split 1's tune half only (benchmarks/stories.py
holds its check half out). Examples are the candidate pairs (allowed by the hard rules,
similarity at least story_features.CANDIDATE) of the groupings benchmarks/stories.py
reports: a pair alone with its dates; a pair inside an edition of 9 other articles of the
half, all dated the pair's day (3 editions a pair, other fillers than the benchmark's);
same-day editions of 11 AllSides articles of one topic, and of a BASIL event's three
reports among 8 others. Each kind weighs the same in the fit (numpy, Newton's method, an
L2 penalty). The threshold is the lowest probability at which the AllSides and BASIL pairs
alone and in editions reach --precision (0.97) and the same-day editions --same-day
(0.95); the undated one, the lowest at which the pairs alone without dates reach
--precision. It prints pairwise precision and recall per kind for digest's threshold and
for the model, on the tune half, and with --check once on the check half. --out writes the
weights and thresholds (never data) as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402
from stories import _article, _half  # noqa: E402
from story_features import FEATURES, features, is_allowed  # noqa: E402

from digest.compose._stories import SAME_STORY, SAME_STORY_DATED, similarity  # noqa: E402
from digest.models import Article  # noqa: E402

PENALTY = 1.0
"""L2 penalty on the weights (not the bias): some 300 tuning pairs, seven features."""

Examples = tuple[np.ndarray[Any, np.dtype[np.float64]], np.ndarray[Any, np.dtype[np.bool_]]]


def examples(
    groupings: list[tuple[list[Article], dict[tuple[str, str], bool]]],
) -> Examples:
    """Features and labels of the candidate pairs of groupings whose labels are known.

    A grouping's labels name its pairs by guid; a candidate without a label is left out
    (an article of a negative pair whose own story the data does not give), a labelled
    pair that is no candidate is a negative the model never sees (and a positive it
    misses: kept as a row of zeros so that precision and recall count it; the zeros mark
    it as never merged).
    """
    rows: list[np.ndarray[Any, np.dtype[np.float64]]] = []
    labels: list[bool] = []
    for articles, truth in groupings:
        scores = similarity(articles)
        first, second, matrix = features(articles, scores, is_allowed(articles))
        seen = set()
        for a, b, row in zip(first.tolist(), second.tolist(), matrix, strict=True):
            key = _key(articles[a].guid, articles[b].guid)
            if key in truth:
                rows.append(row)
                labels.append(truth[key])
                seen.add(key)
        for key, label in truth.items():
            if label and key not in seen:
                rows.append(np.full(len(FEATURES), np.nan))
                labels.append(True)
    return np.asarray(rows).reshape(-1, len(FEATURES)), np.asarray(labels, dtype=bool)


def _key(first: str, second: str) -> tuple[str, str]:
    return (first, second) if first < second else (second, first)


def tuning_sets(rows: list[dict[str, Any]], half: str = "tune") -> dict[str, Examples]:
    """The examples of each kind, from one half of split 1 only."""
    tune = [row for row in rows if _half(row["id"].split("/")[1]) == half]
    articles: dict[str, Article] = {}
    story_of: dict[str, str] = {}
    topic_of: dict[str, str] = {}
    for row in tune:
        story = row["id"].split("/")[1]
        for side in "ab":
            guid = row[side]["url"] or row[side]["title"]
            articles[guid] = _article(row[side], guid)
        if row["same_story"]:
            for side in "ab":
                guid = row[side]["url"] or row[side]["title"]
                story_of.setdefault(guid, story)
                if row["source"] != "basil":
                    topic_of[guid] = row["topic"]

    def labels(batch: list[Article]) -> dict[tuple[str, str], bool]:
        return {
            _key(a.guid, b.guid): story_of[a.guid] == story_of[b.guid]
            for i, a in enumerate(batch)
            for b in batch[i + 1 :]
            if a.guid in story_of and b.guid in story_of and a.source != b.source
        }

    alone, undated, editions = [], [], []
    scored: dict[str, list[tuple[list[Article], dict[tuple[str, str], bool]]]] = {}
    alone_of: dict[str, list[tuple[list[Article], dict[tuple[str, str], bool]]]] = {}
    known = sorted(guid for guid in articles if guid in story_of)
    for row in tune:
        first, second = (row[side]["url"] or row[side]["title"] for side in "ab")
        a, b = articles[first], articles[second]
        pair = {_key(a.guid, b.guid): bool(row["same_story"])}
        alone.append(([a, b], pair))
        alone_of.setdefault(row["source"], []).append(([a, b], pair))
        undated.append(([replace(a, published=None), replace(b, published=None)], pair))
        own = {story_of.get(first), story_of.get(second)}
        rng = random.Random(f"train {half} {row['id']}")
        candidates = [g for g in known if story_of[g] not in own]
        for _ in range(3):
            fillers = [
                replace(articles[g], published=a.published) for g in rng.sample(candidates, 9)
            ]
            batch = [*fillers[:4], a, *fillers[4:7], b, *fillers[7:]]
            editions.append((batch, labels(batch) | pair))
            scored.setdefault(row["source"], []).append((batch, pair))
    day = datetime(2021, 6, 1, 12, tzinfo=UTC)
    by_topic: dict[str, list[str]] = {}
    for guid, topic in sorted(topic_of.items()):
        by_topic.setdefault(topic, []).append(guid)
    topics = sorted(t for t, g in by_topic.items() if len({story_of[x] for x in g}) > 1)
    rng = random.Random(f"train {half} topics")
    topical = []
    for _ in range(200):
        chosen = rng.sample(by_topic[topic := rng.choice(topics)], min(11, len(by_topic[topic])))
        rest = [guid for guid in topic_of if guid not in chosen]
        chosen += rng.sample(rest, 11 - len(chosen))
        batch = [replace(articles[guid], published=day) for guid in chosen]
        topical.append((batch, labels(batch)))
    events: dict[str, list[str]] = {}
    for row in tune:
        if row["source"] == "basil" and row["same_story"]:
            story = row["id"].split("/")[1]
            for side in "ab":
                guid = row[side]["url"] or row[side]["title"]
                if guid not in events.setdefault(story, []):
                    events[story].append(guid)
    basil = [guid for guids in events.values() for guid in guids]
    for guids in events.values():
        others = rng.sample([g for g in basil if g not in guids], 11 - len(guids))
        batch = [replace(articles[guid], published=day) for guid in [*guids, *others]]
        topical.append((batch, labels(batch)))
    return {
        "alone": examples(alone),
        "edition": examples(editions),
        **{f"alone {source}": examples(found) for source, found in sorted(alone_of.items())},
        **{f"edition {source}": examples(found) for source, found in sorted(scored.items())},
        "same day": examples(topical),
        "undated": examples(undated),
    }


def fit(
    matrix: np.ndarray[Any, np.dtype[np.float64]],
    labels: np.ndarray[Any, np.dtype[np.bool_]],
    weights: np.ndarray[Any, np.dtype[np.float64]],
    penalty: float = PENALTY,
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Weighted L2-penalised logistic regression by Newton's method: (weights..., bias)."""
    x = np.hstack([matrix, np.ones((len(matrix), 1))])
    y = labels.astype(float)
    theta = np.zeros(x.shape[1])
    ridge = np.full(x.shape[1], penalty)
    ridge[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ theta)))
        gradient = x.T @ (weights * (p - y)) + ridge * theta
        hessian = (x * (weights * p * (1 - p))[:, None]).T @ x + np.diag(ridge)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-9:
            break
    return theta


def scores_of(
    theta: np.ndarray[Any, np.dtype[np.float64]], matrix: np.ndarray[Any, np.dtype[np.float64]]
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Probabilities of rows; a row of NaNs (a pair that is no candidate) gets -1."""
    p = 1.0 / (1.0 + np.exp(-(matrix @ theta[:-1] + theta[-1])))
    return np.where(np.isnan(p), -1.0, p)


def precision_recall(
    chance: np.ndarray[Any, np.dtype[np.float64]],
    labels: np.ndarray[Any, np.dtype[np.bool_]],
    threshold: float,
) -> tuple[float, float, float]:
    said = chance >= threshold
    tp = int((said & labels).sum())
    precision = tp / max(1, int(said.sum())) if said.any() else 1.0
    recall = tp / max(1, int(labels.sum()))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def lowest_threshold(
    sets: list[tuple[Examples, float]], theta: np.ndarray[Any, np.dtype[np.float64]]
) -> float:
    """The lowest probability (steps of 0.01) at which every set reaches its precision."""
    for step in range(1, 100):
        threshold = step / 100
        if all(
            precision_recall(scores_of(theta, m), y, threshold)[0] >= precision
            for (m, y), precision in sets
        ):
            return threshold
    return 0.99


def report(
    sets: dict[str, Examples],
    theta: np.ndarray[Any, np.dtype[np.float64]],
    dated: float,
    undated: float,
    label: str,
) -> None:
    """Pairwise P/R/F1 per kind: digest's single threshold, then the model."""
    print(
        f"{label}: digest's threshold (similarity >= {SAME_STORY_DATED}, undated {SAME_STORY})"
        f" | the model (probability >= {dated:.2f}, undated {undated:.2f})"
    )
    for name, (matrix, label_of) in sets.items():
        is_undated = name == "undated"
        similarity_of = np.nan_to_num(matrix[:, 0], nan=-1.0)
        base = precision_recall(
            similarity_of, label_of, SAME_STORY if is_undated else SAME_STORY_DATED
        )
        found = precision_recall(
            scores_of(theta, matrix), label_of, undated if is_undated else dated
        )
        print(
            f"  {name:26} P {base[0]:.3f} R {base[1]:.3f} F1 {base[2]:.3f}"
            f" | P {found[0]:.3f} R {found[1]:.3f} F1 {found[2]:.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--precision", type=float, default=0.97)
    parser.add_argument("--same-day", type=float, default=0.95)
    parser.add_argument("--drop", nargs="*", default=[], choices=FEATURES, help="leave out")
    parser.add_argument("--penalty", type=float, default=PENALTY)
    parser.add_argument("--check", action="store_true", help="also measure the check half")
    parser.add_argument("--out", type=Path, help="write the weights and thresholds here")
    args = parser.parse_args()
    path: Path = args.shared / "stories_dev.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    np.seterr(all="ignore")
    sets = tuning_sets(rows)
    trained = ("alone", "edition", "same day")
    used = np.array([name not in args.drop for name in FEATURES], dtype=float)
    matrices, labels, weights = [], [], []
    for name in trained:
        matrix, label = sets[name]
        keep = ~np.isnan(matrix).any(axis=1)
        matrices.append(matrix[keep] * used)
        labels.append(label[keep])
        weights.append(np.full(int(keep.sum()), 1.0 / max(1, int(keep.sum()))))
        print(f"{name:9} {int(keep.sum()):5} candidates, {int(label[keep].sum()):4} same story")
    total = np.concatenate(weights)
    theta = fit(np.vstack(matrices), np.concatenate(labels), total * len(total), args.penalty)
    for name, value in zip((*FEATURES, "bias"), theta.tolist(), strict=True):
        print(f"  {name:15} {value:+.3f}")
    goals = [
        *(
            (found, args.precision)
            for name, found in sets.items()
            if name.startswith(("alone ", "edition "))
        ),
        (sets["same day"], args.same_day),
    ]
    dated = lowest_threshold(goals, theta)
    undated = max(dated, lowest_threshold([(sets["undated"], args.precision)], theta))
    report(sets, theta, dated, undated, "split 1 tune (fitted here)")
    if args.check:
        report(tuning_sets(rows, "check"), theta, dated, undated, "split 1 check (held out)")
    if args.out:
        result = {
            "weights": dict(zip(FEATURES, (round(v, 4) for v in theta[:-1].tolist()), strict=True)),
            "bias": round(float(theta[-1]), 4),
            "same_story": dated,
            "same_story_undated": undated,
            "trained": "benchmarks/train_stories.py on split 1's tune half of stories_dev.jsonl",
        }
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
