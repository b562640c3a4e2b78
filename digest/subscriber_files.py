"""Editing subscriber files in place: TOML (inline or a file) and CSV, safely.

Only the lines of the entries that change are rewritten; every other byte (comments,
order, spacing, quoting) stays as it was. TOML edits are made on the lines and checked
with tomllib; where that cannot be done cleanly, tomlkit makes the edit instead. Every
write is atomic (temporary file, fsync, rename), and callers hold `edit_lock` around
read-modify-write, so the CLI and the unsubscribe endpoint never lose each other's change.
"""

from __future__ import annotations

import copy
import csv
import fcntl
import io
import os
import tempfile
import threading
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import tomlkit
import tomlkit.items

from . import tomltext
from .errors import ConfigError
from .subscribers import CSV_FIELDS, CommentedLines, normal_field

Values = dict[str, Any]
"""A subscriber entry as a file holds it: field name → value (only fields that are set)."""


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


_THREAD_LOCKS: dict[Path, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


@contextmanager
def edit_lock(config_path: Path) -> Iterator[None]:
    """Hold the lock that every edit of this config's subscriber files takes.

    An fcntl lock on a hidden file beside the config excludes other processes; fcntl
    locks belong to a process, so a thread lock excludes the process's other threads.
    """
    lock_path = config_path.with_name(f".{config_path.name}.lock")
    with _THREAD_LOCKS_GUARD:
        thread_lock = _THREAD_LOCKS.setdefault(lock_path.resolve(), threading.Lock())
    with thread_lock:
        try:
            handle = lock_path.open("a")
        except OSError as exc:
            raise ConfigError(f"{lock_path}: cannot open the edit lock: {exc.strerror}.") from exc
        with handle:
            fcntl.lockf(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.lockf(handle, fcntl.LOCK_UN)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace a file's content all at once: a crash leaves the old file or the new one."""
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, mode)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
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
        if entry is not None and str(entry.get("email", "")).strip().casefold() == key:
            return index
    return None


class TomlFile:
    """Entries of an array of tables in a TOML file, edited line by line."""

    def __init__(self, path: Path, data: bytes, array: tuple[str, ...]) -> None:
        self.path = path
        self.original = data
        self._array = array
        try:
            self._text = data.decode("utf-8")
            self._data: dict[str, Any] = tomllib.loads(self._text)
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}; fix it before editing.") from exc
        found = _get(self._data, array) or []
        if not isinstance(found, list) or not all(isinstance(e, dict) for e in found):
            raise ConfigError(f"{path}: {'.'.join(array)} is not an array of tables.")
        self.entries: list[Values | None] = [copy.deepcopy(entry) for entry in found]
        self._count = len(self.entries)
        self._changes: dict[int, dict[str, object]] = {}
        self._newline = "\r\n" if "\r\n" in self._text else "\n"

    def update(self, index: int, changes: Mapping[str, object]) -> None:
        entry = self.entries[index]
        assert entry is not None
        for key, value in changes.items():
            if value is None:
                entry.pop(key, None)
            else:
                entry[key] = value
        self._changes.setdefault(index, {}).update(changes)

    def add(self, values: Values) -> None:
        self.entries.append(dict(values))

    def remove(self, index: int) -> None:
        self.entries[index] = None

    def render(self) -> bytes:
        expected = copy.deepcopy(self._data)
        _set(expected, self._array, [e for e in self.entries if e is not None])
        text = self._by_lines()
        if text is None or _parsed(text, self._array) != expected:
            text = self._by_tomlkit()
            if _parsed(text, self._array) != expected:
                raise ConfigError(f"{self.path}: the edit could not be made; edit it by hand.")
        return text.encode("utf-8")

    def _by_lines(self) -> str | None:
        """The edit made on the lines of the changed entries only."""
        lines = self._text.splitlines(keepends=True)
        if len(tomltext.entry_spans(lines, self._array)) != self._count:
            return None
        for index in reversed(range(self._count)):
            if self.entries[index] is None:
                start, end = tomltext.entry_spans(lines, self._array)[index]
                if start > 0 and not lines[start - 1].strip():
                    start -= 1
                elif end < len(lines) and not lines[end].strip():
                    end += 1
                del lines[start:end]
            else:
                for key, value in self._changes.get(index, {}).items():
                    lines = self._set_key(lines, index, key, value)
        added = self.entries[self._count :]
        if added:
            at = self._insertion_point(lines)
            if at is None:
                return None
            if at and not lines[at - 1].endswith("\n"):
                lines[at - 1] += self._newline
            block = [self._table(entry) for entry in added if entry is not None]
            if at and lines[at - 1].strip():
                block[0] = self._newline + block[0]
            lines[at:at] = [self._newline.join(block)]
        return "".join(lines)

    def _set_key(self, lines: list[str], index: int, key: str, value: object) -> list[str]:
        """Set (or with None, remove) one key of one entry, keeping its comment and spacing."""
        start, end = tomltext.entry_spans(lines, self._array)[index]
        found = tomltext.keys(lines, start + 1, end).get(key)
        if found is None:
            if value is not None:
                if not lines[end - 1].endswith("\n"):
                    lines[end - 1] += self._newline
                lines.insert(end, f"{_key(key)} = {tomlkit.item(value).as_string()}{self._newline}")
            return lines
        first, last = found
        if value is None:
            del lines[first:last]
            return lines
        part = tomlkit.parse("".join(lines[first:last]))
        part[key] = value
        lines[first:last] = [tomlkit.dumps(part)]
        return "".join(lines).splitlines(keepends=True)

    def _insertion_point(self, lines: list[str]) -> int | None:
        """After the last remaining entry, else after the parent table's keys, else the end."""
        spans = tomltext.entry_spans(lines, self._array)
        if spans:
            return spans[-1][1]
        if len(self._array) == 1:
            return len(lines)
        parent = tomltext.table_span(lines, self._array[:-1])
        return parent[1] if parent else None

    def _table(self, entry: Values) -> str:
        rows = [f"[[{'.'.join(_key(part) for part in self._array)}]]"]
        rows += [f"{_key(key)} = {tomlkit.item(value).as_string()}" for key, value in entry.items()]
        return "".join(row + self._newline for row in rows)

    def _by_tomlkit(self) -> str:
        doc = tomlkit.parse(self._text)
        parent: Any = doc
        for part in self._array[:-1]:
            parent = parent.setdefault(part, tomlkit.table())
        array = parent.get(self._array[-1])
        for index in reversed(range(self._count)):
            if self.entries[index] is None:
                del array[index]
            elif index in self._changes:
                _apply(array[index], self._changes[index])
        for entry in self.entries[self._count :]:
            if array is None:
                array = parent[self._array[-1]] = tomlkit.aot()
            if isinstance(array, tomlkit.items.AoT):
                table = tomlkit.table()
                table.update(entry or {})
                array.append(table)
            else:
                array.append(entry)
        return tomlkit.dumps(doc)


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
        for key, value in changes.items():
            if value is None:
                entry.pop(key, None)
            else:
                entry[key] = value
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


def _key(name: str) -> str:
    return str(tomlkit.key(name).as_string())


def cell(value: object) -> str:
    """A value as one CSV cell: topics joined with ';'."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(part) for part in value)
    return str(value)


def _apply(table: Any, changes: Mapping[str, object]) -> None:
    for key, value in changes.items():
        if value is None:
            if key in table:
                del table[key]
        else:
            table[key] = value


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)
    return data


def _set(data: dict[str, Any], path: tuple[str, ...], value: list[Values]) -> None:
    """Put the entries at path; no entries means no key, as a file without any reads."""
    for part in path[:-1]:
        data = data.setdefault(part, {})
    if value:
        data[path[-1]] = value
    else:
        data.pop(path[-1], None)


def _parsed(text: str, path: tuple[str, ...]) -> dict[str, Any] | None:
    """The data of a TOML text, an empty array at path counting as none."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    _set(data, path, _get(data, path) or [])
    return data
