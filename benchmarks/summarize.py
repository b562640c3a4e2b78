"""Benchmark the summarize stage: ROUGE and speed of Lead-3, stock sumy LexRank and digest.

Usage: python benchmarks/summarize.py [--shared PATH] [--points N] [--all]

Reads news_dev.jsonl (CNN articles with human highlights) from the shared folder and
prints ROUGE-1/2/Lsum F1 (rouge-score, stemming on) and milliseconds per article for each
system, on the tuning half (even rows), the check half (odd rows) and all rows. Timings
cover splitting, scoring and selecting, not ROUGE.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rouge_score import rouge_scorer  # noqa: E402
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence  # noqa: E402
from sumy.nlp.stemmers import Stemmer  # noqa: E402
from sumy.summarizers.lex_rank import LexRankSummarizer  # noqa: E402
from sumy.utils import get_stop_words  # noqa: E402

from digest.config._settings import Algorithm  # noqa: E402
from digest.summarize._sentences import Tokenizer  # noqa: E402
from digest.summarize._summarize import key_points  # noqa: E402

System = Callable[[str, int], Sequence[str]]
METRICS = ("rouge1", "rouge2", "rougeLsum")


class _RawTokenizer(Tokenizer):
    """The same syntok splitter without digest's clean-up, for the stock baselines."""

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """syntok's sentences as they are, dateline and all."""
        import syntok.segmenter as segmenter

        return tuple(
            "".join(token.spacing + token.value for token in sentence).strip()
            for block in segmenter.process(paragraph)
            for sentence in block
        )


def lead_raw(text: str, points: int) -> Sequence[str]:
    """Lead-N: the first N sentences as the splitter gives them."""
    return _RawTokenizer().to_sentences(text)[:points]


_STEMMER = Stemmer("english")
_STOP_WORDS = get_stop_words("english")


def sumy_lexrank(text: str, points: int) -> Sequence[str]:
    """Stock sumy LexRank (english stemmer and stop words) over the same splitter."""
    tokenizer = Tokenizer("en")
    paragraphs = [
        Paragraph([Sentence(s, tokenizer) for s in tokenizer.to_sentences(block)])
        for block in text.split("\n\n")
    ]
    summarizer = LexRankSummarizer(_STEMMER)
    summarizer.stop_words = _STOP_WORDS
    return [str(s) for s in summarizer(ObjectDocumentModel(paragraphs), points)]


def ours(algorithm: Algorithm) -> System:
    """digest's key_points with one algorithm."""

    def run(text: str, points: int) -> Sequence[str]:
        return key_points(text, points=points, algorithm=algorithm, language="en")

    return run


def rouge(system: System, rows: Sequence[dict[str, Any]], points: int) -> dict[str, float]:
    """Mean ROUGE F1 (percent) of one system's key points against the highlights."""
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    totals = dict.fromkeys(METRICS, 0.0)
    for row in rows:
        # rougeLsum takes sentences one per line, in the summary and in the reference.
        scores = scorer.score(row["reference"], "\n".join(system(row["text"], points)))
        for metric in METRICS:
            totals[metric] += scores[metric].fmeasure
    return {metric: 100 * total / len(rows) for metric, total in totals.items()}


def speeds(
    systems: dict[str, System], rows: Sequence[dict[str, Any]], points: int, repeat: int
) -> dict[str, float]:
    """Milliseconds per article of each system, best of ``repeat`` interleaved passes.

    Passes alternate between systems so that a busy machine slows them all alike.
    """
    best = dict.fromkeys(systems, float("inf"))
    for _ in range(repeat):
        for name, system in systems.items():
            start = time.perf_counter()
            for row in rows:
                system(row["text"], points)
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: 1000 * seconds / len(rows) for name, seconds in best.items()}


def main(argv: Sequence[str] | None = None) -> None:
    """Run every system on both halves of news_dev.jsonl and print one table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    default = Path(os.environ.get("DIGEST_SHARED", ROOT.parent / "shared"))
    parser.add_argument("--shared", type=Path, default=default, help="the shared folder")
    parser.add_argument("--points", type=int, default=3, help="key points per article")
    parser.add_argument("--repeat", type=int, default=3, help="timing passes (best is kept)")
    parser.add_argument("--all", action="store_true", help="also sumy's other algorithms")
    args = parser.parse_args(argv)
    path = args.shared / "data" / "news_dev.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    halves = {"tune (even rows)": rows[0::2], "check (odd rows)": rows[1::2], "all": rows}
    systems: dict[str, System] = {
        "Lead-3 (raw sentences)": lead_raw,
        "sumy LexRank (stock)": sumy_lexrank,
        "digest: lead": ours("lead"),
        "digest: lexrank": ours("lexrank"),
    }
    if args.all:
        for name in ("textrank", "luhn", "lsa", "sumbasic", "kl"):
            systems[f"digest: {name}"] = ours(name)  # type: ignore[arg-type,unused-ignore]
    systems["digest: digest (ours)"] = ours("digest")

    print(f"{path}: {len(rows)} articles, {args.points} points, ROUGE F1 x100 (stemmed)")
    top = f"{'':<24}" + "".join(f" | {half:^18}" for half in halves) + " |"
    head = f"{'system':<24}" + " |  R-1   R-2  R-Lsum" * len(halves) + " | ms/article"
    print(top)
    print(head)
    print("-" * len(head))
    for system in systems.values():
        system(rows[0]["text"], args.points)  # warm up: imports, stop words, stemmer
    timings = speeds(systems, rows, args.points, args.repeat)
    for name, system in systems.items():
        cells = []
        for half_rows in halves.values():
            scores = rouge(system, half_rows, args.points)
            cells.append(" | " + " ".join(f"{scores[m]:5.2f}" for m in METRICS) + " ")
        print(f"{name:<24}" + "".join(cells) + f"| {timings[name]:7.2f}")
    ratio = timings["sumy LexRank (stock)"] / timings["digest: digest (ours)"]
    print(
        f"\ndigest's selector, split to selection, is {ratio:.1f}x faster than stock sumy"
        " LexRank over the same splitter."
    )


if __name__ == "__main__":
    main()
