"""Atomic replacement and locks, with real files, a real second process and real threads."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from digest.files import atomic_write, lock

from .conftest import ROOT


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_write_keeps_the_bytes_and_the_mode(tmp_path):
    path = tmp_path / "readers.csv"
    path.write_bytes(b"email\n")
    path.chmod(0o640)

    atomic_write(path, b"\xef\xbb\xbfemail\r\nada@example.org\r\nlast line, no newline")

    assert path.read_bytes() == b"\xef\xbb\xbfemail\r\nada@example.org\r\nlast line, no newline"
    assert mode(path) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["readers.csv"]


def test_a_new_file_is_readable_by_others(tmp_path):
    path = tmp_path / "index.html"

    atomic_write(path, b"<p>hi</p>\n")

    assert path.read_bytes() == b"<p>hi</p>\n" and mode(path) == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "digest.toml"
    path.write_bytes(b"# the old config\n")
    # A real failure in mid-write: the file size limit (RLIMIT_FSIZE) is below the data.
    probe = textwrap.dedent(
        f"""
        import resource, signal
        from pathlib import Path
        from digest.files import atomic_write
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
        try:
            atomic_write(Path({str(path)!r}), b"x" * 100_000)
        except OSError as exc:
            print(type(exc).__name__, exc.errno)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )

    assert result.stdout.split() == ["OSError", str(errno.EFBIG)]
    assert path.read_bytes() == b"# the old config\n"
    assert [p.name for p in tmp_path.iterdir()] == ["digest.toml"]


def test_a_write_into_a_missing_folder_raises_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "no" / "such.txt", b"x")


HOLDER = """
import sys
from pathlib import Path
from digest.files import lock
with lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.read()  # until the test closes our stdin
"""


def test_the_lock_excludes_another_process(tmp_path):
    path = tmp_path / ".digest.toml.lock"
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    ) as holder:
        assert holder.stdout is not None and holder.stdin is not None
        try:
            assert holder.stdout.readline() == "locked\n"

            with (
                pytest.raises(BlockingIOError, match="locked by another process"),
                lock(path, is_blocking=False),
            ):
                pass  # pragma: no cover - the lock is held

            got = threading.Event()
            waiter = threading.Thread(target=lambda: _take(path, got))
            waiter.start()
            time.sleep(0.3)  # a timed Event.wait never times out under libfaketime
            assert not got.is_set()  # it waits for the other process
            holder.stdin.close()  # the holder reads to the end, lets go, exits
            waiter.join(timeout=10)
            assert got.is_set()
        finally:
            holder.kill()


def _take(path: Path, got: threading.Event) -> None:
    with lock(path):
        got.set()


def test_the_lock_excludes_another_thread_and_is_released_after_an_error(tmp_path):
    path = tmp_path / "state.sqlite.lock"
    held, release, got = threading.Event(), threading.Event(), threading.Event()

    def holder() -> None:
        with lock(path):
            held.set()
            release.wait(10)

    first = threading.Thread(target=holder)
    first.start()
    assert held.wait(10)
    with (
        pytest.raises(BlockingIOError, match="locked by another thread"),
        lock(path, is_blocking=False),
    ):
        pass  # pragma: no cover - the lock is held
    second = threading.Thread(target=lambda: _take(path, got))
    second.start()
    time.sleep(0.3)  # a timed Event.wait never times out under libfaketime
    assert not got.is_set()  # it waits for the first thread
    release.set()
    first.join(10)
    second.join(10)
    assert got.is_set()

    with pytest.raises(RuntimeError, match="boom"), lock(path):
        raise RuntimeError("boom")
    with lock(path, is_blocking=False):
        pass  # free again


def test_the_lock_file_that_cannot_be_opened_raises_oserror(tmp_path):
    with pytest.raises(FileNotFoundError), lock(tmp_path / "no" / "such.lock"):
        pass  # pragma: no cover
    assert not os.path.exists(tmp_path / "no")
