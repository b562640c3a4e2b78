"""The daemon: slots sent once, missed runs, overlap, stop and reload, real APScheduler.

Most tests drive `Daemon.run_due` with an injected clock (a restart is a new Daemon on
the same state file); two run the real scheduler loop in a thread, and one runs
`digest serve` in a subprocess against a real SMTP server and stops it with SIGTERM.
"""

from __future__ import annotations

import asyncio
import logging
import mailbox
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from click.testing import CliRunner

from digest.cli import cli
from digest.config._load import load_settings
from digest.config._settings import Settings
from digest.models import Message
from digest.pipeline import run
from digest.schedule._daemon import Daemon
from digest.send._send import OutboxSender
from digest.state import StateStore, run_lock

from ..conftest import ROOT
from ..smtp_helpers import SmtpSink

READERS = ("ada@example.org", "bob@example.org", "cem@example.org")
CET = timedelta(hours=1)


REAL_TIMERS = pytest.mark.skipif(
    "FAKETIME" in os.environ,
    reason="APScheduler waits on a lock with a timeout, whose monotonic deadline libfaketime "
    "(the date-shifted CI run) does not shift; these tests use the real clock, not a date",
)


def berlin(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A November 2026 Berlin wall-clock time (CET, UTC+1) as a UTC instant."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - CET


class Clock:
    """An injected clock that tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def write_config(tmp_path: Path, extra: str = "", readers: tuple[str, ...] = READERS) -> Path:
    """A one-list config: daily at 07:00 Berlin, a notes folder, readers, outbox transport."""
    (tmp_path / "notes").mkdir(exist_ok=True)
    subscribers = "".join(f'[[lists.daily.subscribers]]\nemail = "{email}"\n' for email in readers)
    path = tmp_path / "digest.toml"
    path.write_text(
        f"""
sender = "Briefing <news@example.org>"
timezone = "Europe/Berlin"
transport = "outbox"
[lists.daily]
title = "Daily"
schedule = "daily at 07:00"
{extra}
[[lists.daily.sources]]
name = "Notes"
type = "folder"
path = "notes"
{subscribers}""",
        encoding="utf-8",
    )
    return path


def note(tmp_path: Path, name: str, published: datetime) -> None:
    """A note file whose modification time is its publication time."""
    path = tmp_path / "notes" / f"{name}.txt"
    path.write_text(
        f"{name.title()} news.\n\nThe council met on Tuesday to talk about {name}. "
        f"Everyone agreed that {name} matters to the town. A decision follows next week.\n",
        encoding="utf-8",
    )
    os.utime(path, (published.timestamp(), published.timestamp()))


def copies(settings: Settings) -> Counter[str]:
    """How many messages each reader has in the outbox."""
    if not settings.outbox.path.exists():
        return Counter()
    box = mailbox.Maildir(settings.outbox.path, create=False)
    return Counter(str(message["To"]).split("<")[-1].rstrip(">") for message in box)


def slot_rows(settings: Settings, list_name: str = "daily") -> list[tuple[str, str]]:
    """(slot, status) of every slot of the list that the state store has a record of."""
    if not settings.state_path.exists():
        return []
    query = "SELECT slot, status FROM slots WHERE list_name = ?"
    with closing(sqlite3.connect(settings.state_path)) as db:
        try:
            return [(row[0], row[1]) for row in db.execute(query, (list_name,))]
        except sqlite3.OperationalError:  # the daemon has not made the tables yet
            return []


def daemon(path: Path, clock: Clock, **options: object) -> Daemon:
    return Daemon(path, load_settings(path, environ={}), clock=clock, **options)  # type: ignore[arg-type]


def test_a_new_list_waits_for_its_next_slot_then_sends_once(tmp_path):
    path = write_config(tmp_path)
    note(tmp_path, "bridges", berlin(28, 6))
    clock = Clock(berlin(27, 9))

    assert daemon(path, clock).run_due("daily").action == "first"
    assert not copies(daemon(path, clock).settings)

    clock.now = berlin(28, 7, 1)
    outcome = daemon(path, clock).run_due("daily")
    assert outcome.action == "sent" and outcome.report and outcome.report.sent == 3
    assert daemon(path, clock).run_due("daily").action == "done"
    assert copies(load_settings(path, environ={})) == Counter(dict.fromkeys(READERS, 1))


def test_restart_after_a_missed_run_sends_it_once(tmp_path):
    path = write_config(tmp_path)
    settings = load_settings(path, environ={})
    note(tmp_path, "bridges", berlin(27, 5))
    clock = Clock(berlin(27, 6))
    assert daemon(path, clock).run_due("daily").action == "first"  # then the daemon is down

    clock.now = berlin(27, 8, 30)  # 07:00 passed while down; 1.5 h late is within the grace
    assert daemon(path, clock).run_due("daily").action == "sent"
    clock.now = berlin(27, 8, 40)
    assert daemon(path, clock).run_due("daily").action == "done"

    assert copies(settings) == Counter(dict.fromkeys(READERS, 1))
    assert ("2026-11-27T06:00:00+00:00", "sent") in slot_rows(settings)


def test_long_outage_skips_old_editions_and_logs_them_once(tmp_path, caplog):
    path = write_config(tmp_path)
    settings = load_settings(path, environ={})
    note(tmp_path, "bridges", berlin(27, 5))
    clock = Clock(berlin(23, 12))
    daemon(path, clock).run_due("daily")

    clock.now = berlin(27, 12)  # down from the 24th to the 27th, 5 h past today's 07:00
    with caplog.at_level(logging.INFO, logger="digest.schedule"):
        assert daemon(path, clock).run_due("daily").action == "missed"
        assert daemon(path, clock).run_due("daily").action == "done"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "list daily: 3 earlier due time(s), from 2026-11-24 07:00 CET to 2026-11-26 07:00 CET,"
        " got no edition (the daemon was down or busy); skipped",
        "list daily: the edition due 2026-11-27 07:00 CET was missed by 5 h 0 min, more than the"
        " grace period ([schedule] grace_hours = 3); skipped",
    ]
    assert not copies(settings)

    clock.now = berlin(28, 7, 0)  # the next slot goes out as usual, with the last day's news
    note(tmp_path, "trains", berlin(27, 20))
    outcome = daemon(path, clock).run_due("daily")
    # Both notes, never sent (the 27th's edition was skipped): two posts of one source are
    # two items, however alike their words (they were folded into one story before).
    assert outcome.action == "sent" and outcome.report and outcome.report.articles == 2


def test_grace_period_is_configurable(tmp_path):
    path = write_config(tmp_path)
    path.write_text(path.read_text() + "[schedule]\ngrace_hours = 0.5\n", encoding="utf-8")
    clock = Clock(berlin(27, 6))
    daemon(path, clock).run_due("daily")
    clock.now = berlin(27, 7, 45)
    assert daemon(path, clock).run_due("daily").action == "missed"


def test_an_edition_covers_the_articles_since_the_previous_one(tmp_path):
    path = write_config(tmp_path)
    settings = load_settings(path, environ={})
    note(tmp_path, "old", berlin(24, 12))  # before the first edition's window (a day)
    note(tmp_path, "bridges", berlin(25, 20))
    clock = Clock(berlin(25, 12))
    daemon(path, clock).run_due("daily")
    clock.now = berlin(26, 7)
    first = daemon(path, clock).run_due("daily")
    # A source's first fetch brings its newest items whatever their age, so old comes too
    # (this passed as 1 only while the two notes of one source were folded into one story).
    assert first.report and first.report.articles == 2

    note(tmp_path, "trains", berlin(26, 9))  # 46 h before the next edition that goes out
    clock.now = berlin(28, 7)  # the 27th was missed (the daemon was down all day)
    second = daemon(path, clock).run_due("daily")
    assert second.action == "sent" and second.report and second.report.articles == 1
    assert copies(settings) == Counter(dict.fromkeys(READERS, 2))


def test_window_hours_caps_how_far_back_an_edition_looks(tmp_path):
    path = write_config(tmp_path, "window_hours = 12")
    note(tmp_path, "harbour", berlin(25, 20))
    clock = Clock(berlin(25, 6))
    daemon(path, clock).run_due("daily")
    clock.now = berlin(26, 7)  # the source's first fetch: the window starts to count after it
    assert daemon(path, clock).run_due("daily").action == "sent"
    note(tmp_path, "bridges", berlin(26, 9))
    note(tmp_path, "trains", berlin(27, 22))
    clock.now = berlin(28, 7)
    outcome = daemon(path, clock).run_due("daily")
    assert outcome.report and outcome.report.articles == 1  # trains; bridges is 46 h old


def test_an_edition_without_news_is_skipped_and_logged(tmp_path, caplog):
    path = write_config(tmp_path)
    clock = Clock(berlin(27, 6))
    daemon(path, clock).run_due("daily")
    clock.now = berlin(27, 7)
    with caplog.at_level(logging.INFO, logger="digest.schedule"):
        assert daemon(path, clock).run_due("daily").action == "empty"
    assert "list daily: no new articles for the edition due 2026-11-27 07:00 CET; skipped" in [
        r.getMessage() for r in caplog.records
    ]
    assert not copies(load_settings(path, environ={}))
    assert daemon(path, clock).run_due("daily").action == "done"


def test_send_when_empty_sends_an_all_quiet_note(tmp_path):
    path = write_config(tmp_path, "send_when_empty = true")
    settings = load_settings(path, environ={})
    clock = Clock(berlin(27, 6))
    daemon(path, clock).run_due("daily")
    clock.now = berlin(27, 7)
    assert daemon(path, clock).run_due("daily").action == "sent"
    assert copies(settings) == Counter(dict.fromkeys(READERS, 1))
    message = next(iter(mailbox.Maildir(settings.outbox.path, create=False)))
    assert "No new articles" in str(make_header(decode_header(message["Subject"])))


def test_one_log_line_per_edition(tmp_path, caplog):
    path = write_config(tmp_path)
    note(tmp_path, "bridges", berlin(27, 5))
    clock = Clock(berlin(27, 6))
    daemon(path, clock).run_due("daily")
    clock.now = berlin(27, 7, 0)
    with caplog.at_level(logging.INFO, logger="digest.schedule"):
        daemon(path, clock).run_due("daily")
    (line,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("edition ")]
    assert line.startswith(
        "edition list=daily due='2026-11-27 07:00 CET' articles=1 recipients=3 sent=3 failed=0"
        " pending=0 seconds="
    )


@pytest.mark.parametrize(
    ("zone", "due", "again"),
    [
        # 02:30 happens twice in Berlin on 25 October: one edition, at the first.
        ("Europe/Berlin", datetime(2026, 10, 25, 0, 30), datetime(2026, 10, 25, 1, 30)),
        # 02:30 does not happen in New York on 8 March: one edition, when the clock jumps.
        ("America/New_York", datetime(2026, 3, 8, 7, 0), datetime(2026, 3, 8, 7, 30)),
    ],
)
def test_dst_switch_day_gives_one_edition(tmp_path, zone, due, again):
    due, again = due.replace(tzinfo=UTC), again.replace(tzinfo=UTC)
    path = write_config(tmp_path, f'timezone = "{zone}"\nsend_when_empty = true')
    path.write_text(path.read_text().replace("daily at 07:00", "daily at 02:30"), "utf-8")
    clock = Clock(due - timedelta(hours=12))
    daemon(path, clock).run_due("daily")
    clock.now = due - timedelta(seconds=1)
    assert daemon(path, clock).run_due("daily").action == "done"
    clock.now = due
    assert daemon(path, clock).run_due("daily").action == "sent"
    clock.now = again
    assert daemon(path, clock).run_due("daily").action == "done"
    clock.now = due + timedelta(hours=23)
    assert daemon(path, clock).run_due("daily").action == "done"
    assert sum(copies(load_settings(path, environ={})).values()) == 3


# Overlap --------------------------------------------------------------------------------


class GatedSender:
    """Writes to a Maildir, but holds the first message until the test opens the gate."""

    def __init__(self, path: Path) -> None:
        self.outbox = OutboxSender(path)
        self.is_waiting = threading.Event()
        self.gate = threading.Event()
        self.on_send: Callable[[], None] | None = None

    def send(self, message: Message) -> None:
        if self.on_send is not None:
            self.on_send()
        self.is_waiting.set()
        assert self.gate.wait(10)
        self.outbox.send(message)


def test_manual_run_while_the_daemon_sends_is_refused(tmp_path):
    path = write_config(tmp_path)
    settings = load_settings(path, environ={})
    note(tmp_path, "bridges", berlin(27, 5))
    clock = Clock(berlin(26, 6))
    daemon(path, clock).run_due("daily")
    sender = GatedSender(settings.outbox.path)
    clock.now = berlin(27, 7)
    worker = threading.Thread(target=daemon(path, clock, sender=sender).run_due, args=("daily",))
    worker.start()
    try:
        assert sender.is_waiting.wait(10)
        result = CliRunner().invoke(cli, ["run", "--config", str(path), "--list", "daily"])
        assert result.exit_code == 1
        assert "another digest run holds the lock" in result.output
    finally:
        sender.gate.set()
        worker.join(10)
    assert copies(settings) == Counter(dict.fromkeys(READERS, 1))


def test_the_daemon_tries_again_while_a_manual_run_holds_the_lock(tmp_path):
    path = write_config(tmp_path)
    settings = load_settings(path, environ={})
    note(tmp_path, "bridges", berlin(27, 5))
    clock = Clock(berlin(27, 6))
    daemon(path, clock).run_due("daily")
    clock.now = berlin(27, 7)
    with run_lock(settings.state_path):
        assert daemon(path, clock).run_due("daily").action == "busy"
    assert ("2026-11-27T06:00:00+00:00", "sent") not in slot_rows(settings)
    clock.now = berlin(27, 7, 1)
    assert daemon(path, clock).run_due("daily").action == "sent"


def test_a_slot_never_gets_a_second_edition(tmp_path):
    path = write_config(tmp_path)
    settings = load_settings(path, environ={})
    slot = berlin(27, 7)
    note(tmp_path, "bridges", berlin(27, 5))
    assert run(settings, now=slot, list_name="daily", slot=slot).lists[0].sent == 3
    note(tmp_path, "trains", berlin(27, 7, 30))

    again = run(settings, now=berlin(27, 8), list_name="daily", slot=slot).lists[0]

    assert again.sent == 0 and "handled before" in again.note
    with StateStore(settings.state_path) as store, pytest.raises(sqlite3.IntegrityError):
        store.create_edition("daily", slot, b"{}", (), (), slot=slot)
    assert run(settings, now=berlin(27, 8), list_name="daily").lists[0].sent == 3  # by hand


# The scheduler loop -----------------------------------------------------------------------


@contextmanager
def serving(target: Daemon) -> Iterator[threading.Thread]:
    """The daemon's main loop in a thread, stopped (and joined) at the end."""
    thread = threading.Thread(target=target.serve)
    thread.start()
    try:
        yield thread
    finally:
        target.request_stop()
        thread.join(10)
        assert not thread.is_alive()


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_stop_during_a_send_finishes_the_message_and_the_next_start_resumes(tmp_path):
    path = write_config(tmp_path)
    settings = load_settings(path, environ={})
    note(tmp_path, "bridges", berlin(27, 5))
    clock = Clock(berlin(27, 6))
    daemon(path, clock).run_due("daily")
    clock.now = berlin(27, 7)
    sender = GatedSender(settings.outbox.path)
    first = daemon(path, clock, sender=sender)
    sender.on_send = first.request_stop  # SIGTERM arrives while the first message is out
    with serving(first) as thread:
        assert sender.is_waiting.wait(10)
        wait_for(first._stop.is_set)  # the main loop saw the request
        sender.gate.set()
        thread.join(10)
        assert not thread.is_alive()  # serve returned by itself
    assert sum(copies(settings).values()) == 1

    clock.now = berlin(27, 7, 5)
    assert daemon(path, clock).run_due("daily").action == "resumed"
    assert copies(settings) == Counter(dict.fromkeys(READERS, 1))


@REAL_TIMERS
def test_real_scheduler_sends_each_slot_once(tmp_path, caplog):
    path = write_config(tmp_path, "send_when_empty = true")
    path.write_text(path.read_text().replace("daily at 07:00", "* * * * * *"), "utf-8")
    settings = load_settings(path, environ={})
    target = Daemon(path, settings, poll_seconds=0.05)

    with caplog.at_level(logging.INFO, logger="digest.schedule"), serving(target):
        wait_for(lambda: sum(status == "sent" for _, status in slot_rows(settings)) >= 2)

    sent = sorted(slot for slot, status in slot_rows(settings) if status == "sent")
    assert len(sent) == len(set(sent)) >= 2
    # One copy per edition each; the stop may have cut the last edition short.
    received = copies(settings)
    assert set(received) == set(READERS) and set(received.values()) <= {len(sent), len(sent) - 1}
    assert sum(r.getMessage().startswith("edition list=daily") for r in caplog.records) == len(sent)


def test_reload_on_change_and_on_request_keeps_the_old_config_when_invalid(tmp_path, caplog):
    path = write_config(tmp_path)
    target = Daemon(path, load_settings(path, environ={}), poll_seconds=0.05)
    original = path.read_text()

    def logged(text: str) -> bool:
        return any(text in r.getMessage() for r in caplog.records)

    with caplog.at_level(logging.INFO, logger="digest.schedule"), serving(target):
        path.write_text(original.replace("daily at 07:00", "daily at 09:30"), "utf-8")
        wait_for(lambda: logged("list daily: 'daily at 09:30' in Europe/Berlin; next edition"))
        assert target.settings.lists[0].schedule == "daily at 09:30"

        path.write_text(original.replace("daily at 07:00", "dialy at 9"), "utf-8")
        wait_for(lambda: logged("not reloaded"))
        assert target.settings.lists[0].schedule == "daily at 09:30"

        # A write of the same size with the mtime put back looks unchanged to the watcher,
        # but only once utime has run: park the watcher so it cannot look in between.
        target._poll_seconds = 3600.0
        time.sleep(0.3)
        stamp = path.stat().st_mtime_ns
        path.write_text(original.replace("daily at 07:00", "30 9 * * *"), "utf-8")  # same size
        os.utime(path, ns=(stamp, stamp))  # and the same time: only a request reloads it
        time.sleep(0.2)
        assert target.settings.lists[0].schedule == "daily at 09:30"
        target.request_reload()
        wait_for(lambda: target.settings.lists[0].schedule == "30 9 * * *")
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "config not reloaded; the previous one stays in force." in errors[0]
    assert "[lists.daily] schedule: 'dialy at 9' is not a schedule" in errors[0]


def test_serve_command_reloads_on_sighup_and_exits_0_on_sigterm(tmp_path):
    path = write_config(tmp_path)
    settings = load_settings(path, environ={})
    original = path.read_text()

    def signal_the_daemon() -> None:
        try:
            wait_for(lambda: bool(slot_rows(settings)))  # serving, with its signal handlers
            stamp = path.stat().st_mtime_ns
            path.write_text(original.replace("lists.daily", "lists.dayly"), "utf-8")
            os.utime(path, ns=(stamp, stamp))  # the same size and time: only SIGHUP reloads
            os.kill(os.getpid(), signal.SIGHUP)
            wait_for(lambda: bool(slot_rows(settings, "dayly")))  # the renamed list is served
        finally:
            os.kill(os.getpid(), signal.SIGTERM)

    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
    helper = threading.Thread(target=signal_the_daemon)
    helper.start()
    result = CliRunner().invoke(cli, ["serve", "--config", str(path)], catch_exceptions=False)
    helper.join(10)

    assert result.exit_code == 0, result.output
    assert "INFO digest.schedule: config reloaded: 1 lists" in result.output
    assert result.output.rstrip().endswith("INFO digest.schedule: stopped")
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == handlers


def test_serve_with_a_broken_config_exits_2(tmp_path):
    path = write_config(tmp_path)
    path.write_text(path.read_text().replace("daily at 07:00", "at seven"), "utf-8")
    result = CliRunner().invoke(cli, ["serve", "--config", str(path)])
    assert result.exit_code == 2
    assert "Error:" in result.output and "schedule: 'at seven' is not a schedule" in result.output
    assert "Traceback" not in result.output


# SIGTERM against a real SMTP server, in a subprocess ---------------------------------------


class _SlowHandler:
    """Delays each accepted message a little, so that a SIGTERM lands mid-send."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(0.03)
        reply: str = await self.inner.handle_DATA(server, session, envelope)  # type: ignore[attr-defined]
        return reply


def start_serve(path: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "digest", "serve", "--config", str(path)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=path.parent,
        )


def stop(process: subprocess.Popen[bytes], log: Path) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"digest serve did not stop on SIGTERM:\n{log.read_text()}")


@REAL_TIMERS
def test_sigterm_mid_send_then_restart_gives_everyone_one_copy(tmp_path, smtp_server: SmtpSink):
    controller = smtp_server._controller
    assert controller is not None
    controller.handler = _SlowHandler(controller.handler)  # used by each new connection
    readers = tuple(f"reader{n:02d}@example.org" for n in range(40))
    path = write_config(tmp_path, "window_hours = 1", readers)
    text = path.read_text().replace("daily at 07:00", "* * * * * *")
    smtp = f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\n'
    path.write_text(text.replace('transport = "outbox"', 'transport = "smtp"') + smtp, "utf-8")
    note(tmp_path, "bridges", datetime.now(UTC) - timedelta(minutes=5))
    log = tmp_path / "serve.log"

    process = start_serve(path, log)
    try:
        wait_for(lambda: len(smtp_server.messages) >= 3, 30)
        assert stop(process, log) == 0, log.read_text()
        assert 3 <= len(smtp_server.messages) < len(readers), log.read_text()

        process = start_serve(path, log)
        wait_for(lambda: len(smtp_server.messages) >= len(readers), 30)
        time.sleep(0.2)  # a duplicate, if there were one, would arrive now
        assert stop(process, log) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    received = Counter(rcpt for message in smtp_server.messages for rcpt in message.rcpt_tos)
    assert received == Counter(dict.fromkeys(readers, 1)), log.read_text()
    output = log.read_text()
    assert "Traceback" not in output
    assert output.count("digest.schedule: stopped") == 2 and "edition list=daily" in output


def test_serve_also_serves_the_unsubscribe_endpoint(tmp_path):
    import urllib.error
    import urllib.request

    from ..smtp_helpers import free_port

    path = write_config(tmp_path)
    settings = load_settings(path, environ={})
    port = free_port()
    answers: list[int] = []

    def forge_a_post() -> None:
        try:
            wait_for(lambda: bool(slot_rows(settings)))
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/u/Zm9v.YmFy", data=b"List-Unsubscribe=One-Click"
            )
            try:
                urllib.request.urlopen(request, timeout=5)
            except urllib.error.HTTPError as exc:
                answers.append(exc.code)
        finally:
            os.kill(os.getpid(), signal.SIGTERM)

    helper = threading.Thread(target=forge_a_post)
    helper.start()
    args = ["serve", "--config", str(path), "--unsubscribe", f"127.0.0.1:{port}"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    helper.join(10)

    assert result.exit_code == 0, result.output
    assert answers == [403]


def test_serve_refuses_a_bad_unsubscribe_address(tmp_path):
    path = write_config(tmp_path)
    result = CliRunner().invoke(cli, ["serve", "--config", str(path), "--unsubscribe", "8025"])
    assert result.exit_code == 2
    assert "'8025' is not HOST:PORT" in result.output
