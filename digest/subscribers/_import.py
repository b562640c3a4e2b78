"""Merge a CSV export (Mailchimp, Listmonk, or digest's own) into a list's subscribers.

Known columns are matched by name (`Email Address`, `First Name` + `Last Name`,
`TIMEZONE`, ...); the others are ignored and named in the report. A new address is
added, a known one updated where the file gives a different value, and a bad row is
skipped with its line and the fix. Nobody who unsubscribed is subscribed again by an
import: that takes `digest subscribers resume`.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..config import ListSettings, Settings
from ..errors import ConfigError
from ..models import Subscriber
from ._edits import editing, values_of
from ._files import SubscriberFile, address_key
from ._subscribers import FIELDS, normal_field, subscriber_from

_COLUMNS = {
    **{name: name for name in FIELDS},
    "email_address": "email",
    "e_mail": "email",
    "mail": "email",
    "full_name": "name",
    "fullname": "name",
    "first_name": "first_name",
    "firstname": "first_name",
    "fname": "first_name",
    "last_name": "last_name",
    "lastname": "last_name",
    "lname": "last_name",
    "time_zone": "timezone",
    "tz": "timezone",
}
_STATUSES = {
    "active": "active",
    "subscribed": "active",
    "enabled": "active",
    "confirmed": "active",
    "paused": "paused",
    "disabled": "paused",
    "pending": "paused",
    "unconfirmed": "paused",
    "unsubscribed": "unsubscribed",
    "blocklisted": "unsubscribed",
    "blacklisted": "unsubscribed",
    "cleaned": "unsubscribed",
}
"""Status words of digest, Mailchimp and Listmonk; unconfirmed addresses get nothing."""


@dataclass(slots=True)
class ImportReport:
    """What an import did: addresses added and updated, rows skipped and why."""

    path: Path
    """Where new subscribers went."""
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    """``file:line: reason`` of every row left out."""
    ignored_columns: list[str] = field(default_factory=list)


def import_csv(
    settings: Settings,
    item: ListSettings,
    source: Path,
    unsubscribed: Mapping[str, datetime] | None = None,
    *,
    is_dry_run: bool = False,
) -> ImportReport:
    """Merge the CSV file `source` into the list's subscribers (one locked write).

    `unsubscribed`: the (case-folded) addresses that left the list by its link, and
    when; the import does not add them back.
    """
    ignored, rows = read_rows(source)
    gone = unsubscribed or {}
    seen: dict[str, str] = {}  # each address of the file so far (case-folded): as written, where
    with editing(settings, item, is_dry_run=is_dry_run) as files:
        report = ImportReport(files[-1].path, ignored_columns=ignored)
        known = _locations(files)  # rows added below are caught as duplicates by `seen`
        for line, values in rows:
            where = f"{source}:{line}"
            if isinstance(values, str):
                report.skipped.append(f"{where}: {values}; skipped")
                continue
            subscriber = subscriber_from(values)
            if isinstance(subscriber, str):
                report.skipped.append(f"{where}: {subscriber}")
                continue
            key = subscriber.email.casefold()
            if key in seen:
                report.skipped.append(
                    f"{where}: {subscriber.email}: duplicate of {seen[key]}; skipped"
                )
                continue
            seen[key] = f"{subscriber.email} on line {line}"
            located = known.get(key)
            if located is None:
                if key in gone:
                    report.skipped.append(
                        f"{where}: {subscriber.email} unsubscribed by link on "
                        f"{gone[key]:%Y-%m-%d}; `digest subscribers add --list {item.name} "
                        f"{subscriber.email}` if they asked again"
                    )
                    continue
                files[-1].add(values_of(subscriber))
                report.added.append(subscriber.email)
                continue
            file, index = located
            existing = subscriber_from(file.entries[index] or {})
            if not isinstance(existing, str) and existing.status == "unsubscribed":
                if subscriber.status != "unsubscribed":
                    report.skipped.append(
                        f"{where}: {existing.email} unsubscribed; `digest subscribers resume "
                        f"--list {item.name} {existing.email}` if they asked to come back"
                    )
                else:
                    report.unchanged += 1
                continue
            changes = _changes(existing, subscriber, values)
            if changes:
                file.update(index, changes)
                report.updated.append(subscriber.email)
            else:
                report.unchanged += 1
    return report


def _locations(files: list[SubscriberFile]) -> dict[str, tuple[SubscriberFile, int]]:
    """Where each address (case-folded) is, as `find` answers it, found in one pass."""
    found: dict[str, tuple[SubscriberFile, int]] = {}
    for file in files:
        for index, entry in enumerate(file.entries):
            if entry is not None:
                found.setdefault(address_key(entry), (file, index))
    return found


def _changes(
    existing: Subscriber | str, new: Subscriber, given: dict[str, str]
) -> dict[str, object]:
    """The fields the import gives a value for that differs from the file's."""
    values = values_of(new)
    changes: dict[str, object] = {}
    for name in FIELDS[1:]:
        if not given.get(name, "").strip():
            continue
        before = None if isinstance(existing, str) else getattr(existing, name)
        if before != getattr(new, name):
            changes[name] = values.get(name)
    return changes


def normal_header(cells: list[str]) -> tuple[list[str], list[str]]:
    """Field names for a header row ("" for unknown columns), and the unknown ones."""
    names = [_COLUMNS.get(normal_field(cell), "") for cell in cells]
    ignored = [cell.strip() for cell, name in zip(cells, names, strict=True) if not name]
    return names, ignored


def row_values(names: list[str], cells: list[str]) -> dict[str, str]:
    """A row's known fields; first and last name make the name when there is none."""
    values: dict[str, str] = {}
    for name, cell in zip(names, cells, strict=False):
        if name and cell.strip():
            values[name] = cell.strip()
    first, last = values.pop("first_name", ""), values.pop("last_name", "")
    if not values.get("name") and (first or last):
        values["name"] = f"{first} {last}".strip()
    status = values.get("status", "").lower()
    if status:
        values["status"] = _STATUSES.get(status, status)
    return values


def read_rows(source: Path) -> tuple[list[str], list[tuple[int, dict[str, str] | str]]]:
    """Ignored columns, and each row as (line, values) or (line, problem)."""
    try:
        with source.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                return [], []
            names, ignored = normal_header(header)
            if "email" not in names:
                raise ConfigError(
                    f"{source}:1: no email column in the header row; an import needs "
                    "email (or Email Address) and any of name, status, topics, max_items, "
                    "format, timezone."
                )
            rows: list[tuple[int, dict[str, str] | str]] = []
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) > len(names):
                    rows.append((reader.line_num, f"{len(cells)} fields, header has {len(names)}"))
                else:
                    rows.append((reader.line_num, row_values(names, cells)))
            return ignored, rows
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{source}: cannot read the CSV file: {exc}.") from exc
