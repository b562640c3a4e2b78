"""Delivery marks per second: the state store (errors translated, the reserve) vs raw sqlite3.

Run: python benchmarks/state_marks.py [--recipients N] [--rounds R]
One edition of N recipients is recorded, then every recipient is marked sent one by
one, as a send does: through digest's StateStore (GuardedConnection, which turns a full
or read-only disk into a StateError), through the same store on a plain connection (as
before issue 17), and through a plain sqlite3 connection running the same UPDATE, each
on its own copy of the same file. Both in the same run, interleaved, best of R;
the figure is the ratio, since this machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from digest.state import StateStore

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def prepare(folder: Path, recipients: int) -> tuple[Path, int]:
    path = folder / "digest.sqlite"
    with StateStore(path) as store:
        edition = store.create_edition(
            "daily",
            NOW,
            b"{}",
            ["g1"],
            ((f"reader{n}@example.org", f"Reader {n}") for n in range(recipients)),
        )
    return path, edition


def digest_marks(path: Path, edition: int, recipients: int) -> float:
    with StateStore(path) as store:
        started = time.perf_counter()
        for n in range(recipients):
            store.mark_delivery(edition, f"reader{n}@example.org", "sent", NOW)
        return recipients / (time.perf_counter() - started)


def unguarded_marks(path: Path, edition: int, recipients: int) -> float:
    """The StateStore as it was before its connection translated disk errors."""
    with StateStore(path) as store:
        store._db.close()
        store._db = sqlite3.connect(path, isolation_level=None)  # a plain connection
        store._db.execute("PRAGMA synchronous=NORMAL")
        started = time.perf_counter()
        for n in range(recipients):
            store.mark_delivery(edition, f"reader{n}@example.org", "sent", NOW)
        return recipients / (time.perf_counter() - started)


def raw_marks(path: Path, edition: int, recipients: int) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    when = NOW.isoformat()
    started = time.perf_counter()
    for n in range(recipients):
        db.execute(
            "UPDATE deliveries SET status = ?, error = ?, attempts = attempts + 1, updated = ?"
            " WHERE edition_id = ? AND email = ?",
            ("sent", None, when, edition, f"reader{n}@example.org"),
        )
    rate = recipients / (time.perf_counter() - started)
    db.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    best = {"raw": 0.0, "unguarded": 0.0, "digest": 0.0}
    with tempfile.TemporaryDirectory() as folder:
        template, edition = prepare(Path(folder), args.recipients)
        for round_ in range(args.rounds):
            for name, mark in (
                ("raw", raw_marks),
                ("unguarded", unguarded_marks),
                ("digest", digest_marks),
            ):
                copy = Path(folder) / f"{name}-{round_}.sqlite"
                shutil.copy(template, copy)
                best[name] = max(best[name], mark(copy, edition, args.recipients))
    print(f"{args.recipients} marks, best of {args.rounds}")
    print(f"raw sqlite3 UPDATE         {best['raw']:9,.0f}/s   1.00x")
    for name, label in (
        ("unguarded", "StateStore, plain conn."),
        ("digest", "StateStore (guarded)"),
    ):
        print(f"{label:<26} {best[name]:9,.0f}/s   {best[name] / best['raw']:.2f}x")
    print(f"guarded / plain connection: {best['digest'] / best['unguarded']:.2f}x")


if __name__ == "__main__":
    main()
