"""Check the extract stage on pages with expectations, side by side with trafilatura.

    python benchmarks/extract_checks.py --pages DIR --expectations FILE [--verbose]

A third check beside benchmarks/extract.py's gold-text sets: pages of other sites, each
with strings its main text must contain and strings it must not (menus, teasers, forms,
and reader comments, counted apart). Not run in CI: the pages are not part of the project.

FILE holds one JSON object per line:
    {"file": "page.html", "url": "https://…", "must": ["…"], "must_not": ["…"],
     "comments": ["…"]}
`file` is relative to DIR; `must` are strings of the article; `must_not` are strings of
the page's clutter; `comments` are strings of its reader comments (a comment's text, its
author line, a pingback), which digest must leave out whatever another extractor keeps.
A string counts as found when it occurs in the extracted text with whitespace squashed.

For each system it prints: expected strings found, clutter strings leaked, comment
strings leaked, pages with no text, and (with --verbose) every miss and leak by page.
Both systems run on each page in turn, and their median CPU time per page is printed
as a ratio to trafilatura's, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.extract import main_text  # noqa: E402

System = Callable[[str, str], str]


@dataclass(frozen=True, slots=True)
class Expectation:
    """One page and what its main text must and must not hold."""

    file: str
    url: str
    must: tuple[str, ...]
    must_not: tuple[str, ...]
    comments: tuple[str, ...]


@dataclass(slots=True)
class Tally:
    """One system's counts over the pages."""

    found: int = 0
    leaked: int = 0
    comments_leaked: int = 0
    empty: int = 0
    seconds: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _digest(html: str, url: str) -> str:
    return main_text(html, "html", url or None).text


def _trafilatura(html: str, url: str) -> str:
    return trafilatura.extract(html, url=url or None) or ""


def load(path: Path) -> list[Expectation]:
    """The expectations of FILE, one page a line."""
    rows = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                rows.append(
                    Expectation(
                        file=row["file"],
                        url=row.get("url", ""),
                        must=tuple(row.get("must", ())),
                        must_not=tuple(row.get("must_not", ())),
                        comments=tuple(row.get("comments", ())),
                    )
                )
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                sys.exit(f"{path}:{number}: not an expectation line ({exc}); see --help")
    return rows


def check(text: str, page: Expectation, tally: Tally) -> None:
    """Count one page's found, leaked and comment strings into a tally."""
    text = _squash(text)
    if not text:
        tally.empty += 1
        tally.notes.append(f"{page.file}: no text")
    for wanted in page.must:
        if _squash(wanted) in text:
            tally.found += 1
        else:
            tally.notes.append(f"{page.file}: missing {wanted!r}")
    for unwanted in page.must_not:
        if _squash(unwanted) in text:
            tally.leaked += 1
            tally.notes.append(f"{page.file}: leaked {unwanted!r}")
    for comment in page.comments:
        if _squash(comment) in text:
            tally.comments_leaked += 1
            tally.notes.append(f"{page.file}: leaked comment {comment!r}")


def main() -> None:
    """Print each system's counts and CPU time over the pages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, required=True, help="folder of the pages")
    parser.add_argument("--expectations", type=Path, required=True, help="JSON lines")
    parser.add_argument("--verbose", action="store_true", help="print every miss and leak")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # the libraries log every page they find hard
    pages = load(args.expectations)
    systems: list[tuple[str, System]] = [
        ("digest extract", _digest),
        ("trafilatura defaults", _trafilatura),
    ]
    tallies = [Tally() for _ in systems]
    for n, page in enumerate(pages):
        html = (args.pages / page.file).read_text(encoding="utf-8", errors="replace")
        for k in range(len(systems)):
            i = (n + k) % len(systems)  # take turns, so a busy spell slows both alike
            started = time.process_time()
            text = systems[i][1](html, page.url)
            tallies[i].seconds.append(time.process_time() - started)
            check(text, page, tallies[i])
    musts = sum(len(page.must) for page in pages)
    clutter = sum(len(page.must_not) for page in pages)
    comments = sum(len(page.comments) for page in pages)
    print(
        f"{len(pages)} pages: {musts} expected strings, {clutter} clutter strings,"
        f" {comments} reader-comment strings"
    )
    print(
        f"\n{'system':<22} {'found':>9} {'clutter':>9} {'comments':>9} {'empty':>6}"
        f" {'ms/page':>8} {'x base':>7}"
    )
    base_ms = statistics.median(tallies[1].seconds) * 1000
    for (name, _), tally in zip(systems, tallies, strict=True):
        ms = statistics.median(tally.seconds) * 1000
        print(
            f"{name:<22} {tally.found:>4}/{musts:<4} {tally.leaked:>4}/{clutter:<4}"
            f" {tally.comments_leaked:>4}/{comments:<4} {tally.empty:>6}"
            f" {ms:8.1f} {ms / base_ms:7.2f}"
        )
    if args.verbose:
        for (name, _), tally in zip(systems, tallies, strict=True):
            print(f"\n{name}:")
            for note in tally.notes:
                print(f"  {note}")


if __name__ == "__main__":
    main()
