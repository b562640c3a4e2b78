"""Files that others read or write at the same time: atomic replacement and locks.

`atomic_write` replaces a file so that a reader (a web server, a mail client, the config
loader, another digest process) sees the old content or the new, never a part of
either, and a crash leaves one of them. `lock` holds an exclusive lock on a file beside
what it guards, against other processes and the other threads of this one. The
subscriber files, the config, the web archive and the run lock use them.
"""

from __future__ import annotations

import errno
import fcntl
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NEW_FILE_MODE = 0o644
"""Mode of a file written for the first time (mkstemp's own 0600 would hide it from a
web server, or from the admin's tools under another user)."""

_THREAD_LOCKS: dict[Path, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def atomic_write(path: Path, data: bytes) -> None:
    """Replace the file at path with `data` all at once, keeping its mode.

    The bytes are written as given (newlines are not translated) to a temporary file in
    the same folder, synced to disk and renamed over path; the folder is synced too, so
    the rename survives a crash. If anything fails, the temporary file is removed and
    path is as it was. Raises OSError.
    """
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


@contextmanager
def lock(path: Path, *, is_blocking: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on the file at path (made if missing) for the `with` block.

    An fcntl lock excludes other processes; fcntl locks belong to a process, so a thread
    lock per path excludes this process's other threads (and a second `with` of the
    same thread). Waits for the lock; with `is_blocking=False`, raises BlockingIOError
    at once if another holds it. Raises OSError if the file cannot be opened.
    """
    with _THREAD_LOCKS_GUARD:
        thread_lock = _THREAD_LOCKS.setdefault(path.resolve(), threading.Lock())
    if not thread_lock.acquire(blocking=is_blocking):
        raise BlockingIOError(errno.EAGAIN, "locked by another thread", str(path))
    try:
        with path.open("a") as handle:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX if is_blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EACCES, errno.EAGAIN):
                    raise
                raise BlockingIOError(errno.EAGAIN, "locked by another process", str(path)) from exc
            try:
                yield
            finally:
                fcntl.lockf(handle, fcntl.LOCK_UN)
    finally:
        thread_lock.release()
