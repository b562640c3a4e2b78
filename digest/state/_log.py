"""Editions and the delivery log: who is to get which edition, and what became of it.

One row per edition and recipient, pending from the moment the edition is recorded,
marked sent only after the server accepted the message. The rendered edition (and each
topic variant) is kept with it, so an interrupted send resumes identically.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from ..errors import DigestError
from ._records import (
    DeliveryCounts,
    DeliveryStatus,
    EditionRecord,
    EditionStatus,
    edition_from_row,
    to_iso,
)

_COUNT = "COALESCE(SUM(CASE WHEN d.status = '{}' THEN 1 ELSE 0 END), 0)"


class Cursor(Protocol):
    """What the store needs of a cursor (sqlite3's or psycopg's)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Db(Protocol):
    """What the store needs of a connection: sqlite3's, or _postgres.PostgresDb."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Any, /) -> Cursor: ...

    def close(self) -> None: ...

    @property
    def in_transaction(self) -> bool: ...


class DeliveryLog:
    """The editions and deliveries tables; StateStore inherits these methods."""

    _db: Db
    path: Path | str
    is_postgres: bool

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
        seen_keys: Iterable[str] = (),
    ) -> int:
        """Record a new edition, mark its articles seen and queue every recipient, atomically.

        With a `slot`, the scheduled time is claimed in the same transaction: a second
        edition for the same slot of the same list fails (the engine's IntegrityError).
        guids: the articles' own ids, kept with the edition (and counted as its articles);
        seen_keys: the keys that mark them sent (see ``seen`` in the store).
        """
        guid_list = sorted(set(guids))
        seen_list = sorted(set(seen_keys))
        now = to_iso(created)
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO editions (list_name, created, articles, payload, guids)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (list_name, now, len(guid_list), payload, json.dumps(guid_list)),
            )
            edition_id = int(cursor.fetchone()[0])
            self._db.executemany(
                "INSERT INTO seen (list_name, guid, seen_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [(list_name, key, now) for key in seen_list],
            )
            # A recipient (email, name, variant) gets variants[variant], not the main payload;
            # variants is read after the recipients, so their generator may fill it.
            self._db.executemany(
                "INSERT INTO deliveries (edition_id, email, name, status, updated, variant)"
                " VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING",
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
                    (list_name, to_iso(slot), edition_id, now),
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

    def last_edition_time(self, list_name: str) -> datetime | None:
        """When the list's latest edition was made, or None before its first."""
        row = self._db.execute(
            "SELECT MAX(created) FROM editions WHERE list_name = ?", (list_name,)
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def unfinished_editions(self, list_name: str | None = None) -> list[EditionRecord]:
        """Editions whose sending was interrupted, oldest first."""
        query = "SELECT id, list_name, created, articles, payload, finished FROM editions"
        query += " WHERE finished IS NULL"
        params: tuple[str, ...] = ()
        if list_name is not None:
            query += " AND list_name = ?"
            params = (list_name,)
        rows = self._db.execute(query + " ORDER BY id", params).fetchall()
        return [edition_from_row(row) for row in rows]

    def edition(self, edition_id: int) -> EditionRecord | None:
        """One edition by its id, or None."""
        row = self._db.execute(
            "SELECT id, list_name, created, articles, payload, finished FROM editions WHERE id = ?",
            (edition_id,),
        ).fetchone()
        return edition_from_row(row) if row else None

    def edition_statuses(
        self, list_name: str | None = None, limit: int = 20
    ) -> list[EditionStatus]:
        """The most recent editions (of one list, or all) with their delivery counts."""
        where, params = ("WHERE e.list_name = ?", (list_name,)) if list_name else ("", ())
        rows = self._db.execute(
            "SELECT e.id, e.list_name, e.created, e.finished,"
            f" {_COUNT.format('sent')}, {_COUNT.format('failed')}, {_COUNT.format('pending')}"
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

    def mark_delivery(
        self,
        edition_id: int,
        email: str,
        status: DeliveryStatus,
        when: datetime,
        error: str | None = None,
    ) -> None:
        """Record the outcome of one hand-off; it survives a crash of the process once this returns.

        The store runs SQLite in WAL mode with synchronous=NORMAL: a power cut (not a
        process crash) may lose the last few marks, and those recipients would get the
        edition again on resume. synchronous=FULL would close that gap at an fsync per
        message, which would cap delivery far below the SMTP pool's rate.
        """
        self._db.execute(
            "UPDATE deliveries SET status = ?, error = ?, attempts = attempts + 1, updated = ?,"
            # a worker's temporary failure is put off to the next run (see _claims.py)
            " claimed_by = CASE WHEN claimed_by > 0 AND ? = 'pending' THEN -1 END"
            " WHERE edition_id = ? AND email = ?",
            (status, error, to_iso(when), status, edition_id, email),
        )

    def finish_edition(self, edition_id: int, when: datetime) -> None:
        """Mark an edition as completely handed off (sent or permanently failed)."""
        self._db.execute(
            "UPDATE editions SET finished = ? WHERE id = ?", (to_iso(when), edition_id)
        )

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
            self._db.execute("COMMIT")
        except BaseException:
            # SQLite has rolled back already after some errors (a full disk): the
            # original error is the one to report, not "no transaction is active".
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
