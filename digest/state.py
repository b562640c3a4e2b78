"""The state store: one SQLite file that remembers what digest has done.

Tables: ``seen`` (articles each list has sent), ``validators`` (ETag/Last-Modified of
feeds), ``summaries`` (key points cached by content hash), ``editions`` (each edition
made, with what is needed to finish sending it) and ``deliveries`` (the delivery log:
one row per edition and recipient, written before and after the hand-off) and ``slots``
(what the scheduler did about each due time of a list: an edition, nothing new, missed).
``source_fetches`` keeps each source's last fetch (when, how many items, what failed),
and ``seen`` also holds ``url:<canonical URL>`` keys, so an article that comes back
under a new guid, or from another source, is still sent once.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Self

from .errors import ConfigError, DigestError

log = logging.getLogger(__name__)

DeliveryStatus = Literal["pending", "sent", "failed"]
SlotStatus = Literal["sent", "empty", "missed", "baseline"]
"""What became of a due time: an edition, nothing new, missed (daemon down), or before
the daemon first scheduled the list."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    list_name TEXT NOT NULL,
    guid TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (list_name, guid)
);
CREATE TABLE IF NOT EXISTS validators (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT
);
CREATE TABLE IF NOT EXISTS summaries (
    key TEXT PRIMARY KEY,
    key_points TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS editions (
    id INTEGER PRIMARY KEY,
    list_name TEXT NOT NULL,
    created TEXT NOT NULL,
    articles INTEGER NOT NULL,
    payload BLOB NOT NULL,
    guids TEXT NOT NULL,
    finished TEXT
);
CREATE TABLE IF NOT EXISTS secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    edition_id INTEGER NOT NULL REFERENCES editions(id),
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    updated TEXT NOT NULL,
    PRIMARY KEY (edition_id, email)
);
CREATE TABLE IF NOT EXISTS source_fetches (
    list_name TEXT NOT NULL,
    source_name TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    items INTEGER NOT NULL,
    error TEXT,
    PRIMARY KEY (list_name, source_name)
);
CREATE TABLE IF NOT EXISTS slots (
    list_name TEXT NOT NULL,
    slot TEXT NOT NULL,
    status TEXT NOT NULL,
    edition_id INTEGER REFERENCES editions(id),
    recorded TEXT NOT NULL,
    PRIMARY KEY (list_name, slot)
);
"""


class RunLockedError(DigestError):
    """Raised when another run (the daemon or `digest run`) holds the run lock."""


_SUBSCRIPTION_SCHEMA = """
CREATE TABLE IF NOT EXISTS variants (
    edition_id INTEGER NOT NULL REFERENCES editions(id),
    variant TEXT NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (edition_id, variant)
);
CREATE TABLE IF NOT EXISTS unsubscribes (
    list_name TEXT NOT NULL,
    email TEXT NOT NULL,
    unsubscribed_at TEXT NOT NULL,
    PRIMARY KEY (list_name, email)
);
"""
"""``variants``: the rendered variants of an edition other than its main one (subscribers
whose topic filters pick other items); ``deliveries.variant`` names each recipient's.
``unsubscribes``: who left which list by the one-click link, honoured by every run even
if writing the subscriber file failed."""
_ADD_VARIANT_COLUMN = "ALTER TABLE deliveries ADD COLUMN variant TEXT NOT NULL DEFAULT ''"


@dataclass(frozen=True, slots=True)
class EditionRecord:
    """One edition as the store remembers it."""

    id: int
    list_name: str
    created: datetime
    articles: int
    payload: bytes
    finished: datetime | None


@dataclass(frozen=True, slots=True)
class FetchStatus:
    """The outcome of a source's last fetch in a run."""

    list_name: str
    source_name: str
    fetched_at: datetime
    items: int
    error: str | None


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    """How far the sending of one edition has come."""

    sent: int
    failed: int
    pending: int


@dataclass(frozen=True, slots=True)
class EditionStatus:
    """One edition and how far its sending has come, for `digest status`."""

    id: int
    list_name: str
    created: datetime
    finished: datetime | None
    counts: DeliveryCounts


class StateStore:
    """Typed access to the SQLite state file; one instance per process and run."""

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._db.executescript(_SUBSCRIPTION_SCHEMA)
            self._add_variant_column()
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"{path}: cannot open the state database: {exc}.",
                hint="check that the folder of `state` in the config is writable",
            ) from exc
        self.path = path

    def _add_variant_column(self) -> None:
        """Give a database made by an older version the deliveries.variant column."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(deliveries)")}
        if "variant" not in columns:
            try:
                self._db.execute(_ADD_VARIANT_COLUMN)
            except sqlite3.OperationalError as exc:  # another process added it just now
                if "duplicate column" not in str(exc):
                    raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    # seen articles ---------------------------------------------------------------
    def unseen(self, list_name: str, guids: Iterable[str]) -> set[str]:
        """The guids among these that the list has not sent yet."""
        wanted = set(guids)
        rows = self._db.execute(
            "SELECT guid FROM seen WHERE list_name = ?", (list_name,)
        ).fetchall()
        return wanted - {row[0] for row in rows}

    def seen_keys(self, list_name: str) -> set[str]:
        """Every key (guid, or ``url:`` + canonical URL) of what the list has sent."""
        rows = self._db.execute("SELECT guid FROM seen WHERE list_name = ?", (list_name,))
        return {row[0] for row in rows}

    # source fetch status -------------------------------------------------------------
    def record_fetch(
        self, list_name: str, source_name: str, when: datetime, items: int, error: str | None
    ) -> None:
        """Remember how the source's latest fetch went (for `digest sources list`)."""
        self._db.execute(
            "INSERT OR REPLACE INTO source_fetches"
            " (list_name, source_name, fetched_at, items, error) VALUES (?, ?, ?, ?, ?)",
            (list_name, source_name, _iso(when), items, error),
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
            "INSERT OR REPLACE INTO validators (url, etag, last_modified) VALUES (?, ?, ?)",
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
            "INSERT OR REPLACE INTO summaries (key, key_points) VALUES (?, ?)",
            (key, json.dumps(list(key_points))),
        )

    # editions and the delivery log -----------------------------------------------------
    def create_edition(
        self,
        list_name: str,
        created: datetime,
        payload: bytes,
        guids: Iterable[str],
        recipients: Iterable[tuple[str, str] | tuple[str, str, str]],
        variants: Mapping[str, bytes] | None = None,
        *,
        slot: datetime | None = None,
        also_seen: Iterable[str] = (),
    ) -> int:
        """Record a new edition, mark its articles seen and queue every recipient, atomically.

        With a `slot`, the scheduled time is claimed in the same transaction: a second
        edition for the same slot of the same list fails (sqlite3.IntegrityError).
        also_seen: more keys (``url:`` + canonical URL) marked seen, not counted as articles.
        """
        guid_list = sorted(set(guids))
        seen_list = sorted(set(guid_list).union(also_seen))
        now = _iso(created)
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO editions (list_name, created, articles, payload, guids)"
                " VALUES (?, ?, ?, ?, ?)",
                (list_name, now, len(guid_list), payload, json.dumps(guid_list)),
            )
            edition_id = int(cursor.lastrowid or 0)
            self._db.executemany(
                "INSERT OR IGNORE INTO seen (list_name, guid, seen_at) VALUES (?, ?, ?)",
                [(list_name, key, now) for key in seen_list],
            )
            # A recipient (email, name, variant) gets variants[variant], not the main payload;
            # variants is read after the recipients, so their generator may fill it.
            self._db.executemany(
                "INSERT OR IGNORE INTO deliveries"
                " (edition_id, email, name, status, updated, variant)"
                " VALUES (?, ?, ?, 'pending', ?, ?)",
                ((edition_id, r[0], r[1], now, r[2] if len(r) > 2 else "") for r in recipients),
            )
            self._db.executemany(
                "INSERT INTO variants (edition_id, variant, payload) VALUES (?, ?, ?)",
                ((edition_id, name, data) for name, data in (variants or {}).items()),
            )
            if slot is not None:
                self._db.execute(
                    "INSERT INTO slots (list_name, slot, status, edition_id, recorded)"
                    " VALUES (?, ?, 'sent', ?, ?)",
                    (list_name, _iso(slot), edition_id, _iso(datetime.now(UTC))),
                )
        return edition_id

    def pending_deliveries(
        self, edition_id: int, batch: int = 1000
    ) -> Iterator[tuple[str, str, str]]:
        """(email, name, variant) of every recipient not yet handed off, streamed in batches."""
        last = 0
        while True:
            rows = self._db.execute(
                "SELECT rowid, email, name, variant FROM deliveries"
                " WHERE edition_id = ? AND status = 'pending' AND rowid > ?"
                " ORDER BY rowid LIMIT ?",
                (edition_id, last, batch),
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            for _, email, name, variant in rows:
                yield email, name, variant

    def variant_payload(self, edition_id: int, variant: str) -> bytes:
        """The stored payload of one variant of an edition ('' is the edition's own)."""
        if variant:
            row = self._db.execute(
                "SELECT payload FROM variants WHERE edition_id = ? AND variant = ?",
                (edition_id, variant),
            ).fetchone()
        else:
            row = self._db.execute(
                "SELECT payload FROM editions WHERE id = ?", (edition_id,)
            ).fetchone()
        if row is None:
            raise DigestError(f"edition {edition_id} has no variant {variant!r} in {self.path}.")
        return bytes(row[0])

    def variant_counts(self, edition_id: int) -> dict[str, int]:
        """How many recipients each variant of an edition has ('' is the main one)."""
        rows = self._db.execute(
            "SELECT variant, COUNT(*) FROM deliveries WHERE edition_id = ? GROUP BY variant",
            (edition_id,),
        ).fetchall()
        return {variant: count for variant, count in rows}

    # unsubscribes --------------------------------------------------------------------
    def record_unsubscribe(self, list_name: str, email: str, when: datetime) -> bool:
        """Remember that this address left the list; False if it already had."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO unsubscribes (list_name, email, unsubscribed_at)"
            " VALUES (?, ?, ?)",
            (list_name, email.strip().casefold(), _iso(when)),
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

    def last_edition_time(self, list_name: str) -> datetime | None:
        """When the list's latest edition was made, or None before its first."""
        row = self._db.execute(
            "SELECT MAX(created) FROM editions WHERE list_name = ?", (list_name,)
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    # scheduled slots ---------------------------------------------------------------
    def slot_status(self, list_name: str, slot: datetime) -> SlotStatus | None:
        """What became of this due time of the list, or None when nothing yet."""
        row = self._db.execute(
            "SELECT status FROM slots WHERE list_name = ? AND slot = ?", (list_name, _iso(slot))
        ).fetchone()
        return row[0] if row else None

    def last_slot(self, list_name: str) -> datetime | None:
        """The latest due time of the list with a record, or None before the first."""
        row = self._db.execute(
            "SELECT MAX(slot) FROM slots WHERE list_name = ?", (list_name,)
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def record_slot(self, list_name: str, slot: datetime, status: SlotStatus) -> bool:
        """Record what became of a due time; False (and no change) if it has a record."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO slots (list_name, slot, status, recorded) VALUES (?, ?, ?, ?)",
            (list_name, _iso(slot), status, _iso(datetime.now(UTC))),
        )
        return cursor.rowcount == 1

    def unfinished_editions(self, list_name: str | None = None) -> list[EditionRecord]:
        """Editions whose sending was interrupted, oldest first."""
        query = "SELECT id, list_name, created, articles, payload, finished FROM editions"
        query += " WHERE finished IS NULL"
        params: tuple[str, ...] = ()
        if list_name is not None:
            query += " AND list_name = ?"
            params = (list_name,)
        rows = self._db.execute(query + " ORDER BY id", params).fetchall()
        return [_edition(row) for row in rows]

    def editions(self, limit: int = 20) -> list[EditionRecord]:
        """The most recent editions, newest first."""
        rows = self._db.execute(
            "SELECT id, list_name, created, articles, payload, finished FROM editions"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [_edition(row) for row in rows]

    def edition(self, edition_id: int) -> EditionRecord | None:
        """One edition by its id, or None."""
        row = self._db.execute(
            "SELECT id, list_name, created, articles, payload, finished FROM editions WHERE id = ?",
            (edition_id,),
        ).fetchone()
        return _edition(row) if row else None

    def edition_statuses(
        self, list_name: str | None = None, limit: int = 20
    ) -> list[EditionStatus]:
        """The most recent editions (of one list, or all) with their delivery counts."""
        where, params = ("WHERE e.list_name = ?", (list_name,)) if list_name else ("", ())
        rows = self._db.execute(
            "SELECT e.id, e.list_name, e.created, e.finished,"
            " COALESCE(SUM(d.status = 'sent'), 0), COALESCE(SUM(d.status = 'failed'), 0),"
            " COALESCE(SUM(d.status = 'pending'), 0)"
            f" FROM editions e LEFT JOIN deliveries d ON d.edition_id = e.id {where}"
            " GROUP BY e.id ORDER BY e.id DESC LIMIT ?",
            (*params, limit),
        ).fetchall()
        return [
            EditionStatus(
                id=row[0],
                list_name=row[1],
                created=datetime.fromisoformat(row[2]),
                finished=datetime.fromisoformat(row[3]) if row[3] else None,
                counts=DeliveryCounts(sent=row[4], failed=row[5], pending=row[6]),
            )
            for row in rows
        ]

    def requeue_failed(self, edition_id: int) -> int:
        """Make the edition's failed recipients pending again (and the edition unfinished)."""
        with self._transaction():
            cursor = self._db.execute(
                "UPDATE deliveries SET status = 'pending'"
                " WHERE edition_id = ? AND status = 'failed'",
                (edition_id,),
            )
            if cursor.rowcount:
                self._db.execute("UPDATE editions SET finished = NULL WHERE id = ?", (edition_id,))
        return cursor.rowcount

    def pending_recipients(self, edition_id: int, batch: int = 1000) -> Iterator[tuple[str, str]]:
        """(email, name) of every recipient not yet handed off, streamed in batches.

        Paging by rowid (rather than holding one cursor open) lets the caller update
        rows of the same table while it iterates.
        """
        last = 0
        while True:
            rows = self._db.execute(
                "SELECT rowid, email, name FROM deliveries"
                " WHERE edition_id = ? AND status = 'pending' AND rowid > ?"
                " ORDER BY rowid LIMIT ?",
                (edition_id, last, batch),
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            for _, email, name in rows:
                yield email, name

    def secret(self, name: str) -> bytes:
        """A random secret kept in the store, made on first use (e.g. the unsubscribe key)."""
        row = self._db.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
        if row:
            return bytes(row[0])
        self._db.execute(
            "INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)", (name, os.urandom(32))
        )
        return self.secret(name)

    def mark_delivery(
        self, edition_id: int, email: str, status: DeliveryStatus, error: str | None = None
    ) -> None:
        """Record the outcome of one hand-off; the row is durable when this returns."""
        self._db.execute(
            "UPDATE deliveries SET status = ?, error = ?, attempts = attempts + 1, updated = ?"
            " WHERE edition_id = ? AND email = ?",
            (status, error, _iso(datetime.now(UTC)), edition_id, email),
        )

    def finish_edition(self, edition_id: int, when: datetime) -> None:
        """Mark an edition as completely handed off (sent or permanently failed)."""
        self._db.execute("UPDATE editions SET finished = ? WHERE id = ?", (_iso(when), edition_id))

    def counts(self, edition_id: int) -> DeliveryCounts:
        """Sent, failed and pending recipients of one edition."""
        rows = dict(
            self._db.execute(
                "SELECT status, COUNT(*) FROM deliveries WHERE edition_id = ? GROUP BY status",
                (edition_id,),
            ).fetchall()
        )
        return DeliveryCounts(
            sent=rows.get("sent", 0), failed=rows.get("failed", 0), pending=rows.get("pending", 0)
        )

    def failures(self, edition_id: int) -> list[tuple[str, str]]:
        """(email, error) of every recipient whose delivery failed."""
        return list(
            self._db.execute(
                "SELECT email, COALESCE(error, '') FROM deliveries"
                " WHERE edition_id = ? AND status = 'failed' ORDER BY rowid",
                (edition_id,),
            )
        )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


_HELD_LOCKS: set[Path] = set()
"""Lock files this process holds: fcntl locks belong to a process, not to a thread."""
_HELD_LOCKS_GUARD = threading.Lock()


@contextmanager
def run_lock(state_path: Path) -> Iterator[None]:
    """Hold an exclusive lock beside the state file so that two runs never overlap.

    The lock excludes other processes (fcntl) and other threads of this one.
    """
    lock_path = state_path.with_name(state_path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
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
        with lock_path.open("a") as handle:
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


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


def _edition(row: tuple[int, str, str, int, bytes, str | None]) -> EditionRecord:
    return EditionRecord(
        id=row[0],
        list_name=row[1],
        created=datetime.fromisoformat(row[2]),
        articles=row[3],
        payload=bytes(row[4]),
        finished=datetime.fromisoformat(row[5]) if row[5] else None,
    )
