"""Tests for the digest selector: its shipped weights, its features and how it picks."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from digest.summarize import key_points
from digest.summarize._select import FEATURES, Weights, features, pick, weights
from digest.summarize._summarize import candidates_of

from .test_summarize import TEXT


def test_the_shipped_weights_name_only_known_features() -> None:
    data = json.loads((resources.files("digest.summarize") / "_weights.json").read_text())
    assert set(data["features"]) <= set(FEATURES)
    assert 0.0 < data["duplicate_similarity"] <= 1.0
    assert len(weights().features) == len(FEATURES)


def test_features_of_weight_zero_change_no_choice() -> None:
    candidates = [c for c in candidates_of(TEXT, "en") if c.is_eligible]
    full, _ = features(candidates)
    given = weights()
    used = [n for n, w in zip(FEATURES, given.features, strict=True) if w]
    part, _ = features(candidates, used)
    assert np.allclose(
        full @ np.asarray(given.features), part @ np.asarray([w for w in given.features if w])
    )


def test_pick_skips_repeats_and_fills_up_when_all_repeat() -> None:
    scores = np.array([3.0, 2.0, 1.0])
    similarity = np.array([[0.0, 0.9, 0.1], [0.9, 0.0, 0.1], [0.1, 0.1, 0.0]])
    given = Weights(features=(), duplicate_similarity=0.5)
    assert pick(scores, similarity, 2, given) == [0, 2]
    assert pick(scores, np.full((3, 3), 0.9), 2, given) == [0, 1]


def test_the_lead_sentence_of_a_news_text_is_picked() -> None:
    assert key_points(TEXT, points=1)[0].startswith("A storm flooded")


def load(shared_dir: Path, name: str) -> list[dict[str, str]]:
    lines = (shared_dir / "data" / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[::5]]


@pytest.mark.parametrize("name", ["news_dev.jsonl", "bbc_dev.jsonl"])
def test_every_article_with_a_long_sentence_gets_a_key_point_in_any_shape(
    shared_dir: Path, name: str
) -> None:
    # The shapes other outlets send: one line per article, no final stop, a caption and
    # a cut-off teaser at the end. Before, the last two gave no key point at all.
    for row in load(shared_dir, name):
        text = row["text"]
        flat = " ".join(text.split())
        for shape in (
            flat,
            flat.rstrip(".!?\"'\u201d"),
            flat + " Pictured: the scene on Tuesday morning. Read more: what happens next and",
        ):
            points = key_points(shape, language="en")
            assert len(points) == 3, (row["id"], shape[-80:])
            assert not any(re.match(r"(Pictured|Read more):", p) for p in points)
