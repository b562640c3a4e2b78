"""Fan-out: `digest run` queues an edition, `digest worker` processes deliver it exactly once.

Real parts: PostgreSQL and Redis (.ci/services), an aiosmtpd sink, workers as processes
of their own (`python -m digest worker`), one of them killed with SIGKILL mid-batch.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from digest.cli import cli
from digest.config._load import load_settings
from digest.config._settings import Settings
from digest.pipeline import delivery_status, run
from digest.pipeline._state import open_store

from ..conftest import ROOT
from ..feed_helpers import FeedServer
from ..smtp_helpers import SmtpSink
from .test_pipeline import NOW, RSS, make_config

EXPECTED = {"ada@example.org", *(f"r{n:03}@example.org" for n in range(39))}
READERS = len(EXPECTED)  # 39 in the CSV file, Ada inline


def queued_config(
    tmp_path: Path, feed_url: str, sink: SmtpSink, postgres_url: str, redis_url: str, batch: int
) -> Settings:
    make_config(tmp_path, feed_url, "smtp", sink.port)
    (tmp_path / "readers.csv").write_text(
        "email,name\n" + "".join(f"r{n:03}@example.org,Reader {n}\n" for n in range(39)),
        encoding="utf-8",
    )
    path = tmp_path / "digest.toml"
    text = path.read_text()
    # A queue of its own: a worker left over from another test must not take these batches.
    queue = postgres_url.rsplit("%3D", 1)[-1]
    text += f'[state]\nurl = "{postgres_url}"\n'
    text += f'[queue]\nurl = "{redis_url}"\nbatch = {batch}\nname = "{queue}"\n'
    text = text.replace("timeout = 5\n", "timeout = 5\nconnections = 2\n")
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ={})


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    # Dramatiq's threads wait on timed locks, which libfaketime (the date-shifted CI run)
    # stalls, as it does APScheduler's (tests/schedule): the worker runs on the real
    # clock. Its dates come from $DIGEST_NOW (the module's NOW) either way.
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME")}
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-m", "digest", "worker", "--config", str(settings.config_path)]
    return subprocess.Popen(command, env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE)


def wait_for(condition, timeout: float = 60.0, explain=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {explain()}")
        time.sleep(0.05)


def pending(settings: Settings) -> int:
    (edition,) = delivery_status(settings, None, limit=1, with_failures=False).editions
    return edition.counts.pending


def unsent(settings: Settings) -> list[tuple[str, str, int | None, str | None]]:
    """The recipients not sent yet, with their claim and error: what a timeout shows."""
    with open_store(settings) as store:
        return store._db.execute(
            "SELECT email, status, claimed_by, error FROM deliveries WHERE status <> 'sent'"
        ).fetchall()


def stop(worker: subprocess.Popen[bytes]) -> str:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    _, err = worker.communicate(timeout=60)
    return err.decode()


def test_two_workers_deliver_a_queued_edition_exactly_once(
    tmp_path, feed_server: FeedServer, smtp_server: SmtpSink, postgres_url, redis_url
):
    settings = queued_config(
        tmp_path, feed_server.serve("/f.xml", RSS), smtp_server, postgres_url, redis_url, 7
    )
    report = run(settings, now=NOW).lists[0]
    assert (report.sent, report.pending) == (0, READERS)
    assert f"{READERS} recipients queued in 6 batches" in report.note

    workers = [start_worker(settings) for _ in range(2)]
    try:
        wait_for(lambda: pending(settings) == 0, explain=lambda: unsent(settings))
        wait_for(
            lambda: len(delivery_status(settings, None, limit=1, with_failures=False).workers) == 2
        )
    finally:
        logs = [stop(worker) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], logs
    assert smtp_server.copies() == Counter(dict.fromkeys(EXPECTED, 1))
    (edition,) = delivery_status(settings, None, limit=1, with_failures=False).editions
    assert edition.finished is not None and edition.counts.sent == READERS
    assert all("batches" in log for log in logs), logs


def test_a_worker_killed_mid_batch_loses_nobody(
    tmp_path, feed_server: FeedServer, smtp_server: SmtpSink, postgres_url, redis_url
):
    settings = queued_config(
        tmp_path, feed_server.serve("/f.xml", RSS), smtp_server, postgres_url, redis_url, 20
    )
    smtp_server.delay = 0.05
    run(settings, now=NOW)
    doomed = start_worker(settings)
    wait_for(lambda: len(smtp_server.messages) >= 5)
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=10)
    with open_store(settings) as store:
        claimed = store._db.execute(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND claimed_by > 0"
        ).fetchone()[0]
    assert claimed > 0  # it died holding a batch

    survivor = start_worker(settings)
    try:
        wait_for(lambda: pending(settings) == 0, timeout=90, explain=lambda: unsent(settings))
    finally:
        stop(survivor)
    copies = smtp_server.copies()
    assert set(copies) == EXPECTED  # nobody lost
    assert sum(copies.values()) - READERS <= 3  # at most its connections + 1 in flight


def test_status_shows_the_workers_progress(
    tmp_path, feed_server, smtp_server, postgres_url, redis_url
):
    settings = queued_config(
        tmp_path, feed_server.serve("/f.xml", RSS), smtp_server, postgres_url, redis_url, 10
    )
    run(settings, now=NOW)
    result = CliRunner().invoke(
        cli, ["status", "--config", str(settings.config_path)], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert f"{READERS:>7}  unfinished" in result.output
    worker = start_worker(settings)
    try:
        wait_for(lambda: pending(settings) == 0)
        result = CliRunner().invoke(
            cli, ["status", "--config", str(settings.config_path)], catch_exceptions=False
        )
    finally:
        stop(worker)
    assert "finished" in result.output
    assert "worker 1 on " in result.output


def test_a_worker_without_a_queue_says_what_to_set(tmp_path, feed_server):
    make_config(tmp_path, feed_server.serve("/f.xml", RSS))
    result = CliRunner().invoke(cli, ["worker", "--config", str(tmp_path / "digest.toml")])
    assert result.exit_code == 2
    assert "has no [queue]; a worker has nothing to take" in result.output
    assert "Traceback" not in result.output


def test_workers_share_the_relays_rate_limit(
    tmp_path, feed_server: FeedServer, smtp_server: SmtpSink, postgres_url, redis_url
):
    settings = queued_config(
        tmp_path, feed_server.serve("/f.xml", RSS), smtp_server, postgres_url, redis_url, 4
    )
    path = settings.config_path
    path.write_text(path.read_text().replace("[smtp]\n", "[smtp]\nmax_per_second = 10\n"))
    settings = load_settings(path, environ={})
    accepted: list[float] = []
    smtp_server.on_accept = lambda count: accepted.append(time.monotonic())
    run(settings, now=NOW)
    workers = [start_worker(settings) for _ in range(2)]
    try:
        wait_for(lambda: pending(settings) == 0, timeout=90, explain=lambda: unsent(settings))
    finally:
        logs = [stop(worker) for worker in workers]
    assert all("batches" in log for log in logs), logs
    took = [int(log.rsplit("worker stopped: ", 1)[1].split()[0]) for log in logs]
    assert min(took) > 0, logs  # both workers sent, at the same time
    # 40 messages at 10/s between them: 3.9 s at least from the first to the last. Each
    # with a budget of its own, the two would be done in about half that.
    assert len(accepted) == READERS
    assert accepted[-1] - accepted[0] >= 3.4


def test_a_worker_whose_database_connection_dies_stops_and_another_delivers(
    tmp_path, feed_server: FeedServer, smtp_server: SmtpSink, postgres_url, redis_url
):
    import psycopg

    settings = queued_config(
        tmp_path, feed_server.serve("/f.xml", RSS), smtp_server, postgres_url, redis_url, 10
    )
    first = start_worker(settings)
    wait_for(lambda: len(delivery_status(settings, None, limit=1, with_failures=False).workers))
    (registered,) = delivery_status(settings, None, limit=1, with_failures=False).workers
    schema = postgres_url.rsplit("%3D", 1)[-1]
    with psycopg.connect(postgres_url.split("?")[0], autocommit=True) as admin:
        # As a PostgreSQL restart or a lost network would: the worker's session ends.
        row = admin.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2"
            " AND objid = %s AND classid::bigint = hashtext('digest-worker:' || %s) & 4294967295",
            (registered.id, schema),
        ).fetchone()
        assert row is not None
        (pid,) = row
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    run(settings, now=NOW)  # queues the edition; the first worker's connection is dead
    try:
        first.wait(timeout=60)  # it stops by itself rather than failing every batch
    finally:
        log = stop(first)
    assert first.returncode == 1, log
    assert "the state database failed" in log and "Traceback" not in log, log
    assert "worker stopping, the batch goes back on the queue" in log

    second = start_worker(settings)
    try:
        wait_for(lambda: pending(settings) == 0, timeout=90, explain=lambda: unsent(settings))
    finally:
        stop(second)
    assert smtp_server.copies() == Counter(dict.fromkeys(EXPECTED, 1))
