"""Exactly once, at scale: whole runs against a real SMTP server that misbehaves.

Each test counts the copies every recipient received: one each, none for refused
addresses, and none twice, also across a crash (SIGKILL) and the run that resumes it.
"""

from __future__ import annotations

import email
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

from click.testing import CliRunner

from digest.cli import cli
from digest.config._load import load_settings
from digest.config._settings import Settings
from digest.pipeline import run

from ..conftest import ROOT
from ..smtp_helpers import SmtpSink, free_port

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def readers(count: int) -> list[str]:
    return [f"reader{n:03d}@example.org" for n in range(count)]


def make_config(
    tmp_path: Path, port: int, count: int, *, connections: int = 3, timeout: float = 5
) -> Path:
    """One list over the sample notes, `count` readers in a CSV, SMTP at 127.0.0.1:port."""
    shutil.copytree(ROOT / "config" / "sources" / "notes", tmp_path / "notes")
    rows = [f"{address},Reader Zoë {n}" for n, address in enumerate(readers(count))]
    (tmp_path / "readers.csv").write_text("email,name\n" + "\n".join(rows) + "\n", "utf-8")
    path = tmp_path / "digest.toml"
    path.write_text(
        f"""
sender = "Briefing <news@example.org>"
transport = "smtp"
state = "state.sqlite"
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout = {timeout}
connections = {connections}
attempts = 3
backoff = 0.01
[lists.daily]
title = "Daily"
window_hours = 100000
subscribers_file = "readers.csv"
[[lists.daily.sources]]
name = "Notes"
type = "folder"
path = "notes"
""",
        encoding="utf-8",
    )
    return path


def load(path: Path) -> Settings:
    return load_settings(path, environ={})


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_faults_cost_no_copy_twice_and_skip_nobody(tmp_path: Path, smtp_server: SmtpSink) -> None:
    everyone = readers(40)
    sink = smtp_server
    sink.fail_nth("DATA", 5, "421 4.3.2 shutting down")
    sink.fail_nth("DATA", 12, None)  # the connection drops during DATA
    sink.stall("RCPT", 10)  # ten seconds without an answer: timeout, reconnect, retry
    sink.reject(everyone[10], "451 4.7.1 greylisted", times=2)  # accepted at the 3rd try
    sink.reject(everyone[20], "550 5.1.1 no such user")
    sink.reject(everyone[30], "550 5.1.1 no such user")
    sink.reject(everyone[35], "451 4.3.0 mailbox busy")  # every time: left pending
    config = make_config(tmp_path, sink.port, len(everyone), timeout=0.5)

    item = run(load(config), now=NOW).lists[0]

    assert (item.sent, item.failed, item.pending) == (37, 2, 1)
    refused = {everyone[20], everyone[30], everyone[35]}
    assert sink.copies() == Counter(a for a in everyone if a not in refused)
    assert sink.connections >= 3 + 3  # the 421, the drop and the stall each cost one

    sink.allow(everyone[35])
    again = run(load(config), now=NOW).lists[0]
    assert "resumed edition 1: sent 1, failed 0" in again.note
    assert sink.copies() == Counter(a for a in everyone if a not in refused - {everyone[35]})

    code, output = invoke("status", "--config", str(config), "--failures")
    assert code == 0
    assert "      1  daily" in output and "     38        2        0  finished" in output
    assert f"failed: {everyone[20]}: the SMTP server" in output

    sink.allow(everyone[20])
    sink.allow(everyone[30])
    code, output = invoke("retry", "1", "--config", str(config))
    assert code == 0, output
    assert "retried 2 failed recipients; edition 1: sent 2, failed 0" in output
    assert sink.copies() == Counter(everyone)
    code, output = invoke("retry", "1", "--config", str(config))
    assert "retried 0 failed recipients; edition 1: sent 0" in output
    assert sink.copies() == Counter(everyone)


def test_each_message_is_personal_and_well_formed(tmp_path: Path, smtp_server: SmtpSink) -> None:
    config = make_config(tmp_path, smtp_server.port, 5, connections=2)
    run(load(config), now=NOW)
    ids = set()
    for received in smtp_server.messages:
        message = email.message_from_bytes(received.data, policy=policy.default)
        (rcpt,) = received.rcpt_tos
        assert message["To"].addresses[0].addr_spec == rcpt
        assert message["To"].addresses[0].display_name.startswith("Reader Zoë ")
        ids.add(message["Message-ID"])
        body = message.get_body(("plain",))
        assert body is not None and "Hi Reader," in body.get_content()
    assert len(ids) == 5


def test_a_server_that_is_down_stops_the_run_and_the_next_one_sends_all(
    tmp_path: Path,
) -> None:
    port = free_port()
    config = make_config(tmp_path, port, 30, connections=2)
    item = run(load(config), now=NOW).lists[0]
    assert (item.sent, item.pending) == (0, 30)
    assert "stopped sending: the server keeps failing" in item.delivery_errors[-1]

    with SmtpSink() as sink:
        text = config.read_text().replace(f"port = {port}", f"port = {sink.port}")
        config.write_text(text, encoding="utf-8")
        again = run(load(config), now=NOW).lists[0]
        assert again.sent == 30
        assert sink.copies() == Counter(readers(30))


def test_killed_mid_send_then_resumed_sends_each_reader_one_copy(
    tmp_path: Path, smtp_server: SmtpSink
) -> None:
    everyone = readers(150)
    connections = 2
    config = make_config(tmp_path, smtp_server.port, len(everyone), connections=connections)
    smtp_server.delay = 0.01  # the sink takes its time, so the kill lands mid-send
    command = [sys.executable, "-m", "digest", "run", "--config", str(config)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(smtp_server.messages) < 40 and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
        if process.stderr:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    before = sum(smtp_server.copies().values())
    assert 40 <= before < len(everyone)

    smtp_server.delay = 0
    resumed = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)

    assert resumed.returncode == 0, resumed.stderr
    assert "resumed edition 1" in resumed.stdout
    copies = smtp_server.copies()
    assert set(copies) == set(everyone)  # nobody skipped
    twice = [address for address, count in copies.items() if count > 1]
    # Only a message accepted in the instant of the kill, before it was recorded, may
    # go twice: at most the pool's window, one per connection plus one.
    assert len(twice) <= connections + 1 and all(copies[a] == 2 for a in twice)


def test_status_without_editions_and_retry_of_an_unknown_edition(tmp_path: Path) -> None:
    config = make_config(tmp_path, free_port(), 1)
    assert invoke("status", "--config", str(config)) == (0, "No editions yet.\n")
    result = CliRunner().invoke(cli, ["retry", "7", "--config", str(config)])
    assert result.exit_code == 2
    assert "Error: no edition 7 in" in result.output
    assert f"hint: `digest status --config {config}` lists the editions" in result.output


def test_the_retry_hint_names_the_real_edition_and_works_when_pasted(
    tmp_path: Path, smtp_server: SmtpSink
) -> None:
    everyone = readers(3)
    config = make_config(tmp_path, smtp_server.port, len(everyone))
    assert run(load(config), now=NOW).lists[0].failed == 0  # edition 1
    note = tmp_path / "notes" / "ferry.txt"
    note.write_text("Ferry news\n\n" + "The harbour ferry runs again from today. " * 5, "utf-8")
    os.utime(note, (NOW.timestamp() + 60, NOW.timestamp() + 60))
    smtp_server.reject(everyone[1], "550 5.1.1 no such user")
    assert run(load(config), now=NOW + timedelta(hours=1)).lists[0].failed == 1  # edition 2

    result = CliRunner().invoke(cli, ["--config", str(config), "status"], catch_exceptions=False)

    hint = f"Resend to the failed ones with `digest retry --config {config} 2`."
    assert result.exit_code == 0 and result.stderr == hint + "\n"
    smtp_server.allow(everyone[1])
    code, output = invoke(*shlex.split(hint.split("`")[1])[1:])
    assert code == 0, output
    assert "retried 1 failed recipients; edition 2: sent 1, failed 0" in output
    assert smtp_server.copies() == Counter(everyone * 2)
