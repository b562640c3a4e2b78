"""The task queue past one machine: Dramatiq on Redis carries an edition's batches.

    digest run ── records the edition ──► batches of [queue] batch recipients
                                          (rowid ranges) ──► Redis queue [queue] name
    digest worker (any number, anywhere) ◄── one batch at a time ──┘
        claims the batch's recipients in PostgreSQL, personalizes from the edition
        rendered once, sends over its own SMTP connections, records each outcome

Dramatiq acknowledges a message only when its batch is done, and gives the message of
a worker that stopped sending heartbeats to another; the claims in the delivery log
(state/_claims.py), not the queue, make sure nobody gets the edition twice.
"""

from __future__ import annotations

import logging
from typing import Any

from ..config import QueueSettings, SmtpSettings
from ..errors import ConfigError
from ..send import SharedRateLimiter
from ..state import Batch

log = logging.getLogger(__package__)

ACTOR = "deliver_batch"
"""The one kind of message: (edition id, first rowid, last rowid)."""
HEARTBEAT_TIMEOUT_MS = 15_000
"""A worker silent this long is taken to be dead, and its unacknowledged messages
requeued (a live worker sends heartbeats while it waits for messages)."""
MAINTENANCE_CHANCE = 100_000
"""Per million broker calls, how often one looks for dead workers (Dramatiq's default
of 1,000 leaves a dead worker's batch waiting for minutes)."""


def open_broker(queue: QueueSettings) -> Any:
    """The Redis broker of the configured queue, with the queue declared."""
    try:
        import dramatiq
        from dramatiq.brokers.redis import RedisBroker
        from dramatiq.middleware import (
            AgeLimit,
            Callbacks,
            Pipelines,
            Retries,
            ShutdownNotifications,
        )
    except ImportError as exc:
        raise ConfigError(
            f"[queue] is set, but dramatiq is not installed: {exc}.",
            hint="install digest with its scale extra: pip install 'digest[scale]'",
        ) from exc
    password = queue.password.get_secret_value() if queue.password else None
    broker = RedisBroker(  # type: ignore[no-untyped-call]
        url=queue.url,
        namespace=f"digest:{queue.name}",
        # No TimeLimit: it would raise inside a batch, between a 250 and its record.
        middleware=[AgeLimit(), ShutdownNotifications(), Callbacks(), Pipelines(), Retries()],
        heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
        maintenance_chance=MAINTENANCE_CHANCE,
        **({"password": password} if password else {}),
    )
    broker.declare_queue(queue.name)
    dramatiq.set_broker(broker)
    return broker


def enqueue(broker: Any, queue: QueueSettings, edition_id: int, batches: list[Batch]) -> None:
    """Put one message per batch of the edition on the queue."""
    import dramatiq
    import redis

    try:
        for first, last in batches:
            message: Any = dramatiq.Message(
                queue_name=queue.name,
                actor_name=ACTOR,
                args=(edition_id, first, last),
                kwargs={},
                options={"max_retries": 5},
            )
            broker.enqueue(message)
    except redis.RedisError as exc:
        raise ConfigError(
            f"[queue] cannot reach the Redis server {queue.url}: {exc}.",
            hint="check [queue] url and that Redis runs there; the recipients stay pending, "
            "and the next `digest run` queues them again",
        ) from exc
    log.info("edition %d: queued %d batches on %s", edition_id, len(batches), queue.name)


def shared_limiter(queue: QueueSettings, smtp: SmtpSettings) -> SharedRateLimiter:
    """[smtp] max_per_second and max_per_hour as one budget in Redis, per relay."""
    import redis

    password = queue.password.get_secret_value() if queue.password else None
    client = redis.Redis.from_url(queue.url, **({"password": password} if password else {}))
    key = f"digest:{queue.name}:relay:{smtp.host}:{smtp.port}"
    return SharedRateLimiter(client, key, smtp.max_per_second, smtp.max_per_hour)
