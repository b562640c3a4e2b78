"""A pool of SMTP connections: N SmtpSenders in N threads, fed from a bounded queue.

    caller thread                          worker threads (one SmtpSender each)
    send_many(messages) ──► jobs queue ──► send, retry, reconnect ──┐
          ▲  (at most connections + 1 in flight)                    │
          └───────────────── results queue ◄── (message, error) ────┘

The caller's iterator of messages is consumed in the caller's thread, and every outcome
comes back to the caller's thread, so whoever iterates (the pipeline) is the one place
that records outcomes. All connections share one RateLimiter.
"""

from __future__ import annotations

import logging
import queue
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from ..config import SmtpSettings
from ..errors import DeliveryError
from ..models import Message
from ._smtp import RateLimiter, Signer, SmtpSender

log = logging.getLogger(__package__)

Outcome = tuple[Message, DeliveryError | None]
"""A message and why it was not delivered, or None once the server accepted it."""


@dataclass(frozen=True, slots=True)
class _Result:
    message: Message
    error: DeliveryError | None
    bug: BaseException | None = None
    """Anything but a DeliveryError, raised again in the caller's thread."""


class PooledSender:
    """Delivers over `connections` reused SMTP connections at once, under one rate limit.

    send_many() yields each message's outcome as soon as it is known, in completion
    order. Stop early by letting the input iterator end, not by leaving the loop: then
    every message handed over is accounted for. Leaving the loop early (an exception)
    cancels the queued messages and waits for those on the wire, whose outcome is lost.
    """

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        connections: int | None = None,
        attempts: int | None = None,
        backoff: float | None = None,
        ssl_context: ssl.SSLContext | None = None,
        sign: Signer | None = None,
        sleep: Callable[[float], None] = time.sleep,
        window: int | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        count = settings.connections if connections is None else connections
        if count < 1:
            raise ValueError(f"connections must be at least 1, got {count}")
        window = count + 1 if window is None else window
        if window < count:
            raise ValueError(f"window must be at least connections ({count}), got {window}")
        self.settings = settings
        # `limiter`: a shared one (in Redis, for workers on many machines); else this pool's.
        self.limiter = limiter or RateLimiter(
            settings.max_per_second, settings.max_per_hour, sleep=sleep
        )
        self.senders = tuple(
            SmtpSender(
                settings,
                attempts=attempts,
                backoff=backoff,
                limiter=self.limiter,
                ssl_context=ssl_context,
                sign=sign,
                sleep=sleep,
            )
            for _ in range(count)
        )
        # Messages handed over whose outcome the caller has not recorded yet: what a
        # killed process may send twice on resume. One per connection plus one, so that
        # a worker finds its next message queued while the caller records the last (a
        # window of exactly one per connection costs a single connection ~25%).
        self._window = window
        self._jobs: queue.Queue[Message | None] = queue.Queue()
        self._results: queue.Queue[_Result] = queue.Queue()
        self._threads: list[threading.Thread] = []

    @property
    def connections(self) -> int:
        """How many connections the pool has opened in all (reconnects included)."""
        return sum(sender.connections for sender in self.senders)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Let every worker finish its message, say QUIT on every connection; never raises."""
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        for sender in self.senders:
            sender.close()  # also those whose thread never started

    def send(self, message: Message) -> None:
        """Deliver one message (the Sender protocol); raise DeliveryError if it failed."""
        for _, error in self.send_many((message,)):
            if error is not None:
                raise error

    def send_many(self, messages: Iterable[Message]) -> Iterator[Outcome]:
        """Deliver every message over the pool, yielding (message, error) as each finishes."""
        self._start()
        pending = iter(messages)
        in_flight = 0
        is_exhausted = False
        try:
            while True:
                while not is_exhausted and in_flight < self._window:
                    message = next(pending, None)
                    if message is None:
                        is_exhausted = True
                    else:
                        self._jobs.put(message)
                        in_flight += 1
                if in_flight == 0:
                    return
                result = self._results.get()
                in_flight -= 1
                if result.bug is not None:
                    raise result.bug
                yield result.message, result.error
        finally:
            if in_flight:
                self._abandon(in_flight)

    def _start(self) -> None:
        if self._threads:
            return
        for number, sender in enumerate(self.senders, start=1):
            thread = threading.Thread(
                target=self._work, args=(sender,), name=f"digest-smtp-{number}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _work(self, sender: SmtpSender) -> None:
        """One worker: send what the queue holds until told to stop (None)."""
        while True:
            message = self._jobs.get()
            if message is None:
                return
            try:
                sender.send(message)
            except DeliveryError as exc:
                self._results.put(_Result(message, exc))
            except BaseException as exc:  # a bug: the caller's thread raises it
                self._results.put(_Result(message, None, exc))
            else:
                self._results.put(_Result(message, None))

    def _abandon(self, in_flight: int) -> None:
        """The caller stopped listening: drop queued messages, wait for those on the wire."""
        dropped = 0
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is None:  # not ours: close() is stopping the workers
                self._jobs.put(None)
                break
            dropped += 1
        on_wire = in_flight - dropped
        for _ in range(on_wire):
            self._results.get()
        if on_wire:
            log.warning(
                "sending stopped with %d messages on the wire; their outcome is not recorded,"
                " so a resumed run may send them again",
                on_wire,
            )
