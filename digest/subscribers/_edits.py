"""Changes to a list's subscribers, as the CLI and the unsubscribe endpoint make them.

Each change reads the list's subscriber files afresh under the edit lock, changes the
one entry it is about, and writes the file atomically, so the CLI and the endpoint
never lose each other's change. New subscribers go to the list's `subscribers_file`
when it has one, else inline into the config.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..config import ListSettings, Settings
from ..errors import ConfigError
from ..models import Subscriber, SubscriberStatus
from ._files import SubscriberFile, cell, edit_lock, find, open_file, write
from ._subscribers import FIELDS, SubscriberEntry, entries, subscriber_from
from ._toml import Values

log = logging.getLogger(__package__)

_VERBS: dict[SubscriberStatus, str] = {
    "active": "resumed",
    "paused": "paused",
    "unsubscribed": "unsubscribed",
}


@dataclass(frozen=True, slots=True)
class Change:
    """What one edit did to one subscriber, and in which file."""

    action: str
    """added, removed, paused, resumed, unsubscribed, or unchanged."""
    email: str
    path: Path
    note: str = ""

    def __str__(self) -> str:
        text = f"{self.action} {self.email} ({self.path})"
        return f"{text}: {self.note}" if self.note else text


def add(settings: Settings, item: ListSettings, subscriber: Subscriber) -> Change:
    """Add a new subscriber; an address the list already has is refused."""
    checked = subscriber_from(values_of(subscriber))
    if isinstance(checked, str):
        raise ConfigError(f"cannot add {subscriber.email!r}: {checked}.")
    with editing(settings, item) as files:
        for file in files:
            index = find(file, checked.email)
            if index is not None:
                status = (file.entries[index] or {}).get("status") or "active"
                raise ConfigError(
                    f"{checked.email} is already a subscriber of {item.name} in {file.path} "
                    f"(status {status}); not added twice.",
                    hint=f"`digest subscribers resume --list {item.name} {checked.email}` "
                    "if it is paused",
                )
        target = files[-1]
        target.add(values_of(checked))
    return Change("added", checked.email, target.path)


def remove(settings: Settings, item: ListSettings, email: str) -> Change:
    """Remove a subscriber's entry altogether."""
    with editing(settings, item) as files:
        file, index = _located(files, item, email)
        found = str((file.entries[index] or {}).get("email", email))
        file.remove(index)
    return Change("removed", found, file.path)


def set_status(
    settings: Settings,
    item: ListSettings,
    email: str,
    status: SubscriberStatus,
) -> Change:
    """Pause, resume (make active) or unsubscribe one subscriber."""
    note = ""
    with editing(settings, item) as files:
        file, index = _located(files, item, email)
        entry = file.entries[index] or {}
        found = str(entry.get("email", email))
        before = str(entry.get("status") or "active").strip().lower()
        if before != status:
            file.update(index, {"status": status})
        if before == "unsubscribed" and status != "unsubscribed":
            note = "had unsubscribed; subscribed again"
    return Change(_VERBS[status] if before != status else "unchanged", found, file.path, note)


def export(settings: Settings, item: ListSettings, handle: TextIO) -> int:
    """Write every valid subscriber (any status) as CSV with all fields; return how many."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(FIELDS)
    count = 0
    for entry in entries(item, config_path=settings.config_path):
        if isinstance(entry, SubscriberEntry):
            values = values_of(entry.subscriber)
            writer.writerow([cell(values.get(name)) for name in FIELDS])
            count += 1
    return count


def values_of(subscriber: Subscriber) -> Values:
    """The fields of a subscriber as a file holds them: only those not at their default."""
    values: Values = {"email": subscriber.email}
    if subscriber.name:
        values["name"] = subscriber.name
    if subscriber.status != "active":
        values["status"] = subscriber.status
    if subscriber.topics:
        values["topics"] = list(subscriber.topics)
    if subscriber.max_items is not None:
        values["max_items"] = subscriber.max_items
    if subscriber.format != "html":
        values["format"] = subscriber.format
    if subscriber.timezone:
        values["timezone"] = subscriber.timezone
    return values


@contextmanager
def editing(
    settings: Settings, item: ListSettings, *, is_dry_run: bool = False
) -> Iterator[list[SubscriberFile]]:
    """The list's subscriber files (inline first), read under the lock, written on exit."""
    with edit_lock(settings.config_path):
        files = [open_file(settings.config_path, ("lists", item.name, "subscribers"))]
        if item.subscribers_file is not None:
            files.append(open_file(item.subscribers_file))
        yield files
        if is_dry_run:
            return
        for file in files:
            data = file.render()
            if data != file.original:
                write(file.path, data)
                log.info("wrote %s", file.path)


def _located(
    files: list[SubscriberFile], item: ListSettings, email: str
) -> tuple[SubscriberFile, int]:
    for file in files:
        index = find(file, email)
        if index is not None:
            return file, index
    raise ConfigError(
        f"{email} is not a subscriber of {item.name}.",
        hint=f"`digest subscribers list --list {item.name}` shows who is",
    )
