"""The records the state store hands out, and the status words it keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

DeliveryStatus = Literal["pending", "sent", "failed"]
SlotStatus = Literal["sent", "empty", "missed", "baseline"]
"""What became of a due time: an edition, nothing new, missed (daemon down), or before
the daemon first scheduled the list."""


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


def is_postgres(location: str) -> bool:
    """True for a postgresql:// (or postgres://) URL."""
    return location.split("://", 1)[0].lower() in ("postgresql", "postgres") and "://" in location


def to_iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


def edition_from_row(row: tuple[int, str, str, int, bytes, str | None]) -> EditionRecord:
    return EditionRecord(
        id=row[0],
        list_name=row[1],
        created=datetime.fromisoformat(row[2]),
        articles=row[3],
        payload=bytes(row[4]),
        finished=datetime.fromisoformat(row[5]) if row[5] else None,
    )
