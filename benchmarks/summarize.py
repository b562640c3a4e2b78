"""Benchmark the summarize stage: ROUGE and speed of Lead-3, stock sumy LexRank/TextRank and digest.

Usage: python benchmarks/summarize.py [--shared PATH] [--points N] [--repeat N] [--all]

Reads news_dev.jsonl (CNN, publisher highlights) and bbc_dev.jsonl (BBC, extractive
references) from the shared folder and prints, per set, ROUGE-1/2/Lsum F1 (rouge-score,
stemming on) of each system on the rows digest's selector was tuned on and on the rows
held out for checking it (every third row: row index % 3 == 2), the gain over Lead-3,
and how many articles with a sentence of 6+ words got no key point. Then the same
articles in other shapes (one line per article, the last sentence's stop dropped, a
caption and a cut-off teaser added), and the speed of each system over both sets, as a
ratio against stock sumy LexRank measured in the same run. Timings cover splitting,
scoring and selecting, not ROUGE.

Baselines as the data README describes them: sentences by syntok, as they come, in
document order (Lead-3, sumy LexRank and TextRank with sumy's English stemmer and stop
words). digest runs with ``language="en"`` as a run passes it (extract detects it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import syntok.segmenter as segmenter  # noqa: E402
from rouge_score import rouge_scorer  # noqa: E402
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence  # noqa: E402
from sumy.nlp.stemmers import Stemmer  # noqa: E402
from sumy.summarizers.lex_rank import LexRankSummarizer  # noqa: E402
from sumy.summarizers.text_rank import TextRankSummarizer  # noqa: E402
from sumy.utils import get_stop_words  # noqa: E402

from digest.config import Algorithm  # noqa: E402
from digest.summarize import key_points  # noqa: E402
from digest.summarize._sentences import Tokenizer  # noqa: E402

System = Callable[[str, int], Sequence[str]]
METRICS = ("rouge1", "rouge2", "rougeLsum")
SETS = {"CNN": "news_dev.jsonl", "BBC": "bbc_dev.jsonl"}
BASELINE = "Lead-3 (syntok)"
SPEED_BASELINE = "sumy LexRank (stock, syntok)"


def is_check_row(index: int) -> bool:
    """Whether a row is held out from tuning: every third row of each file."""
    return index % 3 == 2


class _SyntokTokenizer(Tokenizer):
    """syntok's sentences as they are, dateline and all: the baselines' splitter."""

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """syntok's sentences of a paragraph."""
        return tuple(
            "".join(token.spacing + token.value for token in sentence).strip()
            for block in segmenter.process(paragraph)
            for sentence in block
        )


_SYNTOK = _SyntokTokenizer("en")
_STEMMER = Stemmer("english")
_STOP_WORDS = get_stop_words("english")


def _paragraphs(text: str) -> list[str]:
    return [block for block in re.split(r"\n\s*\n", text) if block.strip()]


def lead(text: str, points: int) -> Sequence[str]:
    """Lead-N: the first N syntok sentences."""
    return [s for block in _paragraphs(text) for s in _SYNTOK.to_sentences(block)][:points]


def stock(factory: Any, tokenizer: Tokenizer) -> System:
    """One of sumy's summarizers as it comes (English stemmer, stop words) over a splitter."""

    def run(text: str, points: int) -> Sequence[str]:
        paragraphs = [
            Paragraph([Sentence(s, tokenizer) for s in tokenizer.to_sentences(block)])
            for block in _paragraphs(text)
        ]
        summarizer = factory(_STEMMER)
        summarizer.stop_words = _STOP_WORDS
        return [str(s) for s in summarizer(ObjectDocumentModel(paragraphs), points)]

    return run


def ours(algorithm: Algorithm) -> System:
    """digest's key_points with one algorithm."""

    def run(text: str, points: int) -> Sequence[str]:
        return key_points(text, points=points, algorithm=algorithm, language="en")

    return run


def rouge(system: System, rows: Sequence[dict[str, Any]], points: int) -> dict[str, float]:
    """Mean ROUGE F1 (percent) of a system's key points, and its empty results."""
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    totals = dict.fromkeys(METRICS, 0.0)
    empty = 0
    for row in rows:
        picked = system(row["text"], points)
        empty += not picked and has_long_sentence(row["text"])
        # rougeLsum takes sentences one per line, in the summary and in the reference.
        scores = scorer.score(row["reference"], "\n".join(picked))
        for metric in METRICS:
            totals[metric] += scores[metric].fmeasure
    result = {metric: 100 * total / len(rows) for metric, total in totals.items()}
    result["empty"] = empty
    return result


def has_long_sentence(text: str) -> bool:
    """Whether a text has a (syntok) sentence of 6 or more words."""
    return any(
        len(re.findall(r"\w+", s)) >= 6 for b in _paragraphs(text) for s in _SYNTOK.to_sentences(b)
    )


def reshaped(rows: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The same articles in shapes other outlets and feeds give them."""

    def change(edit: Callable[[str], str]) -> list[dict[str, Any]]:
        return [{**row, "text": edit(row["text"])} for row in rows]

    def one_line(text: str) -> str:
        return " ".join(text.split())

    def no_last_stop(text: str) -> str:
        return re.sub(r"[.!?]+([\"'\u201d\u2019]*)\s*$", r"\1", text.rstrip())

    def caption_and_teaser(text: str) -> str:
        blocks = _paragraphs(text)
        caption = "Pictured: the scene on Tuesday morning, as seen from the road above"
        blocks.insert(1, caption)
        return " ".join(blocks) + " Scroll down for video. Read more: what happens next and why it"

    return {
        "one line per article": change(one_line),
        "no final stop": change(no_last_stop),
        "one line, caption, cut-off teaser": change(caption_and_teaser),
    }


def speeds(
    systems: dict[str, System], rows: Sequence[dict[str, Any]], points: int, repeat: int
) -> dict[str, float]:
    """Seconds for all rows of each system, best of ``repeat`` interleaved passes.

    Passes alternate between systems so that a busy machine slows them all alike, and
    each counts the CPU time of this process (the stage is single-threaded), not the
    wall clock, which the other users of the machine's two shared cores move.
    """
    best = dict.fromkeys(systems, float("inf"))
    for _ in range(repeat):
        for name, system in systems.items():
            start = time.process_time()
            for row in rows:
                system(row["text"], points)
            best[name] = min(best[name], time.process_time() - start)
    return best


def _table(
    title: str, systems: dict[str, System], parts: dict[str, Sequence[dict[str, Any]]], points: int
) -> None:
    """One table: ROUGE of every system on every part, and the gain over Lead-3."""
    print(f"\n{title}")
    print(f"{'':<30}" + "".join(f" | {f'{n} ({len(r)})':^28}" for n, r in parts.items()) + " |")
    print(f"{'system':<30}" + " |  R-1   R-2  R-Lsum  empty   " * len(parts) + " |")
    results = {
        name: {p: rouge(s, rows, points) for p, rows in parts.items()}
        for name, s in systems.items()
    }
    for name, by_part in results.items():
        cells = [
            " | " + " ".join(f"{r[m]:5.2f}" for m in METRICS) + f" {int(r['empty']):5d}    "
            for r in by_part.values()
        ]
        print(f"{name:<30}" + "".join(cells) + " |")
    base = results[BASELINE]
    for name in (n for n in results if n.startswith("digest (ours)")):
        cells = [
            " | " + " ".join(f"{r[m] - base[p][m]:+5.2f}" for m in METRICS) + " " * 10
            for p, r in results[name].items()
        ]
        print(f"{'  gain over Lead-3':<30}" + "".join(cells) + " |")


def main(argv: Sequence[str] | None = None) -> None:
    """Run every system on both sets (tuning and held-out rows) and print the tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    default = Path(os.environ.get("DIGEST_SHARED", ROOT.parent / "shared"))
    parser.add_argument("--shared", type=Path, default=default, help="the shared folder")
    parser.add_argument("--points", type=int, default=3, help="key points per article")
    parser.add_argument("--repeat", type=int, default=3, help="timing passes (best is kept)")
    parser.add_argument("--all", action="store_true", help="also sumy's other algorithms")
    parser.add_argument("--speed", action="store_true", help="only the speed figures")
    args = parser.parse_args(argv)
    data = {
        name: [json.loads(line) for line in (args.shared / "data" / file).read_text().splitlines()]
        for name, file in SETS.items()
    }
    digest_tokenizer = Tokenizer("en")
    systems: dict[str, System] = {
        BASELINE: lead,
        SPEED_BASELINE: stock(LexRankSummarizer, _SYNTOK),
        "sumy LexRank (stock, digest's)": stock(LexRankSummarizer, digest_tokenizer),
        "sumy TextRank (stock, syntok)": stock(TextRankSummarizer, _SYNTOK),
        "digest: lead": ours("lead"),
    }
    if args.all:
        for name in ("lexrank", "textrank", "luhn", "lsa", "sumbasic", "kl"):
            systems[f"digest: {name}"] = ours(name)  # type: ignore[arg-type,unused-ignore]
    systems["digest (ours)"] = ours("digest")
    for system in systems.values():
        system(data["CNN"][0]["text"], args.points)  # warm up: imports, stop words, stemmer
    if args.speed:
        _speed(systems, data, args.points, args.repeat)
        return
    print(f"{args.points} key points per article; ROUGE F1 x100 (rouge-score, stemmed);")
    print("empty: articles with a sentence of 6+ words that got no key point")
    for name, rows in data.items():
        parts = {
            "tuned on": [r for i, r in enumerate(rows) if not is_check_row(i)],
            "held out": [r for i, r in enumerate(rows) if is_check_row(i)],
        }
        _table(f"{name}: {SETS[name]}", systems, parts, args.points)
    shapes = {
        f"{name}, {shape}": variant
        for name, rows in data.items()
        for shape, variant in reshaped([r for i, r in enumerate(rows) if is_check_row(i)]).items()
    }
    compared = {n: systems[n] for n in (BASELINE, "digest: lead", "digest (ours)")}
    for name in SETS:
        parts = {k.split(", ", 1)[1]: v for k, v in shapes.items() if k.startswith(name)}
        _table(f"{name}, held-out rows in other shapes", compared, parts, args.points)
    _speed(systems, data, args.points, args.repeat)


def _speed(
    systems: dict[str, System], data: dict[str, list[dict[str, Any]]], points: int, repeat: int
) -> None:
    """Time every system over both sets and print the ratios against stock LexRank."""
    every = [row for rows in data.values() for row in rows]
    timed = speeds(systems, every, points, repeat)
    print(f"\nspeed over {len(every)} articles (split + select), best of {repeat} passes:")
    for name, seconds in timed.items():
        ratio = timed[SPEED_BASELINE] / seconds
        print(f"  {name:<32} {1000 * seconds / len(every):7.2f} ms/article  {ratio:5.2f}x")
    against_own = timed["sumy LexRank (stock, digest's)"] / timed["digest (ours)"]
    print(
        f"digest's selector is {timed[SPEED_BASELINE] / timed['digest (ours)']:.1f}x as fast as"
        f" stock sumy LexRank over syntok, {against_own:.1f}x as fast as stock LexRank over"
        " digest's own splitter."
    )


if __name__ == "__main__":
    main()
