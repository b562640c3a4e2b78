"""Learn the weights of digest's selector offline and write digest/summarize/_weights.json.

Usage: python benchmarks/train_selector.py [--shared PATH] [--points N] [--rounds N] [--dry-run]

Tunes on the rows of news_dev.jsonl (CNN) and bbc_dev.jsonl (BBC) that
benchmarks/summarize.py does not hold out (row index % 3 != 2), both sets together:
coordinate search over each feature's weight and the duplicate threshold, maximizing
the smaller of the two sets' ROUGE-1 + ROUGE-2 gains over Lead-3 (each scaled by the
gain asked of it, see GOALS), so that neither outlet's style wins alone.
ROUGE here is a fast re-implementation of rouge-score's ROUGE-1/2 F1 on its own
tokenizer (stemmed); benchmarks/summarize.py checks the result with rouge-score itself,
ROUGE-Lsum included, on the held-out rows. Only the weights are written, never data.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402
from rouge_score import tokenizers  # noqa: E402
from summarize import SETS, is_check_row, lead  # noqa: E402

from digest.summarize._select import FEATURES, Weights, features, pick, weights  # noqa: E402
from digest.summarize._summarize import candidates_of  # noqa: E402

WEIGHTS = ROOT / "digest" / "summarize" / "_weights.json"
# The gains asked of each set (ROUGE-1 +1 on CNN, +5 on BBC), in ROUGE-1 + ROUGE-2 points:
# on CNN ROUGE-2 gains about half as much as ROUGE-1, on BBC (references copied from the
# text) a little more than ROUGE-1. CNN's is doubled: the selector before this one gained
# +1.2 ROUGE-1 on this CNN file and only +0.78 on 667 unseen CNN articles.
GOALS = {"CNN": 3.0, "BBC": 11.0}
# News puts the gist first: the position prior may weigh little, never against the lead.
# (Unconstrained, the search found first=-0.5 on the tuning rows, a quirk of their CNN
# half: it levels the first sentence with the second.)
LOWER_BOUNDS = {"first": 0.0, "position": 0.0}
STEPS = (-1.0, -0.5, -0.25, -0.1, -0.05, 0.0, 0.05, 0.1, 0.25, 0.5, 1.0)
_TOKENIZER = tokenizers.DefaultTokenizer(use_stemmer=True)


@dataclass
class Article:
    """One tuning article, ready for fast scoring: features, similarities, n-gram counts."""

    matrix: np.ndarray[Any, np.dtype[np.float64]]
    similarity: np.ndarray[Any, np.dtype[np.float64]]
    unigrams: list[Counter[str]]
    bigrams: list[Counter[tuple[str, str]]]
    reference: tuple[Counter[str], Counter[tuple[str, str]]]
    lead: float


def grams(text: str) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """rouge-score's stemmed tokens of a text, as unigram and bigram counts."""
    tokens = _TOKENIZER.tokenize(text)
    return Counter(tokens), Counter(itertools.pairwise(tokens))


def f1(found: Counter[Any], wanted: Counter[Any]) -> float:
    """ROUGE-N F1 of two n-gram counts."""
    overlap = sum((found & wanted).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(found.values()), overlap / sum(wanted.values())
    return 2 * precision * recall / (precision + recall)


def score(unigrams: Counter[str], bigrams: Counter[tuple[str, str]], reference: Any) -> float:
    """ROUGE-1 + ROUGE-2 F1, percent."""
    return 100 * (f1(unigrams, reference[0]) + f1(bigrams, reference[1]))


def prepare(rows: Sequence[dict[str, Any]], points: int) -> list[Article]:
    """The tuning articles of one set, with Lead-3's score each."""
    prepared = []
    for row in rows:
        candidates = [c for c in candidates_of(row["text"], "en") if c.is_eligible]
        reference = grams(row["reference"])
        one, two = grams("\n".join(lead(row["text"], points)))
        if len(candidates) <= points:
            continue  # every system picks them all: nothing to learn
        matrix, similarity = features(candidates)
        counts = [grams(c.text) for c in candidates]
        prepared.append(
            Article(
                matrix,
                similarity,
                [c[0] for c in counts],
                [c[1] for c in counts],
                reference,
                score(one, two, reference),
            )
        )
    return prepared


def gain(articles: Sequence[Article], given: Weights, points: int) -> float:
    """Mean ROUGE-1 + ROUGE-2 gain over Lead-3 of the selector with these weights."""
    vector = np.asarray(given.features)
    total = 0.0
    for article in articles:
        chosen = pick(article.matrix @ vector, article.similarity, points, given)
        one: Counter[str] = Counter()
        two: Counter[tuple[str, str]] = Counter()
        for i in chosen:
            one.update(article.unigrams[i])
            two.update(article.bigrams[i])
        total += score(one, two, article.reference) - article.lead
    return total / len(articles)


def objective(
    sets: dict[str, list[Article]], given: Weights, points: int
) -> tuple[float, dict[str, float]]:
    """The smaller of the sets' gains, each scaled by its goal; and the gains."""
    gains = {name: gain(articles, given, points) for name, articles in sets.items()}
    return min(gains[name] / GOALS[name] for name in gains), gains


def main(argv: Sequence[str] | None = None) -> None:
    """Search the weights on both tuning sets and write them."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    default = Path(os.environ.get("DIGEST_SHARED", ROOT.parent / "shared"))
    parser.add_argument("--shared", type=Path, default=default, help="the shared folder")
    parser.add_argument("--points", type=int, default=3, help="key points per article")
    parser.add_argument("--rounds", type=int, default=4, help="coordinate search rounds")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write")
    parser.add_argument("--check", action="store_true", help="also print held-out gains")
    args = parser.parse_args(argv)
    sets = {}
    for name, file in SETS.items():
        lines = (args.shared / "data" / file).read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for i, line in enumerate(lines) if not is_check_row(i)]
        sets[name] = prepare(rows, args.points)
        print(f"{name}: {len(sets[name])} tuning articles with more than {args.points} sentences")
    start = weights()
    current = Weights(
        tuple(
            max(w, LOWER_BOUNDS.get(name, w))
            for name, w in zip(FEATURES, start.features, strict=True)
        ),
        start.duplicate_similarity,
    )
    best, gains = objective(sets, current, args.points)
    print(f"start: {best:.3f} {gains}")
    vector = list(current.features)
    thresholds = (0.3, 0.4, 0.5, 0.6, 0.7, 1.0)
    for round_ in range(args.rounds):
        changed = False
        for k in range(len(FEATURES) + 1):
            if k == len(FEATURES):
                options: Sequence[float] = thresholds
            else:
                low = LOWER_BOUNDS.get(FEATURES[k], -100.0)
                options = sorted({max(vector[k] + step, low) for step in STEPS})
            for value in options:
                trial = list(vector)
                threshold = current.duplicate_similarity
                if k == len(FEATURES):
                    threshold = value
                else:
                    trial[k] = round(value, 3)
                given = Weights(tuple(trial), threshold)
                result, trial_gains = objective(sets, given, args.points)
                if result > best + 1e-6:
                    best, gains, vector, current, changed = result, trial_gains, trial, given, True
        print(f"round {round_ + 1}: {best:.3f} {gains}")
        print("  " + ", ".join(f"{n}={w:g}" for n, w in zip(FEATURES, vector, strict=True)))
        print(f"  duplicate_similarity={current.duplicate_similarity:g}")
        if not changed:
            break
    if args.check:
        held_out = {}
        for name, file in SETS.items():
            lines = (args.shared / "data" / file).read_text(encoding="utf-8").splitlines()
            rows = [json.loads(line) for i, line in enumerate(lines) if is_check_row(i)]
            held_out[name] = prepare(rows, args.points)
        print(f"held out: {objective(held_out, current, args.points)}")
    data = {
        "features": dict(zip(FEATURES, vector, strict=True)),
        "duplicate_similarity": current.duplicate_similarity,
        "trained": "benchmarks/train_selector.py on news_dev + bbc_dev rows with index % 3 != 2",
    }
    if not args.dry_run:
        WEIGHTS.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS}")


if __name__ == "__main__":
    main()
