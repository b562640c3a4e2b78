"""The whole run with its state in PostgreSQL ([state] url): the same outcomes as SQLite."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from digest.config._load import load_settings
from digest.config._settings import Settings
from digest.errors import RunLockedError
from digest.pipeline import delivery_status, run
from digest.pipeline._state import open_store

from ..feed_helpers import FeedServer
from .test_pipeline import NOW, READERS, RSS, CrashingSender, make_config, outbox_copies

__all__ = ["NOW"]


def on_postgres(tmp_path: Path, feed_url: str, postgres_url: str) -> Settings:
    make_config(tmp_path, feed_url)
    path = tmp_path / "digest.toml"
    path.write_text(path.read_text() + f'[state]\nurl = "{postgres_url}"\n', encoding="utf-8")
    settings = load_settings(path, environ={})
    assert settings.state_url == postgres_url
    return settings


def test_a_run_on_postgres_sends_once_and_remembers(
    tmp_path, feed_server: FeedServer, postgres_url: str
):
    settings = on_postgres(tmp_path, feed_server.serve("/feed.xml", RSS), postgres_url)

    first = run(settings, now=NOW).lists[0]
    again = run(settings, now=NOW).lists[0]

    assert (first.articles, first.sent, first.failed, first.pending) == (7, 3, 0, 0)
    assert (again.articles, again.sent) == (0, 0) and "nothing new" in again.note
    assert outbox_copies(settings) == Counter(dict.fromkeys(READERS, 1))
    assert not settings.state_path.exists()  # no SQLite file was made
    (status,) = delivery_status(settings, None, limit=10, with_failures=False).editions
    assert (status.counts.sent, status.counts.pending) == (3, 0)


def test_a_crash_on_postgres_is_resumed_without_duplicates(
    tmp_path, feed_server: FeedServer, postgres_url: str
):
    settings = on_postgres(tmp_path, feed_server.serve("/feed.xml", RSS), postgres_url)
    with pytest.raises(KeyboardInterrupt):
        run(settings, now=NOW, sender=CrashingSender(settings.outbox.path, limit=1))

    report = run(settings, now=NOW).lists[0]

    assert "resumed edition 1: sent 2" in report.note
    assert outbox_copies(settings) == Counter(dict.fromkeys(READERS, 1))


def test_the_run_lock_holds_across_connections(
    tmp_path, feed_server: FeedServer, postgres_url: str
):
    settings = on_postgres(tmp_path, feed_server.serve("/feed.xml", RSS), postgres_url)
    with (
        open_store(settings) as other,
        other.run_lock(),
        pytest.raises(RunLockedError, match="another digest run holds the lock of"),
    ):
        run(settings, now=NOW)
    assert run(settings, now=NOW).lists[0].sent == 3  # released with the holder
