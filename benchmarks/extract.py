"""Benchmark the extract stage on the shared dev data, side by side with its baselines.

    python benchmarks/extract.py [--shared PATH] [--verbose]

HTML (extract_dev.jsonl): digest's extractor vs trafilatura with its defaults.
Plain text (text_dev.jsonl): digest's clutter cleaner vs no cleaning at all.
Metric (the data README's): bags of \\w+ tokens per page → precision and recall; mean
precision over pages with output, mean recall over all pages, F1 of the two means.
Time is CPU time per page, the median.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.extract._extract import main_text  # noqa: E402

_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Score:
    """Mean precision, mean recall, their F1 and the median CPU milliseconds per page."""

    precision: float
    recall: float
    f1: float
    ms: float


def _page_scores(predicted: str, gold: str) -> tuple[float | None, float]:
    """Token-bag precision (None when nothing was predicted) and recall of one page."""
    pred, ref = Counter(_TOKEN.findall(predicted)), Counter(_TOKEN.findall(gold))
    overlap = sum((pred & ref).values())
    precision = overlap / sum(pred.values()) if pred else None
    recall = overlap / sum(ref.values()) if ref else 1.0
    return precision, recall


def score(
    rows: list[dict[str, str]],
    field: str,
    system: Callable[[str, str], str],
    verbose: bool = False,
) -> Score:
    """Run a system over the rows and score it against each row's gold text."""
    precisions, recalls, times = [], [], []
    for row in rows:
        started = time.process_time()
        output = system(row[field], row["url"])
        times.append(time.process_time() - started)
        precision, recall = _page_scores(output, row["gold"])
        if precision is not None:
            precisions.append(precision)
        recalls.append(recall)
        if verbose:
            shown = "-" if precision is None else f"{precision:.2f}"
            print(f"  P {shown:>4} R {recall:.2f}  {row['url'][:90]}")
    mean_p = statistics.fmean(precisions) if precisions else 0.0
    mean_r = statistics.fmean(recalls)
    f1 = 2 * mean_p * mean_r / (mean_p + mean_r) if mean_p + mean_r else 0.0
    return Score(mean_p, mean_r, f1, statistics.median(times) * 1000)


def _digest_html(html: str, url: str) -> str:
    return main_text(html, "html", url).text


def _trafilatura_defaults(html: str, url: str) -> str:
    return trafilatura.extract(html, url=url, include_comments=False) or ""


def _digest_text(text: str, url: str) -> str:
    return main_text(text, "text", url).text


def _no_cleaning(text: str, url: str) -> str:
    return text


def _load(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def main() -> None:
    """Print one table: each system's P, R, F1 and ms per page on the dev data."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--verbose", action="store_true", help="print per-page scores")
    args = parser.parse_args()
    data = args.shared / "data"
    html_rows = _load(data / "extract_dev.jsonl")
    text_rows = _load(data / "text_dev.jsonl")
    runs = [
        ("extract_dev", "digest extract", html_rows, "html", _digest_html),
        ("extract_dev", "trafilatura defaults", html_rows, "html", _trafilatura_defaults),
        ("text_dev", "digest cleaner", text_rows, "text", _digest_text),
        ("text_dev", "no cleaning", text_rows, "text", _no_cleaning),
    ]
    print(f"{'data':<12} {'system':<22} {'P':>6} {'R':>6} {'F1':>6} {'ms/page':>8}")
    for data_name, name, rows, field, system in runs:
        if args.verbose:
            print(f"{data_name} / {name}:")
        result = score(rows, field, system, verbose=args.verbose)
        print(
            f"{data_name:<12} {name:<22} {result.precision:6.3f} {result.recall:6.3f} "
            f"{result.f1:6.3f} {result.ms:8.1f}"
        )


if __name__ == "__main__":
    main()
