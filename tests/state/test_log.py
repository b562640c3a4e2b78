"""Editions and the delivery log, on SQLite and on PostgreSQL: the same answers."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from digest.state import DeliveryCounts, StateStore
from digest.state._migrations import MIGRATIONS

from ..conftest import ROOT

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def test_an_edition_and_its_deliveries_round_trip(state_location):
    later = NOW + timedelta(minutes=5)
    recipients = [(f"r{n}@example.org", f"Reader {n}") for n in range(5)]
    with StateStore(state_location) as store:
        edition = store.create_edition(
            "daily",
            NOW,
            b"\x00payload",
            ["g1", "g2", "g1"],
            [*recipients, ("t@example.org", "Topic reader", "bikes")],
            {"bikes": b"bikes payload"},
            slot=NOW,
            seen_keys=["g1", "g2", "url:https://example.org/1"],
        )
        assert store.seen_keys("daily") == {"g1", "g2", "url:https://example.org/1"}
        assert store.slot_status("daily", NOW) == "sent"
        assert store.last_edition_time("daily") == NOW
        pending = list(store.pending_deliveries(edition, batch=2))
        assert [p[0] for p in pending] == [r[0] for r in recipients] + ["t@example.org"]
        assert pending[-1] == ("t@example.org", "Topic reader", "bikes")
        assert store.variant_payload(edition, "") == b"\x00payload"
        assert store.variant_payload(edition, "bikes") == b"bikes payload"
        assert store.variant_counts(edition) == {"": 5, "bikes": 1}

        store.mark_delivery(edition, "r0@example.org", "sent", later)
        store.mark_delivery(edition, "r1@example.org", "failed", later, "550 no such user")
        assert store.counts(edition) == DeliveryCounts(sent=1, failed=1, pending=4)
        assert store.failures(edition) == [("r1@example.org", "550 no such user")]
        (status,) = store.edition_statuses("daily")
        assert (status.id, status.counts, status.finished) == (edition, store.counts(edition), None)
        assert [record.id for record in store.unfinished_editions("daily")] == [edition]

        assert store.requeue_failed(edition) == 1
        assert store.counts(edition) == DeliveryCounts(sent=1, failed=0, pending=5)
        store.finish_edition(edition, later)
        record = store.edition(edition)
        assert record is not None and record.finished == later and record.articles == 2
        assert store.unfinished_editions() == []
        assert store.edition(edition + 100) is None


def test_a_slot_gets_one_edition(state_location):
    with StateStore(state_location) as store:
        store.create_edition("daily", NOW, b"p", [], [], slot=NOW)
        with pytest.raises(Exception, match=r"(?i)unique"):
            store.create_edition("daily", NOW, b"p", ["x"], [("a@example.org", "")], slot=NOW)
        assert store.seen_keys("daily") == set()  # the second edition left nothing behind
        assert len(store.edition_statuses()) == 1


def test_fetch_statuses_are_replaced(state_location):
    with StateStore(state_location) as store:
        store.record_fetch("daily", "Feed", NOW, 3, None)
        store.record_fetch("daily", "Feed", NOW + timedelta(hours=1), 0, "timed out")
        (status,) = store.fetch_statuses().values()
        assert (status.items, status.error) == (0, "timed out")
        assert status.fetched_at == NOW + timedelta(hours=1)


OPEN = """
import sys
from digest.state import StateStore
StateStore(sys.argv[1]).close()
"""


def test_processes_opening_a_new_postgres_database_apply_each_migration_once(postgres_url):
    env = {"PYTHONPATH": str(ROOT)}
    openers = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN, postgres_url], env=env, stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    errors = [opener.communicate(timeout=60)[1] for opener in openers]

    assert [opener.returncode for opener in openers] == [0, 0, 0, 0], errors
    with StateStore(postgres_url) as store:
        names = [row[0] for row in store._db.execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == [migration.name for migration in MIGRATIONS]


def test_both_engines_have_the_same_tables_and_columns(tmp_path, postgres_url):
    with StateStore(tmp_path / "state.sqlite") as lite:
        tables = [
            row[0]
            for row in lite._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        sqlite_columns = {
            table: {row[1] for row in lite._db.execute(f"PRAGMA table_info({table})")}
            for table in tables
        }
    with StateStore(postgres_url) as pg:
        rows = pg._db.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
        ).fetchall()
    postgres_columns: dict[str, set[str]] = {}
    for table, column in rows:
        postgres_columns.setdefault(table, set()).add(column)
    postgres_columns["deliveries"].discard("rowid")  # SQLite's is implicit
    assert postgres_columns == sqlite_columns


def test_a_postgres_server_that_is_not_there_is_a_state_error():
    from digest.errors import StateError

    # Nobody answers (down, or out of reach): exit 1, and systemd restarts a worker.
    with pytest.raises(
        StateError,
        match=r"postgresql://digest:\*\*\*@127\.0\.0\.1:9/x: cannot reach the state database",
    ) as caught:
        StateStore("postgresql://digest:secret@127.0.0.1:9/x")
    assert "systemd restarts a `digest worker` until it can" in (caught.value.hint or "")


def test_a_postgres_server_that_refuses_the_database_is_a_config_error(postgres_url):
    from digest.errors import ConfigError

    missing = postgres_url.split("?")[0].rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(ConfigError, match=r"/no_such_database: cannot open the state database"):
        StateStore(missing)


@pytest.mark.parametrize(
    ("message", "is_transient"),
    [
        ('connection to server at "db", port 5432 failed: Connection refused', True),
        ('connection to server at "db", port 5432 failed: timeout expired', True),
        ("failed: FATAL:  the database system is starting up", True),
        ("failed: FATAL:  the database system is shutting down", True),
        ("failed: FATAL:  sorry, too many clients already", True),
        ('failed: FATAL:  database "digest" does not exist', False),
        ('failed: FATAL:  password authentication failed for user "digest"', False),
        ('failed: FATAL:  no pg_hba.conf entry for host "10.0.0.5"', False),
    ],
)
def test_a_failed_connect_is_a_config_error_only_when_the_server_refused(message, is_transient):
    from digest.state._postgres import _is_transient

    assert _is_transient(message) is is_transient
