"""What became of each scheduled slot of a list, for the daemon (schedule/).

The daemon decides when to run; what it decided is kept in the state store, so a
restart neither repeats nor forgets a slot. The daemon reaches the store only here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..config import Settings
from ..state import SlotStatus
from ._state import open_store


@dataclass(frozen=True, slots=True)
class SlotHistory:
    """A list's latest slot with a record, and whether an edition is still being sent."""

    last: datetime | None
    has_unfinished: bool


def slot_history(settings: Settings, list_name: str) -> SlotHistory:
    """The list's latest recorded slot, and whether one of its editions is unfinished."""
    with open_store(settings) as store:
        return SlotHistory(store.last_slot(list_name), bool(store.unfinished_editions(list_name)))


def record_slot(
    settings: Settings, list_name: str, slot: datetime, status: SlotStatus, now: datetime
) -> None:
    """Record what became of a slot (missed, or the baseline of a newly scheduled list)."""
    with open_store(settings) as store:
        store.record_slot(list_name, slot, status, now)


def slot_status(settings: Settings, list_name: str, slot: datetime) -> SlotStatus | None:
    """What became of this slot, or None when nothing yet."""
    with open_store(settings) as store:
        return store.slot_status(list_name, slot)
