"""Hand a recorded edition over: to this process's sender, or to the workers' queue."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from ..config import ListSettings, Settings
from ..models import RenderedEdition
from ..send import Sender
from ..state import StateStore
from ._delivery import deliver
from ._reports import ListReport, Progress


def hand_off(
    settings: Settings,
    item: ListSettings,
    store: StateStore,
    edition_id: int,
    rendered: RenderedEdition,
    get_sender: Callable[[], Sender],
    now: datetime,
    progress: Progress | None,
    *,
    stop: threading.Event | None = None,
) -> ListReport:
    """Deliver here (no [queue]), or queue the edition's pending recipients in batches."""
    if settings.queue is None:
        return deliver(
            settings, item, store, edition_id, rendered, get_sender, now, progress, stop=stop
        )
    return fan_out(settings, item, store, edition_id)


def fan_out(
    settings: Settings, item: ListSettings, store: StateStore, edition_id: int
) -> ListReport:
    """Queue every claimable recipient of the edition, in [queue] batch batches."""
    from ._queue import enqueue, open_broker

    queue = settings.queue
    assert queue is not None
    store.reclaim_dead(edition_id)
    store.reopen_deferred(edition_id)
    batches = store.batches(edition_id, queue.batch)
    if batches:
        enqueue(open_broker(queue), queue, edition_id, batches)
    counts = store.counts(edition_id)
    return ListReport(
        item.name,
        recipients=counts.sent + counts.failed + counts.pending,
        pending=counts.pending,
        edition_id=edition_id,
        note=f"edition {edition_id}: {counts.pending} recipients queued in {len(batches)} "
        f"batches for `digest worker`",
    )
