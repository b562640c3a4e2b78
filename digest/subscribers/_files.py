"""Editing subscriber files in place: TOML (inline or a file) and CSV, safely.

Only the entries that change are rewritten; every other byte (comments, order,
spacing, quoting) stays as it was. TOML files are edited with tomlkit (`_toml.py`), CSV
files row by row. Every write is atomic (temporary file, fsync, rename), and callers
hold `edit_lock` around read-modify-write, so the CLI and the unsubscribe endpoint never
lose each other's change.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Protocol

from ..errors import ConfigError
from ..files import atomic_write, lock
from ._subscribers import CSV_FIELDS, CommentedLines, normal_field
from ._toml import TomlFile, Values, apply_changes


class SubscriberFile(Protocol):
    """One place that holds subscriber entries, edited in memory, then written at once."""

    path: Path
    original: bytes
    """The file's content as read ("" when it did not exist)."""
    entries: list[Values | None]
    """The entries in file order; None where one was removed."""

    def update(self, index: int, changes: Mapping[str, object]) -> None:
        """Set fields of one entry (a value of None removes the field)."""

    def add(self, values: Values) -> None:
        """Append a new entry."""

    def remove(self, index: int) -> None:
        """Delete one entry."""

    def render(self) -> bytes:
        """The new content of the file."""


@contextmanager
def edit_lock(config_path: Path) -> Iterator[None]:
    """Hold the lock that every edit of this config and its subscriber files takes.

    A hidden file beside the config (``.digest.toml.lock``), locked against other
    processes and threads (`digest.files.lock`), waiting for whoever holds it.
    """
    lock_path = config_path.with_name(f".{config_path.name}.lock")
    with ExitStack() as stack:
        try:
            stack.enter_context(lock(lock_path))
        except OSError as exc:
            raise ConfigError(f"{lock_path}: cannot open the edit lock: {exc.strerror}.") from exc
        yield


def write(path: Path, data: bytes) -> None:
    """Replace a file's content all at once: a crash leaves the old file or the new one."""
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the file: {exc.strerror}.") from exc


def open_file(path: Path, array: tuple[str, ...] = ("subscribers",)) -> SubscriberFile:
    """The subscriber entries of a CSV or TOML file (TOML: the array of tables at `array`)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = b""
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the subscriber file: {exc.strerror}.") from exc
    if path.suffix.lower() == ".toml":
        return TomlFile(path, data, array)
    return CsvFile(path, data)


def find(file: SubscriberFile, email: str) -> int | None:
    """The index of the entry with this address (any case), or None."""
    key = email.strip().casefold()
    for index, entry in enumerate(file.entries):
        if entry is not None and address_key(entry) == key:
            return index
    return None


def address_key(entry: Values) -> str:
    """The entry's address as edits compare it: stripped and case-folded."""
    return str(entry.get("email", "")).strip().casefold()


class CsvFile:
    """Rows of a subscriber CSV file; only edited rows (and the header) are rewritten."""

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        self.original = data
        self._bom = data.startswith(b"\xef\xbb\xbf")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text: {exc}; save it as UTF-8.") from exc
        self._newline = "\r\n" if "\r\n" in text else "\n"
        self._chunks: list[str] = []
        """The file in pieces: the header is one, each entry is one, comments the rest."""
        self._rows: list[int] = []
        """For each entry, its index in _chunks."""
        self.entries: list[Values | None] = []
        self._header_at: int | None = None
        self._header: list[str] = []
        self._names: list[str] = []
        self._parse(text)

    def _parse(self, text: str) -> None:
        physical = text.splitlines(keepends=True)
        lines = CommentedLines(physical)
        done = 0
        try:
            for cells in csv.reader(lines):
                while done < lines.number - 1 and physical[done].lstrip().startswith("#"):
                    self._chunks.append(physical[done])
                    done += 1
                self._chunks.append("".join(physical[done : lines.number]))
                done = lines.number
                if self._header_at is None:
                    self._header_at = len(self._chunks) - 1
                    self._header = cells
                    self._names = [normal_field(cell) for cell in cells]
                elif any(cell.strip() for cell in cells):
                    self._rows.append(len(self._chunks) - 1)
                    self.entries.append(
                        {k: v for k, v in zip(self._names, cells, strict=False) if k and v.strip()}
                    )
        except csv.Error as exc:
            raise ConfigError(f"{self.path}:{lines.number}: {exc}; fix the quoting.") from exc
        self._chunks += physical[done:]
        if self._header_at is not None and "email" not in self._names:
            raise ConfigError(f"{self.path}: no 'email' column in the header row; add one.")

    def update(self, index: int, changes: Mapping[str, object]) -> None:
        entry = self.entries[index]
        assert entry is not None
        apply_changes(entry, changes)
        self._chunks[self._rows[index]] = self._row(entry)

    def add(self, values: Values) -> None:
        if self._chunks and not self._chunks[-1].endswith(("\n", "\r")):
            self._chunks[-1] += self._newline
        row = self._row(values)
        self.entries.append(dict(values))
        self._rows.append(len(self._chunks))
        self._chunks.append(row)

    def remove(self, index: int) -> None:
        self.entries[index] = None
        self._chunks[self._rows[index]] = ""

    def render(self) -> bytes:
        text = "".join(self._chunks)
        return (b"\xef\xbb\xbf" if self._bom else b"") + text.encode("utf-8")

    def _row(self, values: Mapping[str, object]) -> str:
        """One row in the header's column order, adding columns the header lacks."""
        missing = [key for key, value in values.items() if value and key not in self._names]
        if self._header_at is None:
            self._header_at = len(self._chunks)
            self._chunks.append("")
            missing = [name for name in CSV_FIELDS if name not in missing] + missing
        if missing:
            self._header += missing
            self._names += missing
            self._chunks[self._header_at] = self._line(self._header)
        cells = [cell(values.get(name)) for name in self._names]
        while len(cells) > 1 and not cells[-1]:
            cells.pop()  # a short row reads the same, and stays short when columns are added
        return self._line(cells)

    def _line(self, cells: list[str]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=self._newline).writerow(cells)
        return buffer.getvalue()


def cell(value: object) -> str:
    """A value as one CSV cell: topics joined with ';'."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(part) for part in value)
    return str(value)
