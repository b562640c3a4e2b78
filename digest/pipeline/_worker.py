"""`digest worker`: take an edition's batches off the queue and deliver them.

Each worker has its own SMTP connections ([smtp] connections) and one batch at a time;
it keeps each edition it has seen rendered in memory, so a recipient costs only the
personalization, the DKIM signature and the hand-off. See _queue.py for the picture
and state/_claims.py for why nobody gets an edition twice across workers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime

from ..config import QueueSettings, Settings
from ..errors import ConfigError
from ..models import RenderedEdition
from ..send import Sender
from ..state import Batch, StateError, StateStore
from ._delivery import deliver, load_rendered
from ._queue import ACTOR, HEARTBEAT_TIMEOUT_MS, enqueue, open_broker
from ._run import open_transport
from ._state import open_store

log = logging.getLogger(__package__)


@dataclass
class WorkerTally:
    """What one worker process did, for its last log line."""

    batches: int = 0
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    failure: StateError | None = None
    """Why the worker stopped by itself: its state database failed under it."""


def work(
    settings: Settings,
    *,
    clock: Callable[[], datetime],
    stop: threading.Event,
    host: str,
    pid: int,
    on_ready: Callable[[int], None] | None = None,
) -> WorkerTally:
    """Deliver batches from the queue until `stop` is set; the batch in hand is finished.

    When the state database fails under it (PostgreSQL restarted, out of reach), the
    worker stops and raises that StateError (exit 1): its batch goes back on the queue,
    and a new process (systemd restarts it) connects and registers afresh, while the
    others take over what it had claimed once its session is gone.
    """
    queue = settings.queue
    if queue is None:
        raise ConfigError(
            f"{settings.config_path} has no [queue]; a worker has nothing to take.",
            hint='add [queue] url = "redis://…" (and [state] url = "postgresql://…")',
        )
    import dramatiq

    broker = open_broker(queue)
    tally = WorkerTally()
    with open_store(settings) as store, ExitStack() as stack:
        worker_id = store.register_worker(host, pid, clock())
        sender: Sender | None = None

        def get_sender() -> Sender:
            nonlocal sender
            if sender is None:
                sender = stack.enter_context(open_transport(settings))
            return sender

        batch = _BatchDelivery(settings, queue, store, broker, get_sender, clock, tally, stop)
        dramatiq.actor(broker=broker, actor_name=ACTOR, queue_name=queue.name, max_retries=5)(batch)
        runner = dramatiq.Worker(broker, queues={queue.name}, worker_threads=1)
        runner.queue_prefetch = 1  # a dead worker strands no batch but the one in hand
        runner.start()
        log.info("worker %d (%s:%d) takes batches from %s", worker_id, host, pid, queue.name)
        if on_ready is not None:
            on_ready(worker_id)
        try:
            stop.wait()
        finally:
            runner.stop()
            try:
                store.retire_worker()
            except StateError as exc:  # its session is gone, and its lock with it
                log.warning("worker %d: could not sign off: %s", worker_id, exc)
    if tally.failure is not None:
        raise tally.failure
    return tally


class _BatchDelivery:
    """The actor: claim one batch, deliver it, record every outcome."""

    def __init__(
        self,
        settings: Settings,
        queue: QueueSettings,
        store: StateStore,
        broker: object,
        get_sender: Callable[[], Sender],
        clock: Callable[[], datetime],
        tally: WorkerTally,
        stop: threading.Event,
    ) -> None:
        self.__name__ = ACTOR  # dramatiq names actors after their function
        self._settings, self._queue, self._store, self._broker = settings, queue, store, broker
        self._get_sender, self._clock, self._tally, self._stop = get_sender, clock, tally, stop
        self._editions: dict[int, tuple[str, RenderedEdition]] = {}

    def __call__(self, edition_id: int, first: int, last: int) -> None:
        import dramatiq

        # Back on the queue after a worker's heartbeat timeout: by then this process is
        # gone, with its session, so the worker that takes it can reclaim its recipients.
        later = HEARTBEAT_TIMEOUT_MS
        if self._tally.failure is not None:  # stopping: leave the batch to the others
            raise dramatiq.Retry(delay=later)
        try:
            self._deliver(edition_id, first, last)
        except StateError as exc:
            log.error("worker stopping, the batch goes back on the queue: %s", exc)
            self._tally.failure = exc
            self._stop.set()
            raise dramatiq.Retry(delay=later) from exc  # requeued, without a traceback

    def _deliver(self, edition_id: int, first: int, last: int) -> None:
        store, now = self._store, self._clock()
        freed = store.reclaim_dead(edition_id)
        if freed:  # a dead worker's recipients: queue them again, at once
            enqueue(self._broker, self._queue, edition_id, _batches(freed, self._queue.batch))
        recipients = store.claim(edition_id, (first, last))
        if not recipients:
            return
        list_name, rendered = self._edition(edition_id)
        item = self._settings.find_list(list_name)
        if item is None:
            store.release_claims(edition_id)
            log.error("edition %d is of the list %r, which the config lacks", edition_id, list_name)
            return
        try:
            report = deliver(
                self._settings,
                item,
                store,
                edition_id,
                rendered,
                self._get_sender,
                now,
                None,
                recipients=recipients,
            )
        finally:
            store.release_claims(edition_id)  # what it did not hand over: the next run's
        tally = self._tally
        tally.batches += 1
        tally.sent += report.sent
        tally.failed += report.failed
        tally.errors.extend(report.delivery_errors[: max(0, 100 - len(tally.errors))])
        log.info("edition %d, batch %d-%d: %s", edition_id, first, last, report.note)

    def _edition(self, edition_id: int) -> tuple[str, RenderedEdition]:
        if edition_id not in self._editions:
            record = self._store.edition(edition_id)
            if record is None:
                raise ConfigError(f"no edition {edition_id} in {self._store.path}.")
            self._editions = {edition_id: (record.list_name, load_rendered(record.payload))}
        return self._editions[edition_id]


def _batches(rowids: list[int], size: int) -> list[Batch]:
    """Sorted rowids cut into (first, last) ranges of at most `size` rows each."""
    return [
        (rowids[i], rowids[min(i + size, len(rowids)) - 1]) for i in range(0, len(rowids), size)
    ]
