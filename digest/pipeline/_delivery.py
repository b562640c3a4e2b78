"""Deliver a recorded edition: personalize per recipient, hand off, record each outcome.

Used for a new edition, to resume an interrupted one, and by `digest retry`.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import render
from ..config import ListSettings, Settings
from ..errors import RenderError
from ..models import Message, Recipient, RenderedEdition
from ..send import Sender, send_all
from ..state import DeliveryStatus, Reserve, StateError, StateStore
from ..subscribers import signing_key, unsubscribe_url
from ._reports import ListReport, Progress

log = logging.getLogger(__package__)

_MAX_TRANSIENT_IN_A_ROW = 3
"""After this many temporary failures in a row the server is taken to be down."""
_MAX_REPORTED_ERRORS = 100
"""A report names at most this many failed deliveries (the delivery log keeps them all)."""


def deliver(
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
    recipients: Iterable[tuple[str, str, str]] | None = None,
) -> ListReport:
    """Hand the edition to every pending recipient, recording each outcome as it happens.

    Recipients are pending from the moment the edition is recorded; each is marked sent
    only after the server accepted the message, here, as outcomes come back (from a pool
    of connections, possibly out of order). To stop early, the message stream ends, so
    every message already handed over still gets its outcome recorded. `recipients`: a
    worker's claimed batch (email, name, variant), instead of every pending recipient.
    """
    key = signing_key(settings, store)
    batch = list(recipients) if recipients is not None else None
    total = len(batch) if batch is not None else store.counts(edition_id).pending
    errors: list[str] = []
    outcomes: Counter[str] = Counter()
    variants = {"": rendered}
    connections = settings.smtp.connections if settings.transport == "smtp" else 1
    # The reserve is room on the SQLite file's disk; PostgreSQL's disk is its server's.
    reserve = None if store.is_postgres else Reserve(Path(store.path), connections=connections)
    if total and reserve is not None:
        reserve.ensure()  # room to record what goes out, or nothing goes out
    halted: list[StateError] = []
    unrecorded: list[str] = []

    def record(email: str, status: DeliveryStatus, error: str | None = None) -> None:
        """Mark one outcome; when the state refuses, use the reserve and stop the edition."""
        try:
            store.mark_delivery(edition_id, email, status, now, error)
            return
        except StateError as exc:
            if not halted:
                log.error("list %s: %s Stopping after the messages in flight.", item.name, exc)
                halted.append(exc)
            if reserve is not None:
                reserve.release()
        try:
            store.mark_delivery(edition_id, email, status, now, error)
        except StateError:
            unrecorded.append(email)

    def messages() -> Iterator[Message]:
        for email, name, variant in (
            batch if batch is not None else store.pending_deliveries(edition_id)
        ):
            if variant not in variants:
                variants[variant] = load_rendered(store.variant_payload(edition_id, variant))
            if outcomes["in_a_row"] >= _MAX_TRANSIENT_IN_A_ROW or halted:
                return
            if stop is not None and stop.is_set():
                log.info("list %s: stopping; the next start resumes the rest", item.name)
                return
            url = unsubscribe_url(settings.base_url, key, item.name, email)
            try:
                message = render.personalize(
                    variants[variant], Recipient(email, name), unsubscribe_url=url, now=now
                )
            except RenderError as exc:  # this address cannot go in a header: final
                record(email, "failed", str(exc))
                _note_error(errors, str(exc))
                outcomes["failed"] += 1
                continue
            yield message

    for done, (message, error) in enumerate(send_all(get_sender(), messages()), start=1):
        if error is None:
            record(message.to, "sent")
            outcomes["sent"] += 1
            outcomes["in_a_row"] = 0
        else:
            log.debug("delivery to %s failed: %s", message.to, error)
            outcome: DeliveryStatus = "failed" if error.is_permanent else "pending"
            record(message.to, outcome, str(error))
            _note_error(errors, str(error))
            outcomes[outcome] += 1
            outcomes["in_a_row"] = 0 if error.is_permanent else outcomes["in_a_row"] + 1
        if progress:
            progress(f"{item.name}: sending", done, total)
    if halted:
        raise _halted(halted[0], item.name, edition_id, outcomes["sent"], unrecorded)
    if outcomes["in_a_row"] >= _MAX_TRANSIENT_IN_A_ROW:
        errors.append("stopped sending: the server keeps failing; the next run resumes")
    counts = store.counts(edition_id)
    if counts.pending == 0:
        store.finish_edition(edition_id, now)
    return ListReport(
        item.name,
        recipients=counts.sent + counts.failed + counts.pending,
        sent=outcomes["sent"],
        failed=outcomes["failed"],
        pending=counts.pending,
        edition_id=edition_id,
        note=f"edition {edition_id}: sent {outcomes['sent']}, failed {outcomes['failed']}",
        delivery_errors=tuple(errors),
    )


def _halted(
    exc: StateError, list_name: str, edition_id: int, sent: int, unrecorded: list[str]
) -> StateError:
    """The one-paragraph error of an edition stopped because its state could not be written."""
    message = f"{exc} List {list_name}, edition {edition_id}: stopped sending after {sent} messages"
    if unrecorded:
        message += (
            f"; {len(unrecorded)} of them were accepted by the server but could not be "
            "recorded, even in the reserve kept for this, so those readers may get the "
            "edition twice"
        )
    else:
        message += ", each of them recorded"
    message += (
        "; the recipients still pending get the edition from the next run that can record it."
    )
    return StateError(message, hint=exc.hint)


def _note_error(errors: list[str], error: str) -> None:
    """Keep the first delivery errors for the report; a huge list's failures stay bounded."""
    if len(errors) < _MAX_REPORTED_ERRORS:
        errors.append(error)


def dump_rendered(rendered: RenderedEdition) -> bytes:
    """Serialize a rendered edition for the delivery log, so a resumed send is identical."""
    fields = {f.name: _encode(getattr(rendered, f.name)) for f in dataclasses.fields(rendered)}
    return json.dumps(fields).encode()


def load_rendered(payload: bytes) -> RenderedEdition:
    """The rendered edition stored by dump_rendered."""
    values: dict[str, Any] = {k: _decode(v) for k, v in json.loads(payload).items()}
    return RenderedEdition(**values)


def _encode(value: object) -> object:
    """JSON-safe form of a field: bytes as base64, tuples as lists."""
    if isinstance(value, bytes):
        return {"b64": base64.b64encode(value).decode()}
    if isinstance(value, tuple):
        return [_encode(part) for part in value]
    return value


def _decode(value: object) -> object:
    if isinstance(value, dict):
        return base64.b64decode(value["b64"])
    if isinstance(value, list):
        return tuple(_decode(part) for part in value)
    return value
