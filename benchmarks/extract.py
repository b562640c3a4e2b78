"""Benchmark the extract stage on the shared dev data, side by side with its baselines.

    python benchmarks/extract.py [--shared PATH] [--verbose]

HTML, two sets: extract_dev.jsonl (Scrapinghub benchmark pages, 2019) and
extract2_dev.jsonl (Dragnet and L3S-GN1 news and blog pages, 2008-2012, many with reader
comments). digest's extractor runs against trafilatura (defaults; comments off;
favor_precision with comments off) and readability-lxml (summary → html-text), all in
this one run; "digest, trafilatura pass" is digest's first pass alone, before the second
extractor's vote and the comment cut, so the difference in time is what those cost;
"digest, no thread cut" is digest without the structural cut of comment threads
(`_threads`), so the difference is what that cut does, in F1 and in time.
Plain text (text_dev.jsonl): digest's clutter cleaner vs no cleaning at all.

Each set is split by web site into a tuning part and a held-out part (a third of the
sites, by a hash of the site's name), so that what was tuned on one part is checked on
sites it never saw; F1 is printed for all pages, the tuning part and the held-out part.
Metric (the data README's): bags of \\w+ tokens per page → precision and recall; mean
precision over pages with output, mean recall over all pages, F1 of the two means.
Time is CPU time per page (time.process_time), the median, and its ratio to trafilatura
with its defaults measured in the same run, the systems taking turns page by page.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import html_text
import trafilatura
from readability import Document

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.extract import _extract, main_text  # noqa: E402
from digest.extract._extract import _trafilatura_parts  # noqa: E402

_TOKEN = re.compile(r"\w+")
_HREF = re.compile(r"""href\s*=\s*["']?https?://([^/"'\s>:]+)""", re.IGNORECASE)
# Second-level labels under which a registrable domain has three labels (news.bbc.co.uk).
_SECOND_LEVEL = {"co", "com", "net", "org", "gov", "ac", "edu"}
_HELD_OUT_SHARE = 3  # one site in three is held out

Row = dict[str, str]
System = Callable[[str, str], str]


@dataclass(frozen=True, slots=True)
class Score:
    """Mean precision, mean recall and their F1 over some pages."""

    precision: float
    recall: float
    f1: float


def _page_scores(predicted: str, gold: str) -> tuple[float | None, float]:
    """Token-bag precision (None when nothing was predicted) and recall of one page."""
    pred, ref = Counter(_TOKEN.findall(predicted)), Counter(_TOKEN.findall(gold))
    overlap = sum((pred & ref).values())
    precision = overlap / sum(pred.values()) if pred else None
    recall = overlap / sum(ref.values()) if ref else 1.0
    return precision, recall


def _score(pages: list[tuple[float | None, float]]) -> Score:
    """The data README's means and F1 over per-page (precision, recall) pairs."""
    precisions = [p for p, _ in pages if p is not None]
    mean_p = statistics.fmean(precisions) if precisions else 0.0
    mean_r = statistics.fmean(r for _, r in pages) if pages else 0.0
    f1 = 2 * mean_p * mean_r / (mean_p + mean_r) if mean_p + mean_r else 0.0
    return Score(mean_p, mean_r, f1)


def site(row: Row) -> str:
    """The web site of a page: its URL's registrable domain, else the one most links name."""
    hosts = [urlsplit(row["url"]).hostname or ""] if row.get("url") else []
    if not hosts or not hosts[0]:
        hosts = _HREF.findall(row.get("html", ""))
    domains = Counter(_registrable(host) for host in hosts if host)
    return domains.most_common(1)[0][0] if domains else row["id"]


def _registrable(host: str) -> str:
    labels = host.lower().rstrip(".").split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def is_held_out(row: Row) -> bool:
    """True for the pages of the held-out third of the sites."""
    digest = hashlib.sha256(site(row).encode("utf-8")).digest()
    return digest[0] % _HELD_OUT_SHARE == 0


def run(
    rows: list[Row], field: str, systems: list[tuple[str, System]], verbose: bool
) -> list[tuple[str, list[Score], float]]:
    """Each system's scores (all pages, tuning part, held-out part) and median CPU ms.

    The systems take turns page by page (in an order that rotates), so that a busy spell
    on the shared machine slows them all alike and the ratios between them hold.
    """
    pages: list[list[tuple[float | None, float]]] = [[] for _ in systems]
    times: list[list[float]] = [[] for _ in systems]
    for n, row in enumerate(rows):
        for k in range(len(systems)):
            i = (n + k) % len(systems)
            started = time.process_time()
            output = systems[i][1](row[field], row["url"])
            times[i].append(time.process_time() - started)
            pages[i].append(_page_scores(output, row["gold"]))
    held = [is_held_out(row) for row in rows]
    results = []
    for (name, _), scores, spent in zip(systems, pages, times, strict=True):
        if verbose:
            print(f"{name}:")
            for (precision, recall), row in zip(scores, rows, strict=True):
                shown = "-" if precision is None else f"{precision:.2f}"
                print(f"  P {shown:>4} R {recall:.2f}  {row['id'][:24]:<24} {row['url'][:70]}")
        parts = [
            _score(scores),
            _score([page for page, h in zip(scores, held, strict=True) if not h]),
            _score([page for page, h in zip(scores, held, strict=True) if h]),
        ]
        results.append((name, parts, statistics.median(spent) * 1000))
    return results


def _digest_html(html: str, url: str) -> str:
    return main_text(html, "html", url or None).text


def _digest_no_threads(html: str, url: str) -> str:
    """digest without the structural comment-thread cut (`_threads`): what it adds."""
    drop_threads = _extract.drop_threads
    _extract.drop_threads = lambda tree: False
    try:
        return main_text(html, "html", url or None).text
    finally:
        _extract.drop_threads = drop_threads


def _digest_first_pass(html: str, url: str) -> str:
    """digest's trafilatura pass alone: what the vote and the comment cut start from."""
    return "\n\n".join(part.text for part in _trafilatura_parts(html, url or None))


def _trafilatura(**options: bool) -> System:
    def extract(html: str, url: str) -> str:
        return trafilatura.extract(html, url=url or None, **options) or ""

    return extract


def _readability(html: str, url: str) -> str:
    try:
        return str(html_text.extract_text(Document(html).summary(html_partial=True)))
    except Exception:  # readability raises on pages it cannot parse: nothing found
        return ""


def _digest_text(text: str, url: str) -> str:
    return main_text(text, "text", url).text


def _no_cleaning(text: str, url: str) -> str:
    return text


def _load(path: Path) -> list[Row]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def main() -> None:
    """Print one table: each system's P, R and F1 (all, tuning, held-out) and CPU ms."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--verbose", action="store_true", help="print per-page scores")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # the libraries log every page they find hard
    data = args.shared / "data"
    html_sets = [
        ("scrapinghub", _load(data / "extract_dev.jsonl")),
        ("dragnet+l3s", _load(data / "extract2_dev.jsonl")),
    ]
    html_systems: list[tuple[str, System]] = [
        ("digest extract", _digest_html),
        ("trafilatura defaults", _trafilatura()),
        ("trafilatura precision", _trafilatura(favor_precision=True, include_comments=False)),
        ("trafilatura no comments", _trafilatura(include_comments=False)),
        ("readability-lxml", _readability),
        ("digest, trafilatura pass", _digest_first_pass),
        ("digest, no thread cut", _digest_no_threads),
    ]
    text_rows = _load(data / "text_dev.jsonl")
    text_systems: list[tuple[str, System]] = [
        ("digest cleaner", _digest_text),
        ("no cleaning", _no_cleaning),
    ]
    for name, rows in html_sets:
        held = sum(is_held_out(row) for row in rows)
        sites = len({site(row) for row in rows})
        print(f"{name}: {len(rows)} pages, {sites} sites; held out {held} pages")
    print(
        f"\n{'data':<12} {'system':<24} {'P':>6} {'R':>6} {'F1':>6} {'tune':>6} {'held':>6}"
        f" {'ms/page':>8} {'x base':>7}"
    )
    runs = [(name, rows, "html", html_systems) for name, rows in html_sets]
    runs.append(("text_dev", text_rows, "text", text_systems))
    for data_name, rows, field, systems in runs:
        if args.verbose:
            print(f"{data_name}:")
        results = run(rows, field, systems, args.verbose)
        # The baseline is the second system: trafilatura's defaults, or no cleaning.
        base_ms = results[1][2]
        for name, (every, tune, held), ms in results:
            # No cleaning takes no time: a ratio to it means nothing.
            ratio = f"{ms / base_ms:7.2f}" if base_ms >= 0.05 else f"{'-':>7}"
            print(
                f"{data_name:<12} {name:<24} {every.precision:6.3f} {every.recall:6.3f}"
                f" {every.f1:6.3f} {tune.f1:6.3f} {held.f1:6.3f} {ms:8.1f} {ratio}"
            )


if __name__ == "__main__":
    main()
