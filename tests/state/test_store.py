"""The state store on a real SQLite file: migrations, and each table's round trip."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from digest.models import RawArticle
from digest.state import HeldArticle, IntakeRecord, StateStore
from digest.state._migrations import MIGRATIONS, migrate
from digest.state._store import _use_wal

from ..conftest import ROOT

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)

OLD_SCHEMA = """
CREATE TABLE seen (list_name TEXT NOT NULL, guid TEXT NOT NULL, seen_at TEXT NOT NULL,
    PRIMARY KEY (list_name, guid));
CREATE TABLE deliveries (edition_id INTEGER NOT NULL, email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '', status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT, updated TEXT NOT NULL, PRIMARY KEY (edition_id, email));
CREATE TABLE source_fetches (list_name TEXT NOT NULL, source_name TEXT NOT NULL,
    fetched_at TEXT NOT NULL, items INTEGER NOT NULL, error TEXT,
    PRIMARY KEY (list_name, source_name));
INSERT INTO seen VALUES ('daily', 'guid-1', '2026-11-01T06:00:00+00:00');
INSERT INTO source_fetches VALUES ('daily', 'Feed', '2026-11-01T06:00:00+00:00', 3, NULL);
INSERT INTO source_fetches VALUES ('daily', 'Broken', '2026-11-01T06:00:00+00:00', 0, 'boom');
"""
"""A database as a version before migrations made it: no variant column, no known_sources."""


def applied(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT name FROM _migrations ORDER BY name")]


def test_a_new_database_gets_every_migration_once(tmp_path):
    path = tmp_path / "state.sqlite"
    StateStore(path).close()
    StateStore(path).close()

    assert applied(path) == [migration.name for migration in MIGRATIONS]


def test_a_database_from_before_migrations_is_upgraded_and_keeps_its_rows(tmp_path):
    path = tmp_path / "state.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)

    with StateStore(path) as store:
        # A bare guid of before 0005 still marks its article sent, whatever its source.
        assert store.seen_keys("daily") == {"legacy:guid-1"}
        assert store.known_sources("daily") == {"Feed"}  # fetched without error before
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(deliveries)")}
    assert "variant" in columns
    assert applied(path) == [migration.name for migration in MIGRATIONS]


OPEN = """
import sys
from pathlib import Path
from digest.models import RawArticle
from digest.state import HeldArticle, IntakeRecord, StateStore
StateStore(Path(sys.argv[1])).close()
"""


def test_processes_opening_a_new_database_at_once_apply_each_migration_once(tmp_path):
    path = tmp_path / "state.sqlite"
    env = {"PYTHONPATH": str(ROOT)}
    openers = [
        subprocess.Popen([sys.executable, "-c", OPEN, str(path)], env=env, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [opener.communicate(timeout=60)[1] for opener in openers]

    assert [opener.returncode for opener in openers] == [0, 0, 0, 0], errors
    assert applied(path) == [migration.name for migration in MIGRATIONS]


def test_migrations_write_only_under_the_write_lock(tmp_path):
    """A write that starts as a read (a statement of its own in autocommit) is refused at
    once, busy timeout or not, when another process wrote in between: two processes
    making one new database failed now and then with "database is locked"."""
    db = sqlite3.connect(tmp_path / "state.sqlite", isolation_level=None)
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    migrate(db)

    is_locked = False
    for sql in statements:
        head = sql.split()[0].upper()
        if head == "BEGIN":
            assert sql == "BEGIN IMMEDIATE"
            is_locked = True
        elif head in ("COMMIT", "ROLLBACK"):
            is_locked = False
        else:
            assert is_locked, sql
    assert len(statements) > len(MIGRATIONS)


def test_opening_waits_for_another_process_that_holds_the_new_file(tmp_path):
    """Switching to WAL, SQLite answers "locked" at once where waiting could deadlock (two
    processes switching one new file); a connection without a busy timeout is refused
    the same way, and opening tries again until the other is done."""
    path = tmp_path / "state.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("CREATE TABLE made_first (x)")

    def finish() -> None:
        time.sleep(0.3)  # not a timed wait on an Event: libfaketime would stall that
        holder.execute("COMMIT")

    thread = threading.Thread(target=finish)
    thread.start()
    db = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        _use_wal(db)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        thread.join()
        db.close()
        holder.close()


def test_tables_round_trip(state_location):
    with StateStore(state_location) as store:
        store.put_validators("daily https://example.org/feed", '"etag"', "Tue, 01 Dec 2026")
        assert store.get_validators("daily https://example.org/feed") == (
            '"etag"',
            "Tue, 01 Dec 2026",
        )
        assert store.get_validators("daily https://example.org/other") == (None, None)

        store.cache_summary("key", ("One point.", "Two points."))
        assert store.cached_summary("key") == ("One point.", "Two points.")
        assert store.cached_summary("other") is None

        store.record_known_sources("daily", ["Feed", "Notes"], NOW)
        store.record_known_sources("daily", ["Feed"], NOW + timedelta(days=1))
        assert store.known_sources("daily") == {"Feed", "Notes"}
        assert store.known_sources("weekly") == set()

        assert store.record_unsubscribe("daily", "Ada@Example.org", NOW)
        assert not store.record_unsubscribe("daily", "ada@example.org", NOW)
        assert store.unsubscribed("daily") == {"ada@example.org": NOW}
        assert store.clear_unsubscribe("daily", "ADA@example.org")
        assert store.unsubscribed("daily") == {}

        assert store.secret("unsubscribe") == store.secret("unsubscribe")
        assert len(store.secret("unsubscribe")) == 32


def test_slots_are_recorded_once_with_the_time_given(state_location):
    slot = NOW.replace(hour=7)
    with StateStore(state_location) as store:
        assert store.slot_status("daily", slot) is None
        assert store.record_slot("daily", slot, "missed", NOW)
        assert not store.record_slot("daily", slot, "empty", NOW)  # a slot keeps its first record
        assert store.slot_status("daily", slot) == "missed"
        assert store.last_slot("daily") == slot
        (recorded,) = store._db.execute("SELECT recorded FROM slots").fetchone()
    assert datetime.fromisoformat(recorded) == NOW  # the clock it was given, not its own


def test_held_articles_and_passed_keys_round_trip(state_location):
    raw = RawArticle("Feed", "https://e.org/1", "g1", "Title", NOW, "<p>body</p>", "html")
    undated = RawArticle("Feed", "", "g2", "Undated", None, "text", "text")
    with StateStore(state_location) as store:
        record = IntakeRecord(
            held=(
                HeldArticle("k1", raw, NOW),
                HeldArticle("k2", undated, NOW + timedelta(hours=1)),
            ),
            passed=(("k3", "from before the source was added"),),
            known_sources=("Feed",),
        )
        store.record_intake("daily", NOW, record)
        assert store.held_articles("daily") == list(record.held)
        assert store.passed_keys("daily") == {"k3": "from before the source was added"}
        assert store.known_sources("daily") == {"Feed"}

        # Held again later: the article's newest copy, but the place in the queue stays.
        newer = RawArticle("Feed", "https://e.org/1", "g1", "Title, updated", NOW, "x", "html")
        later = NOW + timedelta(days=1)
        store.record_intake("daily", later, IntakeRecord(held=(HeldArticle("k1", newer, later),),
                                                          released=("k2",)))  # fmt: skip
        assert store.held_articles("daily") == [HeldArticle("k1", newer, NOW)]
        assert store.held_articles("weekly") == [] and store.passed_keys("weekly") == {}


def test_a_pending_baseline_goes_once_recorded(state_location):
    with StateStore(state_location) as store:
        store._db.execute(
            "INSERT INTO pending_baselines (list_name, source_name, since) VALUES (?, ?, ?)",
            ("daily", "Feed", NOW.isoformat()),
        )
        assert store.pending_baselines("daily") == {"Feed": NOW}
        assert store.pending_baselines("weekly") == {}
        store.record_intake(
            "daily", NOW, IntakeRecord(passed=(("k1", "baseline"),), baselined=("Feed",))
        )
        assert store.pending_baselines("daily") == {}
        assert store.passed_keys("daily") == {"k1": "baseline"}
