"""The extract stage's quality on the shared dev data (skipped when it is absent)."""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from pathlib import Path

from digest.extract import main_text

_TOKEN = re.compile(r"\w+")


def token_f1(pairs: list[tuple[str, str]]) -> float:
    """The data README's metric: token-bag P and R per page, F1 of their means."""
    precisions, recalls = [], []
    for predicted, gold in pairs:
        pred, ref = Counter(_TOKEN.findall(predicted)), Counter(_TOKEN.findall(gold))
        overlap = sum((pred & ref).values())
        if pred:
            precisions.append(overlap / sum(pred.values()))
        recalls.append(overlap / sum(ref.values()) if ref else 1.0)
    precision, recall = statistics.fmean(precisions), statistics.fmean(recalls)
    return 2 * precision * recall / (precision + recall)


def load_rows(path: Path) -> list[dict[str, str]]:
    """The JSON lines of a dev data file."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def test_cleaner_keeps_its_quality_on_the_text_dev_data(shared_dir: Path) -> None:
    rows = load_rows(shared_dir / "data" / "text_dev.jsonl")
    pairs = [(main_text(row["text"], "text").text, row["gold"]) for row in rows]
    # Measured 0.923 (no cleaning: 0.681); the floor leaves room for general changes.
    assert token_f1(pairs) >= 0.90


def html_f1(path: Path) -> float:
    """Token F1 of the HTML extraction over a dev file of pages."""
    rows = load_rows(path)
    return token_f1(
        [(main_text(r["html"], "html", r["url"] or None).text, r["gold"]) for r in rows]
    )


def test_html_extraction_keeps_its_quality_on_the_scrapinghub_pages(shared_dir: Path) -> None:
    # Measured 0.979 (trafilatura defaults: 0.960; before the second extractor's vote: 0.962).
    assert html_f1(shared_dir / "data" / "extract_dev.jsonl") >= 0.97


def test_html_extraction_keeps_its_quality_on_older_pages_with_comments(shared_dir: Path) -> None:
    # Measured 0.950 (trafilatura, comments off: 0.919; before the vote: 0.913).
    assert html_f1(shared_dir / "data" / "extract2_dev.jsonl") >= 0.94
