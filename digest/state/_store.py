"""The state store: one SQLite file that remembers what digest has done.

The schema is made and upgraded by the migrations in ``_migrations.py``. Tables:
``seen`` (articles each list has sent), ``validators`` (ETag/Last-Modified of
feeds), ``summaries`` (key points cached by content hash), ``editions`` (each edition
made, with what is needed to finish sending it), ``variants`` (an edition's other
renders, for subscribers whose topics pick other items), ``deliveries`` (the delivery
log: one row per edition and recipient, pending when the edition is recorded, marked
after the hand-off), ``slots`` (what the scheduler did about each due time of a list:
an edition, nothing new, missed), ``source_fetches`` (each source's last fetch: when,
how many items, what failed), ``unsubscribes`` (who left a list by the one-click link),
``secrets`` (the unsubscribe key, made on first use), ``known_sources``, ``held``,
``passed`` and ``pending_baselines`` (what a list has taken in besides what it sent:
``_intake.py``). ``seen``
holds ``url:<canonical URL>`` keys besides the source-scoped guids, so an article that
comes back under a new guid, or from another source, is still sent once.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Self

from ..errors import ConfigError
from ._claims import Claims
from ._faults import GuardedConnection, disk_fault
from ._intake import IntakeState
from ._lock import run_lock
from ._log import DeliveryLog
from ._migrations import migrate
from ._records import FetchStatus, SlotStatus, is_postgres, to_iso

log = logging.getLogger(__package__)


OPEN_PATIENCE = 30.0
"""Seconds an opening process waits for the others that are making the same new file."""


def _use_wal(db: sqlite3.Connection) -> None:
    """Put the database in WAL mode (a no-op when it is), waiting out other processes.

    Switching a new file's journal mode reads it, then takes it whole; two processes doing
    so at once would wait for each other, so SQLite answers one of them "database is
    locked" at once rather than after its busy timeout. That one tries again.
    """
    deadline = time.monotonic() + OPEN_PATIENCE
    while True:
        try:
            sqlite3.Connection.execute(db, "PRAGMA journal_mode=WAL")  # the raw error
            return
        except sqlite3.OperationalError as exc:
            is_busy = "locked" in str(exc) or "busy" in str(exc)
            if not is_busy or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class StateStore(DeliveryLog, IntakeState, Claims):
    """Typed access to the state (a SQLite file, or PostgreSQL); one instance per process and run.

    Both engines take the same SQL (see _postgres.py), so every method works on both.
    """

    def __init__(self, location: Path | str, *, password: str | None = None) -> None:
        """Open the SQLite file at `location`, or PostgreSQL when it is a postgresql:// URL."""
        if isinstance(location, str) and is_postgres(location):
            try:
                from . import _postgres  # psycopg loads only for a PostgreSQL state
            except ImportError as exc:
                raise ConfigError(
                    f"the state is in PostgreSQL, but psycopg is not installed: {exc}.",
                    hint="install digest with its scale extra: pip install 'digest[scale]'",
                ) from exc
            self._db = _postgres.connect(location, password)
            self.path = _postgres.redacted(location)
            self.is_postgres = True
            return
        path = Path(location)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, isolation_level=None, timeout=30, factory=GuardedConnection)
            db.state_path = path
            _use_wal(db)
            db.execute("PRAGMA synchronous=NORMAL")
            migrate(db)
        except (OSError, sqlite3.Error) as exc:
            fault = disk_fault(exc, path)  # a read-only or full disk is no config mistake
            if fault is not None:
                raise fault from exc
            raise ConfigError(
                f"{path}: cannot open the state database: {exc}.",
                hint="check that the folder of `state` in the config is writable",
            ) from exc
        self._db = db
        self.path = path
        self.is_postgres = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def run_lock(self) -> AbstractContextManager[None]:
        """The lock that keeps two runs apart: a file beside SQLite's, or an advisory lock.

        PostgreSQL's holds across machines, and ends with the session if the holder dies.
        """
        if isinstance(self._db, sqlite3.Connection):
            return run_lock(Path(self.path))
        from . import _postgres

        assert isinstance(self._db, _postgres.PostgresDb)
        return _postgres.run_lock(self._db, self.path)

    def seen_keys(self, list_name: str) -> set[str]:
        """Every key of what the list has sent (``url:``, ``guid:`` or ``legacy:``, see 0005)."""
        rows = self._db.execute("SELECT guid FROM seen WHERE list_name = ?", (list_name,))
        return {row[0] for row in rows}

    # source fetch status -------------------------------------------------------------

    def record_fetch(
        self, list_name: str, source_name: str, when: datetime, items: int, error: str | None
    ) -> None:
        """Remember how the source's latest fetch went (for `digest sources list`)."""
        self._db.execute(
            "INSERT INTO source_fetches (list_name, source_name, fetched_at, items, error)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (list_name, source_name) DO UPDATE SET"
            " fetched_at = excluded.fetched_at, items = excluded.items, error = excluded.error",
            (list_name, source_name, to_iso(when), items, error),
        )

    def fetch_statuses(self) -> dict[tuple[str, str], FetchStatus]:
        """The last fetch of every source, by (list name, source name)."""
        rows = self._db.execute(
            "SELECT list_name, source_name, fetched_at, items, error FROM source_fetches"
        ).fetchall()
        return {
            (row[0], row[1]): FetchStatus(row[0], row[1], datetime.fromisoformat(row[2]), *row[3:])
            for row in rows
        }

    # feed validators (collect.ValidatorStore) ----------------------------------------

    def get_validators(self, url: str) -> tuple[str | None, str | None]:
        """The ETag and Last-Modified last seen for this URL."""
        row = self._db.execute(
            "SELECT etag, last_modified FROM validators WHERE url = ?", (url,)
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember the validators of a fetched URL for the next conditional GET."""
        self._db.execute(
            "INSERT INTO validators (url, etag, last_modified) VALUES (?, ?, ?)"
            " ON CONFLICT (url) DO UPDATE SET"
            " etag = excluded.etag, last_modified = excluded.last_modified",
            (url, etag, last_modified),
        )

    # summary cache -----------------------------------------------------------------

    def cached_summary(self, key: str) -> tuple[str, ...] | None:
        """Key points cached under this content key, if any."""
        row = self._db.execute("SELECT key_points FROM summaries WHERE key = ?", (key,)).fetchone()
        return tuple(json.loads(row[0])) if row else None

    def cache_summary(self, key: str, key_points: tuple[str, ...]) -> None:
        """Cache key points under a content key."""
        self._db.execute(
            "INSERT INTO summaries (key, key_points) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET key_points = excluded.key_points",
            (key, json.dumps(list(key_points))),
        )

    # unsubscribes --------------------------------------------------------------------

    def record_unsubscribe(self, list_name: str, email: str, when: datetime) -> bool:
        """Remember that this address left the list; False if it already had."""
        cursor = self._db.execute(
            "INSERT INTO unsubscribes (list_name, email, unsubscribed_at)"
            " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (list_name, email.strip().casefold(), to_iso(when)),
        )
        return cursor.rowcount > 0

    def unsubscribed(self, list_name: str) -> dict[str, datetime]:
        """Every address (case-folded) that left the list by its link, with when."""
        rows = self._db.execute(
            "SELECT email, unsubscribed_at FROM unsubscribes WHERE list_name = ?", (list_name,)
        ).fetchall()
        return {email: datetime.fromisoformat(when) for email, when in rows}

    def clear_unsubscribe(self, list_name: str, email: str) -> bool:
        """Forget an unsubscribe (the admin subscribed the address again); False if none."""
        cursor = self._db.execute(
            "DELETE FROM unsubscribes WHERE list_name = ? AND email = ?",
            (list_name, email.strip().casefold()),
        )
        return cursor.rowcount > 0

    # scheduled slots ---------------------------------------------------------------

    def slot_status(self, list_name: str, slot: datetime) -> SlotStatus | None:
        """What became of this due time of the list, or None when nothing yet."""
        row = self._db.execute(
            "SELECT status FROM slots WHERE list_name = ? AND slot = ?", (list_name, to_iso(slot))
        ).fetchone()
        return row[0] if row else None

    def last_slot(self, list_name: str) -> datetime | None:
        """The latest due time of the list with a record, or None before the first."""
        row = self._db.execute(
            "SELECT MAX(slot) FROM slots WHERE list_name = ?", (list_name,)
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def record_slot(
        self, list_name: str, slot: datetime, status: SlotStatus, when: datetime
    ) -> bool:
        """Record what became of a due time; False (and no change) if it has a record."""
        cursor = self._db.execute(
            "INSERT INTO slots (list_name, slot, status, recorded) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (list_name, to_iso(slot), status, to_iso(when)),
        )
        return cursor.rowcount == 1

    # secrets -----------------------------------------------------------------------

    def secret(self, name: str) -> bytes:
        """A random secret kept in the store, made on first use (e.g. the unsubscribe key)."""
        row = self._db.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
        if row:
            return bytes(row[0])
        self._db.execute(
            "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (name, os.urandom(32)),
        )
        return self.secret(name)
