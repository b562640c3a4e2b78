"""The subscriber store: a list's subscribers, inline in the TOML, in a CSV or a TOML file.

A CSV file has a header row (the shape Mailchimp and Listmonk export): ``email`` and
any of ``name, status, topics, max_items, format, timezone``; lines starting with ``#``
are comments. A TOML file holds ``[[subscribers]]`` tables with the same keys.

CSV subscribers are streamed, never held all at once, so a list of any size costs the
same memory. A bad entry is reported with its file and line and skipped; the others go
on. Editing the files is _files.py's job.
"""

from __future__ import annotations

import csv
import difflib
import logging
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email

from ..config import ListSettings
from ..models import STATUSES, MailFormat, Subscriber, SubscriberStatus
from ._toml import header_lines

log = logging.getLogger(__package__)

FIELDS = ("email", "name", "status", "topics", "max_items", "format", "timezone")
"""Fields of a subscriber entry, in the order files are written."""
FORMATS: tuple[MailFormat, ...] = ("html", "text")
CSV_FIELDS = ("email", "name")
"""The columns a new CSV file starts with; others are added when first needed."""


@dataclass(frozen=True, slots=True)
class SubscriberProblem:
    """One subscriber entry that cannot be used (or not wholly), and where it is."""

    where: str
    """``path:line``, or ``path:line [lists.NAME.subscribers.N]`` for an inline entry."""
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True, slots=True)
class SubscriberEntry:
    """A valid subscriber and where it is written."""

    subscriber: Subscriber
    where: str


def iter_subscribers(
    item: ListSettings,
    *,
    statuses: Iterable[SubscriberStatus] = ("active",),
    config_path: Path | None = None,
) -> Iterator[Subscriber]:
    """Every valid, distinct subscriber of the list with one of these statuses; problems logged."""
    wanted = set(statuses)
    for entry in entries(item, config_path=config_path):
        if isinstance(entry, SubscriberProblem):
            log.warning("subscriber entry: %s", entry)
        elif entry.subscriber.status in wanted:
            yield entry.subscriber


def check_subscribers(
    item: ListSettings, *, config_path: Path | None = None
) -> list[SubscriberProblem]:
    """Every problem with the list's subscriber entries, for `digest check`."""
    return [
        entry
        for entry in entries(item, config_path=config_path)
        if isinstance(entry, SubscriberProblem)
    ]


def entries(
    item: ListSettings, *, config_path: Path | None = None
) -> Iterator[SubscriberEntry | SubscriberProblem]:
    """Inline, then file entries in order: each a valid entry or a problem (or both)."""
    seen: dict[str, str] = {}
    lines = _inline_lines(item, config_path)
    for index, inline in enumerate(item.subscribers):
        where = f"[lists.{item.name}.subscribers.{index}]"
        if config_path is not None and index < len(lines):
            where = f"{shown(config_path)}:{lines[index]} {where}"
        yield from parse_entry(inline.model_dump(), where, seen)
    path = item.subscribers_file
    if path is not None:
        yield from (_toml_entries(path, seen) if _is_toml(path) else _csv_entries(path, seen))


def parse_entry(
    values: Mapping[str, object], where: str, seen: dict[str, str]
) -> Iterator[SubscriberEntry | SubscriberProblem]:
    """A valid entry for one new address; else what is wrong with it.

    Values are strings (CSV cells, "" for unset) or TOML values. `seen` maps each
    address taken so far (case-folded) to the address as written there and where it was,
    to catch duplicates: addresses that differ only in case are one mailbox.
    """
    subscriber = subscriber_from(values)
    if isinstance(subscriber, str):
        yield SubscriberProblem(where, subscriber)
        return
    key = subscriber.email.casefold()
    if key in seen:
        yield SubscriberProblem(
            where, f"{subscriber.email}: duplicate of {seen[key]}; remove one of them"
        )
        return
    seen[key] = f"{subscriber.email} at {where}"
    yield SubscriberEntry(subscriber, where)


def subscriber_from(values: Mapping[str, object]) -> Subscriber | str:
    """A Subscriber from an entry's fields, or a sentence saying what to fix."""
    email = _text(values.get("email"))
    try:
        address = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        reason = str(exc).rstrip(".")
        return f"invalid email {email!r}: {reason}; correct it" if email else "no email; add one"
    errors: list[str] = []
    status = _text(values.get("status")).lower() or "active"
    if status not in STATUSES:
        errors.append(f"status {status!r} is not one of {', '.join(STATUSES)}")
    fmt = _text(values.get("format")).lower() or "html"
    if fmt not in FORMATS:
        errors.append(f"format {fmt!r} is not html or text")
    max_items = _max_items(values.get("max_items"), errors)
    zone = _text(values.get("timezone")) or None
    if zone is not None:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(f"timezone {zone!r} is not an IANA name like 'Europe/Berlin'")
    if errors:
        return f"{address}: " + "; ".join(errors) + "; correct it"
    return Subscriber(
        email=address,
        name=" ".join(_text(values.get("name")).split()),
        status=cast(SubscriberStatus, status),
        topics=split_topics(values.get("topics")),
        max_items=max_items,
        format=cast(MailFormat, fmt),
        timezone=zone,
    )


def split_topics(value: object) -> tuple[str, ...]:
    """Topics from a TOML list, or a CSV cell separated by ';' or ','."""
    parts = value if isinstance(value, list | tuple) else re.split(r"[;,]", _text(value))
    return tuple(topic for topic in (" ".join(str(p).split()) for p in parts) if topic)


def unknown_field(name: str) -> str:
    """The message for a field digest does not know, with a "did you mean"."""
    close = difflib.get_close_matches(name.lower(), FIELDS, n=1)
    fix = f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(FIELDS)}"
    return f"unknown field {name!r} ignored; {fix}"


def normal_field(name: str) -> str:
    """A header cell as a field name: `Max items` and `max-items` are `max_items`."""
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def shown(path: Path) -> str:
    """A path as a message shows it: relative to the working folder when it is inside."""
    try:
        return str(path.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _max_items(value: object, errors: list[str]) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if number < 1 or isinstance(value, bool | float):
        errors.append(f"max_items must be a whole number of at least 1, got {value!r}")
        return None
    return number


def _is_toml(path: Path) -> bool:
    return path.suffix.lower() == ".toml"


def _inline_lines(item: ListSettings, config_path: Path | None) -> list[int]:
    """1-based lines of the list's [[lists.NAME.subscribers]] headers, if findable."""
    if config_path is None or not item.subscribers:
        return []
    try:
        text = config_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    found = header_lines(text, ("lists", item.name, "subscribers"), len(item.subscribers))
    return found or []


def _toml_entries(
    file: Path, seen: dict[str, str]
) -> Iterator[SubscriberEntry | SubscriberProblem]:
    """Entries of a TOML subscriber file: ``[[subscribers]]`` tables."""
    path = shown(file)
    try:
        text = file.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        yield SubscriberProblem(path, f"cannot read the subscriber file: {exc}")
        return
    for key in data:
        if key != "subscribers":
            yield SubscriberProblem(
                f"{path}:1", f"unknown key {key!r} ignored; use [[subscribers]]"
            )
    tables = data.get("subscribers", [])
    if not isinstance(tables, list):
        yield SubscriberProblem(f"{path}:1", "'subscribers' must be [[subscribers]] tables")
        return
    lines = header_lines(text, ("subscribers",), len(tables))
    for index, table in enumerate(tables):
        where = f"{path}:{lines[index]}" if lines else f"{path} [subscribers.{index}]"
        if not isinstance(table, dict):
            yield SubscriberProblem(where, "not a table; write [[subscribers]] with email = ...")
            continue
        for name in table:
            if name not in FIELDS:
                yield SubscriberProblem(where, unknown_field(name))
        yield from parse_entry(table, where, seen)


def _csv_entries(file: Path, seen: dict[str, str]) -> Iterator[SubscriberEntry | SubscriberProblem]:
    """Rows of a subscriber CSV file: a header row with at least ``email``."""
    path = shown(file)
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            for line, row in csv_rows(handle):
                where = f"{path}:{line}"
                if isinstance(row, str):
                    yield SubscriberProblem(where, row)
                else:
                    yield from parse_entry(row, where, seen)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        yield SubscriberProblem(path, f"cannot read the subscriber file: {exc}")


def csv_rows(handle: TextIO) -> Iterator[tuple[int, dict[str, str] | str]]:
    """(line, row) of a CSV file with a header, or (line, problem); ``#`` lines are skipped.

    Header cells are normalized (`Max items` → `max_items`); unknown columns are
    reported once, on the header's line, and their cells ignored.
    """
    lines = CommentedLines(handle)
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        yield lines.number, "empty file; start it with a header row: email,name"
        return
    names = [normal_field(cell) for cell in header]
    if "email" not in names:
        yield lines.number, "no 'email' column in the header row; start the file with email,name"
        return
    for cell, name in zip(header, names, strict=True):
        if name not in FIELDS:
            yield lines.number, unknown_field(cell.strip())
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(names):
            yield (
                lines.number,
                f"{len(cells)} fields, but the header has {len(names)}; quote commas",
            )
            continue
        row = {name: cell for name, cell in zip(names, cells, strict=False) if name in FIELDS}
        yield lines.number, row


class CommentedLines:
    """The lines of a file minus ``#`` comment lines, counting physical lines read."""

    def __init__(self, handle: Iterable[str]) -> None:
        self._handle = handle
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for line in self._handle:
            self.number += 1
            if not line.lstrip().startswith("#"):
                yield line
