"""A full or read-only state disk, on a real small file system: nothing doubles, nothing lost.

Each test mounts its own tmpfs (a few MiB) for the state file, so the disk really
fills: SQLite gets ``database or disk is full`` as it would on a full server. Mounting
needs root; CI runs as root, elsewhere these tests skip and say why.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from digest.cli import cli
from tests.disk_helpers import fill, make_read_only, small_disk
from tests.smtp_helpers import SmtpSink

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
READERS = 120
NOTE = (
    "The regional council met on Tuesday evening and agreed, after a debate that ran past "
    "midnight, to keep the valley night bus running through the winter. Residents had "
    "collected four thousand signatures for the service. "
) * 4


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs for the state file, mounted for this test alone."""
    with small_disk(tmp_path / "disk") as mount:
        yield mount


def make_config(tmp_path: Path, disk: Path, smtp: SmtpSink, readers: int = READERS) -> Path:
    notes = tmp_path / "notes"
    notes.mkdir()
    for number in range(3):
        (notes / f"note-{number}.txt").write_text(f"Night bus {number}\n\n{NOTE}", "utf-8")
    lines = ["email,name"] + [f"reader{n}@example.org,Reader {n}" for n in range(readers)]
    (tmp_path / "readers.csv").write_text("\n".join(lines) + "\n", "utf-8")
    config = tmp_path / "digest.toml"
    config.write_text(
        f"""
sender = "Briefing <news@example.org>"
base_url = "https://news.test"
transport = "smtp"
state = "{disk / "digest.sqlite"}"
archive_dir = "{tmp_path / "archive"}"
[smtp]
host = "127.0.0.1"
port = {smtp.port}
security = "none"
timeout = 5
attempts = 1
[lists.daily]
title = "Daily"
window_hours = 168
subscribers_file = "readers.csv"
[[lists.daily.sources]]
name = "Notes"
type = "folder"
path = "notes"
""",
        encoding="utf-8",
    )
    return config


def test_a_disk_that_fills_during_a_send_never_makes_a_second_copy(
    tmp_path: Path, disk: Path, smtp_server: SmtpSink
) -> None:
    config = make_config(tmp_path, disk, smtp_server)
    filler: list[Path] = []
    # The server fills the state's disk while it accepts the 40th message, so the mark
    # of that very message is the first write that fails.
    smtp_server.on_accept = lambda count: filler.append(fill(disk)) if count == 40 else None

    first = invoke("run", "--config", str(config))
    assert first.exit_code == 1, first.output
    assert "Traceback" not in first.output
    assert "the state cannot be written: the disk is full" in first.output
    stopped = re.search(
        r"stopped sending after (\d+) messages, each of them recorded", first.output
    )
    assert stopped is not None, first.output
    copies = smtp_server.copies()
    # The mark of the 40th (or, where the WAL had a little room left, one just after).
    assert len(copies) == int(stopped[1]) >= 40 and set(copies.values()) == {1}
    smtp_server.on_accept = None

    for _ in range(3):  # cron, or the daemon, tries again while the disk is still full
        again = invoke("run", "--config", str(config))
        assert again.exit_code == 1 and "Traceback" not in again.output, again.output
        assert "nothing was sent" in again.output or "the disk is full" in again.output
        assert smtp_server.copies() == copies

    filler[0].unlink()  # the operator frees space
    recovered = invoke("run", "--config", str(config))
    assert recovered.exit_code == 0, recovered.output
    final = smtp_server.copies()
    assert len(final) == READERS and set(final.values()) == {1}  # everyone once, nobody twice
    assert invoke("run", "--config", str(config)).exit_code == 0
    assert smtp_server.copies() == final


def test_a_full_disk_before_the_run_sends_nothing(
    tmp_path: Path, disk: Path, smtp_server: SmtpSink
) -> None:
    config = make_config(tmp_path, disk, smtp_server)
    assert invoke("status", "--config", str(config)).exit_code == 0  # the state file exists
    filler = fill(disk)
    for _ in range(2):
        result = invoke("run", "--config", str(config))
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and "OperationalError" not in result.output
        assert (
            result.output.startswith("Error: ") and "hint: free space on the disk" in result.output
        )
        assert smtp_server.messages == []
    filler.unlink()
    assert invoke("run", "--config", str(config)).exit_code == 0
    assert set(smtp_server.copies().values()) == {1} and len(smtp_server.copies()) == READERS


def test_an_edition_larger_than_the_free_space_fails_cleanly_at_commit(
    tmp_path: Path, disk: Path, smtp_server: SmtpSink
) -> None:
    config = make_config(tmp_path, disk, smtp_server, readers=60000)
    result = invoke("run", "--config", str(config))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "sqlite3" not in result.output
    assert "the state cannot be written: the disk is full (database or disk is full)" in (
        result.output
    )
    assert smtp_server.messages == []


def test_a_read_only_state_folder_is_a_clear_error_and_sends_nothing(
    tmp_path: Path, disk: Path, smtp_server: SmtpSink
) -> None:
    config = make_config(tmp_path, disk, smtp_server)
    assert invoke("status", "--config", str(config)).exit_code == 0
    make_read_only(disk)
    result = invoke("run", "--config", str(config))
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output and "Errno" not in result.output
    assert "read-only" in result.output and str(disk / "digest.sqlite") in result.output
    assert smtp_server.messages == []


def test_a_read_only_folder_before_the_first_run_says_read_only(
    tmp_path: Path, disk: Path, smtp_server: SmtpSink
) -> None:
    config = make_config(tmp_path, disk, smtp_server)
    make_read_only(disk)  # no state file yet
    for command in ("run", "status"):
        result = invoke(command, "--config", str(config))
        assert result.exit_code == 1, result.output
        assert f"{disk / 'digest.sqlite'}: the state cannot be written: the file or its " in (
            result.output
        )
        assert "folder is read-only" in result.output and "Traceback" not in result.output
    assert smtp_server.messages == []
