"""The run lock: the daemon and `digest run` never make or send editions at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from ..errors import RunLockedError
from ..files import lock
from ._faults import state_error


@contextmanager
def run_lock(state_path: Path) -> Iterator[None]:
    """Hold an exclusive lock beside the state file so that two runs never overlap.

    The lock excludes other processes and other threads of this one; a run that finds
    it held stops at once (RunLockedError), it does not wait.
    """
    lock_path = state_path.with_name(state_path.name + ".lock")
    with ExitStack() as stack:
        try:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            stack.enter_context(lock(lock_path, is_blocking=False))
        except BlockingIOError as exc:
            raise RunLockedError(
                f"another digest run holds the lock {lock_path}.",
                hint="wait for it to finish; the daemon and `digest run` never send together",
            ) from exc
        except OSError as exc:  # a read-only or full state folder
            raise state_error(exc, lock_path) from exc
        yield
