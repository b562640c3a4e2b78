"""A line-level map of a TOML file: where each table header and array-of-tables entry is.

tomllib gives data without positions and tomlkit keeps comments but attaches the comment
above a table to the table before it. Editing subscriber entries by lines (and checking
the result with tomllib) keeps every other byte of a hand-written file as it was, and
gives problems a line number.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

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
