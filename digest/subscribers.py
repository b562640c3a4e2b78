"""The subscriber store: the addresses of a list, inline in the TOML or in a CSV file.

Subscribers are streamed, never held all at once, so a list of any size costs the same
memory. An invalid line is reported with its file and line and skipped; the others go on.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from .models import Recipient
from .settings import ListSettings

log = logging.getLogger(__name__)

CSV_FIELDS = ("email", "name")


@dataclass(frozen=True, slots=True)
class SubscriberProblem:
    """One subscriber entry that cannot be used, and where it is."""

    where: str
    """``path:line`` for a CSV row, ``[lists.NAME.subscribers.N]`` for an inline entry."""
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def iter_subscribers(item: ListSettings) -> Iterator[Recipient]:
    """Every valid, distinct subscriber of the list, inline entries first; problems logged."""
    for entry in _entries(item):
        if isinstance(entry, SubscriberProblem):
            log.warning("skipping subscriber: %s", entry)
        else:
            yield entry


def check_subscribers(item: ListSettings) -> list[SubscriberProblem]:
    """Every problem with the list's subscriber entries, for `digest check`."""
    return [entry for entry in _entries(item) if isinstance(entry, SubscriberProblem)]


def _entries(item: ListSettings) -> Iterator[Recipient | SubscriberProblem]:
    """Inline and file entries in order, each a Recipient or the problem with it."""
    seen: dict[str, str] = {}
    for index, inline in enumerate(item.subscribers):
        where = f"[lists.{item.name}.subscribers.{index}]"
        yield _checked(inline.email, inline.name, where, seen)
    if item.subscribers_file is not None:
        yield from _csv_entries(item.subscribers_file, seen)


def _csv_entries(path: Path, seen: dict[str, str]) -> Iterator[Recipient | SubscriberProblem]:
    """Rows of a subscriber CSV file (header row with at least `email`)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            fields = [name.strip().lower() for name in reader.fieldnames or []]
            if "email" not in fields:
                yield SubscriberProblem(
                    f"{path}:1",
                    "no 'email' column in the header row; start the file with email,name",
                )
                return
            reader.fieldnames = fields
            for row in reader:
                where = f"{path}:{reader.line_num}"
                yield _checked(row.get("email") or "", row.get("name") or "", where, seen)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        yield SubscriberProblem(str(path), f"cannot read the subscriber file: {exc}")


def _checked(
    email: str, name: str, where: str, seen: dict[str, str]
) -> Recipient | SubscriberProblem:
    """A Recipient for a valid, new address; else what is wrong with it."""
    try:
        valid = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        return SubscriberProblem(where, f"invalid email {email.strip()!r}: {exc}; correct it")
    address = valid.normalized
    key = address.lower()
    if key in seen:
        return SubscriberProblem(where, f"duplicate of {address} at {seen[key]}; remove one")
    seen[key] = where
    return Recipient(email=address, name=name.strip())
