"""Benchmark edits of one big TOML subscriber file against reading it, in this one run.

    python benchmarks/subscriber_edits.py [--entries N] [--updates K] [--repeat R]

A made-up list of N subscribers in a TOML file (a comment every 50 entries, some keys
with comments of their own). Timed, each the median of R runs on a fresh copy:

1. baseline: tomllib.loads of the file (what any reader of it pays);
2. reading: every entry checked, with its line (`subscribers.entries`);
3. one edit: `set_status` of the last subscriber (read, lock, edit, write);
4. many edits: `import_csv` of a CSV that changes K subscribers and adds K/10 (one
   locked write), the case where an editor that finds its place per change is slow.

Figures are printed in ms and as ratios to the baseline. The CPU is shared and noisy:
compare ratios, not milliseconds, across runs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.config._load import load_settings  # noqa: E402
from digest.subscribers._edits import set_status  # noqa: E402
from digest.subscribers._import import import_csv  # noqa: E402
from digest.subscribers._subscribers import SubscriberEntry, entries  # noqa: E402

CONFIG = """# benchmark config
sender = "Briefing <news@example.org>"
base_url = "https://news.example.org"
transport = "outbox"

[lists.daily]
title = "Daily"
subscribers_file = "readers.toml"

[[lists.daily.sources]]
name = "Notes"
type = "folder"
path = "notes"
"""


def readers(count: int) -> str:
    """A TOML subscriber file of `count` entries, written as people write them."""
    parts = ["# Readers of the daily list.\n# One [[subscribers]] table each.\n"]
    for n in range(count):
        if n % 50 == 0:
            parts.append(f"\n# signed up in batch {n // 50}")
        parts.append(f'\n[[subscribers]]\nemail = "reader{n}@example.org"\n')
        parts.append(f'name = "Reader {n}"  # as they wrote it\n')
        if n % 3 == 0:
            parts.append('topics = ["bikes", "-sport"]\n')
        if n % 7 == 0:
            parts.append('format = "text"\n')
    return "".join(parts)


def import_rows(count: int, updates: int) -> str:
    """A CSV export that gives `updates` subscribers a new name and adds updates/10."""
    step = max(1, count // max(1, updates))
    rows = ["email,name,timezone"]
    rows += [f"reader{n}@example.org,Renamed {n},Europe/Berlin" for n in range(0, count, step)]
    rows += [f"new{n}@example.org,New {n}," for n in range(max(1, updates // 10))]
    return "\n".join(rows) + "\n"


def median_ms(action: Callable[[], object], prepare: Callable[[], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        prepare()
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "notes").mkdir()
        config = base / "digest.toml"
        config.write_text(CONFIG, encoding="utf-8")
        text = readers(args.entries)
        pristine = base / "pristine.toml"
        pristine.write_text(text, encoding="utf-8")
        target = base / "readers.toml"
        csv_path = base / "import.csv"
        csv_path.write_text(import_rows(args.entries, args.updates), encoding="utf-8")

        def fresh() -> None:
            shutil.copyfile(pristine, target)

        fresh()
        settings = load_settings(config, environ={})
        item = settings.lists[0]
        last = f"reader{args.entries - 1}@example.org"

        def read() -> int:
            return sum(isinstance(e, SubscriberEntry) for e in entries(item))

        fresh()
        assert read() == args.entries
        report = import_csv(settings, item, csv_path)
        changed = len(report.updated), len(report.added)
        fresh()

        figures = [
            (
                "tomllib.loads (baseline)",
                median_ms(lambda: tomllib.loads(text), fresh, args.repeat),
            ),
            ("read every entry", median_ms(read, fresh, args.repeat)),
            (
                "one edit (set_status)",
                median_ms(lambda: set_status(settings, item, last, "paused"), fresh, args.repeat),
            ),
            (
                f"import: {changed[0]} updated, {changed[1]} added",
                median_ms(lambda: import_csv(settings, item, csv_path), fresh, args.repeat),
            ),
        ]
    baseline = figures[0][1]
    print(f"{args.entries} subscribers in one TOML file, median of {args.repeat} runs")
    for name, ms in figures:
        print(f"  {name:<36} {ms:10.1f} ms  {ms / baseline:8.2f} x baseline")


if __name__ == "__main__":
    main()
