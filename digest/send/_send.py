"""Delivery: hand each finished message to an SMTP server, or write it into a Maildir.

    Sender (Protocol)   send(message) -> None; the pipeline knows only this
    ├── OutboxSender    one file per message in a Maildir (cur/ new/ tmp/), atomic
    ├── SmtpSender      one reused connection; reconnects, retries with backoff (smtp.py)
    └── PooledSender    N SmtpSenders in threads under one rate limit (smtp_pool.py);
                        also a BatchSender: send_many(messages) -> (message, error)...

`open_sender` builds the one the config asks for, signing with DKIM when [dkim] is set.
All are context managers: the run opens one, sends every message through it, and
closes it. `send_all` gives any Sender the send_many interface.
"""

from __future__ import annotations

import contextlib
import logging
import mailbox
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Literal, Protocol, Self, runtime_checkable

from ..config import DkimSettings, OutboxSettings, SmtpSettings
from ..errors import DeliveryError
from ..models import Message
from ._pool import Outcome, PooledSender
from ._smtp import RateLimiter, Signer, SmtpSender

__all__ = [
    "BatchSender",
    "OutboxSender",
    "Outcome",
    "PooledSender",
    "RateLimiter",
    "Sender",
    "SmtpSender",
    "open_sender",
    "send_all",
]

log = logging.getLogger(__package__)

_OUTBOX_HINT = "check [outbox] path: the folder must be writable (it is created if missing)"


class Sender(Protocol):
    """Anything that delivers one finished message: the seam between pipeline and transport."""

    def send(self, message: Message) -> None: ...


@runtime_checkable
class BatchSender(Protocol):
    """A sender that takes many messages at once and reports each outcome as it is known."""

    def send_many(self, messages: Iterable[Message]) -> Iterator[Outcome]: ...


def send_all(sender: Sender, messages: Iterable[Message]) -> Iterator[Outcome]:
    """Deliver every message, yielding (message, error or None) for each.

    A BatchSender sends them its own (parallel) way; any other Sender one by one.
    Exceptions other than DeliveryError (bugs, KeyboardInterrupt) propagate.
    """
    if isinstance(sender, BatchSender):
        yield from sender.send_many(messages)
        return
    for message in messages:
        try:
            sender.send(message)
        except DeliveryError as exc:
            yield message, exc
        else:
            yield message, None


class OutboxSender:
    """Writes each message into a Maildir, so any mail client can read it; no server needed."""

    def __init__(self, path: Path, *, sign: Signer | None = None) -> None:
        self.path = path
        self._sign = sign
        self._maildir: mailbox.Maildir | None = None

    def __enter__(self) -> Self:
        self._open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._maildir = None  # a Maildir keeps no file open between messages

    def send(self, message: Message) -> None:
        """Write one message into new/ (via tmp/ and a rename, so readers never see half)."""
        maildir = self._open()
        if self._sign is not None:
            message = self._sign(message)
        # Mail files on disk use the local line end; the wire format's CRLF is SMTP's.
        data = message.data.replace(b"\r\n", b"\n")
        try:
            key = maildir.add(data)
        except OSError as exc:
            raise DeliveryError(
                f"cannot write {message.message_id} to the outbox {self.path}: "
                f"{exc.strerror or exc}",
                hint=_OUTBOX_HINT,
            ) from exc
        log.info("wrote %s to the outbox %s", message.message_id, self.path)
        log.debug("outbox file %s is for %s", key, message.to)

    def _open(self) -> mailbox.Maildir:
        if self._maildir is None:
            try:
                self._maildir = mailbox.Maildir(self.path, create=True)
            except OSError as exc:
                raise DeliveryError(
                    f"cannot create the outbox Maildir {self.path}: {exc.strerror or exc}",
                    hint=_OUTBOX_HINT,
                ) from exc
        return self._maildir


def open_sender(
    transport: Literal["outbox", "smtp"],
    *,
    smtp: SmtpSettings,
    outbox: OutboxSettings,
    dkim: DkimSettings | None = None,
    limiter: RateLimiter | None = None,
) -> contextlib.AbstractContextManager[Sender]:
    """The sender for the configured transport, to be used in a `with` block for one run.

    SMTP goes through a PooledSender of [smtp] connections (one thread even for one
    connection, so the next message is made while the last is on the wire). `limiter`:
    one shared with other processes (SharedRateLimiter), instead of the pool's own.
    """
    sign: Signer | None = None
    if dkim is not None:
        from ._dkim import DkimSigner  # dkimpy loads only when signing is configured

        sign = DkimSigner(dkim)
    if transport == "smtp":
        return PooledSender(smtp, sign=sign, limiter=limiter)
    return OutboxSender(outbox.path, sign=sign)
