"""Subscriber edits that also touch the state: what `digest subscribers` and the endpoint call.

The subscribers stage edits files only; an address that left a list by its link is
kept in the state store (so every run honours it, even when the file could not be
written), and these functions put the two together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path
from typing import TextIO

from ..config import ListSettings, Settings
from ..errors import DigestError
from ..models import Subscriber, SubscriberStatus
from ..state import StateStore
from ..subscribers import (
    Change,
    EndpointServer,
    ImportReport,
    SubscriberEntry,
    SubscriberProblem,
    UnsubscribeApp,
    add,
    entries,
    export,
    import_csv,
    remove,
    set_status,
    signing_key,
    split_topics,
)
from ._state import has_store, open_store

__all__ = [
    "Change",
    "Listed",
    "SubscriberProblem",
    "add_subscriber",
    "export_subscribers",
    "import_subscribers",
    "list_subscribers",
    "remove_subscriber",
    "set_subscriber_status",
    "split_topics",
    "unsubscribe_by_link",
    "unsubscribe_endpoint",
]

log = logging.getLogger(__package__)

_AGAIN = "had unsubscribed by link; subscribed again"


@dataclass(frozen=True, slots=True)
class Listed:
    """One entry of `digest subscribers list`: as the file has it, or a problem with it."""

    entry: SubscriberEntry | SubscriberProblem
    status: SubscriberStatus | None
    """The status in effect: the file's, or "unsubscribed" when the reader left by link;
    None for a problem."""


def list_subscribers(settings: Settings, item: ListSettings) -> Iterator[Listed]:
    """Every entry of the list, with the status in effect for each."""
    with _store(settings) as store:
        gone = store.unsubscribed(item.name) if store else {}
    for entry in entries(item, config_path=settings.config_path):
        if not isinstance(entry, SubscriberEntry):
            yield Listed(entry, None)
            continue
        shown = entry.subscriber.status
        if shown == "active" and entry.subscriber.email.casefold() in gone:
            shown = "unsubscribed"
            entry = SubscriberEntry(entry.subscriber, f"{entry.where}; unsubscribed by link")
        yield Listed(entry, shown)


def add_subscriber(settings: Settings, item: ListSettings, subscriber: Subscriber) -> Change:
    """Add a subscriber; one who had left by the link is subscribed again."""
    change = add(settings, item, subscriber)
    with _store(settings) as store:
        if store is not None and store.clear_unsubscribe(item.name, change.email):
            return Change(change.action, change.email, change.path, _AGAIN)
    return change


def remove_subscriber(settings: Settings, item: ListSettings, email: str) -> Change:
    """Remove a subscriber's entry from its file."""
    return remove(settings, item, email)


def set_subscriber_status(
    settings: Settings, item: ListSettings, email: str, status: SubscriberStatus
) -> Change:
    """Pause, resume or unsubscribe; resuming one who had left by the link clears that."""
    change = set_status(settings, item, email, status)
    if status == "active":
        with _store(settings) as store:
            if store is not None and store.clear_unsubscribe(item.name, email):
                return Change(change.action, change.email, change.path, _AGAIN)
    return change


def import_subscribers(
    settings: Settings, item: ListSettings, source: Path, *, is_dry_run: bool = False
) -> ImportReport:
    """Merge a CSV export into the list, leaving out those who left by the link."""
    with _store(settings) as store:
        gone = store.unsubscribed(item.name) if store else {}
    return import_csv(settings, item, source, gone, is_dry_run=is_dry_run)


def export_subscribers(settings: Settings, item: ListSettings, handle: TextIO) -> int:
    """Write the list's subscribers as CSV; return how many."""
    return export(settings, item, handle)


def unsubscribe_by_link(
    settings: Settings, list_name: str, email: str, store: StateStore, now: datetime
) -> Change | None:
    """One-click unsubscribe: stored durably first, then written into the subscriber file.

    Runs skip an address stored here even when the file could not be written, so the
    unsubscribe is honoured by the next edition either way. A (genuine) token for a list
    the config no longer has, or an address that is not on the list, stores nothing.
    """
    item = settings.find_list(list_name)
    if item is None or not names_subscriber(settings, list_name, email):
        log.info(
            "list %s: unsubscribe link for an address not on the list; nothing stored", list_name
        )
        return None
    store.record_unsubscribe(list_name, email, now)
    try:
        return set_status(settings, item, email, "unsubscribed")
    except DigestError as exc:
        log.warning("list %s: unsubscribe stored, but not written to a file: %s", list_name, exc)
        return None


def names_subscriber(settings: Settings, list_name: str, email: str) -> bool:
    """True when the list has an entry (of any status) for this address."""
    item = settings.find_list(list_name)
    if item is None:
        return False
    wanted = email.strip().casefold()
    return any(
        isinstance(entry, SubscriberEntry) and entry.subscriber.email.casefold() == wanted
        for entry in entries(item, config_path=settings.config_path)
    )


def unsubscribe_endpoint(
    settings: Settings, host: str, port: int, clock: Callable[[], datetime]
) -> EndpointServer:
    """The one-click endpoint for every list of the config, bound and ready to serve."""
    with open_store(settings) as store:
        key = signing_key(settings, store)

    def record(list_name: str, email: str) -> bool:
        if not names_subscriber(settings, list_name, email):  # before the state is opened
            log.info("list %s: unsubscribe link for an address not on the list", list_name)
            return False
        with open_store(settings) as store:
            unsubscribe_by_link(settings, list_name, email, store, clock())
        return True

    titles = {item.name: item.title for item in settings.lists}
    _, sender = parseaddr(settings.sender)
    local, _, domain = sender.partition("@")
    app = UnsubscribeApp(
        key=key, titles=titles, record=record, contact=f"{local}+unsubscribe@{domain}"
    )
    return EndpointServer(app, host, port)


@contextmanager
def _store(settings: Settings) -> Iterator[StateStore | None]:
    """The state store if there is one yet (editing subscribers does not make one)."""
    if not has_store(settings):
        yield None
        return
    with open_store(settings) as store:
        yield store
