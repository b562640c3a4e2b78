"""When the state cannot be written: a full disk, a read-only file system, an I/O error.

Every SQLite error of that kind becomes a StateError that names the file, says what
happened in words and what to do, so no run ends in a raw ``sqlite3.OperationalError``.

A send must never hand over a message whose delivery cannot then be recorded: the
server accepts it, the "sent" mark fails, and every later run would send it again. So
before an edition goes out, a small reserve file is made beside the state file
(`Reserve`): if the disk has not even that much room, nothing is sent. If a mark then
fails for want of space, the reserve is given back to the file system, the marks of
the messages already handed over are written into that room, and sending stops; the
next run makes the reserve again before it sends anything, so a disk that is still
full sends nobody anything, and one that has room again resumes with exactly those
still pending.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

from ..errors import StateError

log = logging.getLogger(__package__)

RESERVE_BYTES = 64 * 1024
"""The reserve for one connection: the WAL frames of a few marks and the edition's end."""
RESERVE_PER_CONNECTION = 16 * 1024
"""More room per SMTP connection: each may have a message in flight when the disk fills."""
_FREE_SPACE = "free space on the disk that holds the state file"


def state_error(exc: sqlite3.Error | OSError, path: Path) -> StateError:
    """A StateError for a failure of the state database or its folder, in words."""
    fault = disk_fault(exc, path)
    if fault is not None:
        return fault
    text = str(exc) if isinstance(exc, sqlite3.Error) else (exc.strerror or str(exc))
    return StateError(
        f"{path}: the state database failed: {text}.",
        hint="check the disk and the file; `digest status` shows what was sent",
    )


def disk_fault(exc: sqlite3.Error | OSError, path: Path) -> StateError | None:
    """The StateError of a full or read-only state disk, file or folder; None if not that."""
    text = str(exc) if isinstance(exc, sqlite3.Error) else (exc.strerror or str(exc))
    code = exc.errno if isinstance(exc, OSError) else None
    lowered = text.lower()
    disk = _disk_state(path)  # SQLite says "disk I/O error" when it cannot make its -wal
    if disk == "full" or code == errno.ENOSPC or "disk is full" in lowered:
        return StateError(
            f"{path}: the state cannot be written: the disk is full ({text}).",
            hint=f"{_FREE_SPACE}, then run again: it sends what is still pending, and "
            "nobody gets a message twice",
        )
    if (
        disk == "read-only"
        or code in (errno.EROFS, errno.EACCES, errno.EPERM)
        or ("readonly" in lowered)
    ):
        return StateError(
            f"{path}: the state cannot be written: the file or its folder is read-only ({text}).",
            hint="make the state file and its folder writable for this user (the folder "
            "holds the lock and SQLite's -wal and -shm files too), or set `state` in the "
            "config to a writable path",
        )
    return None


def _disk_state(path: Path) -> str | None:
    """ "read-only" or "full" when the file system of the state's folder is so, else None."""
    try:
        disk = os.statvfs(path.parent)
    except OSError:
        return None
    if disk.f_flag & os.ST_RDONLY:
        return "read-only"
    return "full" if disk.f_bavail * disk.f_frsize < RESERVE_BYTES else None


class GuardedConnection(sqlite3.Connection):
    """A SQLite connection whose operational errors (full, read-only, I/O) are StateErrors.

    Constraint errors (sqlite3.IntegrityError) stay as they are: callers rely on them.
    """

    state_path: Path = Path("state")

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        """As sqlite3.Connection.execute, with failures of the disk as StateErrors."""
        try:
            return super().execute(sql, parameters)
        except sqlite3.OperationalError as exc:
            raise state_error(exc, self.state_path) from exc

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        """As sqlite3.Connection.executemany, with failures of the disk as StateErrors."""
        try:
            return super().executemany(sql, parameters)
        except sqlite3.OperationalError as exc:
            raise state_error(exc, self.state_path) from exc


class Reserve:
    """Room kept on the state's disk, so the marks of messages in flight always fit."""

    def __init__(self, state_path: Path, *, connections: int = 1) -> None:
        self.state_path = state_path
        self.path = state_path.with_name(state_path.name + ".reserve")
        self.size = RESERVE_BYTES + max(connections - 1, 0) * RESERVE_PER_CONNECTION

    def ensure(self) -> None:
        """Make sure the reserve is there (made anew after a release); StateError if no room."""
        try:
            if self.path.stat().st_size >= self.size:
                return
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise state_error(exc, self.state_path) from exc
        try:
            with self.path.open("wb") as handle:
                _allocate(handle.fileno(), self.size)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            self.path.unlink(missing_ok=True)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StateError(
                    f"{self.state_path}: nothing was sent: the disk that holds the state "
                    f"file has less than {self.size // 1024} KiB free, too little to "
                    "record deliveries safely.",
                    hint=f"{_FREE_SPACE}, then run again; the edition stays pending until then",
                ) from exc
            raise state_error(exc, self.state_path) from exc

    def release(self) -> bool:
        """Give the reserve's room back to the disk; False when there was none to give."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        log.warning("%s: the disk is full; used the reserve to record the sends in flight", self)
        return True

    def __str__(self) -> str:
        return str(self.path)


def _allocate(fd: int, size: int) -> None:
    """Really take `size` bytes on the disk (posix_fallocate), else by writing them."""
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise
        # Random bytes, not zeros: a compressing file system would store zeros in nothing.
        data = memoryview(os.urandom(size))
        while data:
            data = data[os.write(fd, data) :]
