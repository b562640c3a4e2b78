"""A line-level map of a TOML file, and edits of an array of tables made on its lines.

tomllib gives data without positions and tomlkit keeps comments but attaches the comment
above a table to the table before it (so an appended table lands under it). Editing
entries by lines, and checking the result with tomllib, keeps every other byte of a
hand-written file as it was; the map also gives problems a line number.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.items

from ..errors import ConfigError

Values = dict[str, Any]
"""One table of an array of tables: key → value."""

_HEADER_RE = (
    (True, re.compile(r"\s*\[\[(.*?)\]\]\s*(?:#.*)?")),
    (False, re.compile(r"\s*\[(.*?)\]\s*(?:#.*)?")),
)
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY_RE = re.compile(rf"\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")
_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'')


@dataclass(frozen=True, slots=True)
class Header:
    """One ``[table]`` or ``[[array.of.tables]]`` header line."""

    index: int
    """0-based line index."""
    path: tuple[str, ...]
    is_array: bool


def headers(lines: Sequence[str]) -> list[Header]:
    """Every table header, in order; lines inside multi-line strings and arrays are skipped."""
    found = []
    for index in _statement_starts(lines):
        header = _header(index, lines[index])
        if header is not None:
            found.append(header)
    return found


def keys(lines: Sequence[str], start: int, end: int) -> dict[str, tuple[int, int]]:
    """``key → [first, last)`` lines of each plain key in lines[start:end] (a table's body).

    A key's lines run to the next key (comment lines between them included), so a value
    spread over lines is covered whole.
    """
    starts = []
    for index in _statement_starts(lines[start:end]):
        match = _KEY_RE.match(lines[start + index])
        path = _key_path(match.group(1)) if match else ()
        if len(path) == 1:
            starts.append((path[0], start + index))
    bounds = [index for _, index in starts[1:]] + [end]
    return {name: (first, last) for (name, first), last in zip(starts, bounds, strict=True)}


def _statement_starts(lines: Sequence[str]) -> Iterator[int]:
    """Indexes of lines that start outside any multi-line string, array or inline table."""
    depth = 0
    string_end: str | None = None
    for index, line in enumerate(lines):
        if string_end is not None:
            if line.count(string_end) % 2:
                string_end = None
            continue
        if depth == 0:
            yield index
        code = _STRING_RE.sub('""', line.replace('"""', "\0").replace("'''", "\1"))
        for delimiter, mark in (('"""', "\0"), ("'''", "\1")):
            if code.count(mark) % 2:
                string_end = delimiter
        code = code.split("#", 1)[0]
        opened = code.count("[") + code.count("{")
        depth = max(0, depth + opened - code.count("]") - code.count("}"))


def entry_spans(lines: Sequence[str], path: tuple[str, ...]) -> list[tuple[int, int]]:
    """``[start, end)`` line ranges of the entries of the array of tables at path.

    A range runs from the header to the entry's last key; blank and comment lines after
    it belong to whatever comes next.
    """
    found = headers(lines)
    spans = []
    for position, header in enumerate(found):
        if header.is_array and header.path == path:
            end = found[position + 1].index if position + 1 < len(found) else len(lines)
            spans.append((header.index, _trimmed(lines, header.index, end)))
    return spans


def table_span(lines: Sequence[str], path: tuple[str, ...]) -> tuple[int, int] | None:
    """``[start, end)`` of a ``[table]``'s own keys (up to the next header), or None."""
    found = headers(lines)
    for position, header in enumerate(found):
        if not header.is_array and header.path == path:
            end = found[position + 1].index if position + 1 < len(found) else len(lines)
            return header.index, _trimmed(lines, header.index, end)
    return None


def _header(index: int, line: str) -> Header | None:
    for is_array, pattern in _HEADER_RE:
        match = pattern.fullmatch(line.rstrip("\r\n"))
        if match:
            path = _key_path(match.group(1))
            return Header(index, path, is_array) if path else None
    return None


def _key_path(key: str) -> tuple[str, ...]:
    """The parts of a dotted TOML key, quoted parts included; () if it is not a key."""
    try:
        data: object = tomllib.loads(f"{key} = 0")
    except tomllib.TOMLDecodeError:
        return ()
    parts: list[str] = []
    while isinstance(data, dict) and len(data) == 1:
        name, data = next(iter(data.items()))
        parts.append(name)
    return tuple(parts) if data == 0 else ()


def _trimmed(lines: Sequence[str], start: int, end: int) -> int:
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip()[:1] == "#"):
        end -= 1
    return end


class TomlFile:
    """Entries of an array of tables in a TOML file, edited line by line.

    Changes are made in memory (`update`, `add`, `remove`) and `render` gives the new
    file: on the lines where it can, through tomlkit where not; either way checked to
    hold exactly the expected data.
    """

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
        apply_changes(entry, changes)
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
        if len(entry_spans(lines, self._array)) != self._count:
            return None
        for index in reversed(range(self._count)):
            if self.entries[index] is None:
                start, end = entry_spans(lines, self._array)[index]
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
        start, end = entry_spans(lines, self._array)[index]
        found = keys(lines, start + 1, end).get(key)
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
        spans = entry_spans(lines, self._array)
        if spans:
            return spans[-1][1]
        if len(self._array) == 1:
            return len(lines)
        parent = table_span(lines, self._array[:-1])
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
                apply_changes(array[index], self._changes[index])
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


def _key(name: str) -> str:
    return str(tomlkit.key(name).as_string())


def apply_changes(entry: MutableMapping[str, Any], changes: Mapping[str, object]) -> None:
    """Set each changed key of one entry (a dict or a tomlkit table); None removes the key."""
    for key, value in changes.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value


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
