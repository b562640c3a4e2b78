"""The run lock: the daemon and `digest run` never make or send editions at once."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import RunLockedError
from ._faults import state_error

_HELD_LOCKS: set[Path] = set()
"""Lock files this process holds: fcntl locks belong to a process, not to a thread."""
_HELD_LOCKS_GUARD = threading.Lock()


@contextmanager
def run_lock(state_path: Path) -> Iterator[None]:
    """Hold an exclusive lock beside the state file so that two runs never overlap.

    The lock excludes other processes (fcntl) and other threads of this one.
    """
    lock_path = state_path.with_name(state_path.name + ".lock")
    busy = RunLockedError(
        f"another digest run holds the lock {lock_path}.",
        hint="wait for it to finish; the daemon and `digest run` never send together",
    )
    key = lock_path.resolve()
    with _HELD_LOCKS_GUARD:
        if key in _HELD_LOCKS:
            raise busy
        _HELD_LOCKS.add(key)
    try:
        try:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            handle = lock_path.open("a")
        except OSError as exc:  # a read-only or full state folder
            raise state_error(exc, lock_path) from exc
        with handle:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                raise busy from exc
            try:
                yield
            finally:
                fcntl.lockf(handle, fcntl.LOCK_UN)
    finally:
        with _HELD_LOCKS_GUARD:
            _HELD_LOCKS.discard(key)
