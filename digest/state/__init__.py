"""The state store: one SQLite file that remembers what digest has done.

`store.StateStore` is the one way in; `log.DeliveryLog` holds its editions and delivery
log methods, `intake.IntakeState` what a list holds and passes over, `records` the
values it returns, `lock` the run lock.
"""

from __future__ import annotations

from ..errors import RunLockedError, StateError
from ._claims import Batch, WorkerStatus
from ._faults import Reserve
from ._intake import HeldArticle, IntakeRecord
from ._lock import run_lock
from ._records import (
    DeliveryCounts,
    DeliveryStatus,
    EditionRecord,
    EditionStatus,
    FetchStatus,
    SlotStatus,
)
from ._store import StateStore

__all__ = [
    "Batch",
    "DeliveryCounts",
    "DeliveryStatus",
    "EditionRecord",
    "EditionStatus",
    "FetchStatus",
    "HeldArticle",
    "IntakeRecord",
    "Reserve",
    "RunLockedError",
    "SlotStatus",
    "StateError",
    "StateStore",
    "WorkerStatus",
    "run_lock",
]
