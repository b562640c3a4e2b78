"""Entries of an array of tables in a TOML file, edited with tomlkit; their header lines.

tomlkit keeps every comment, space and quote of a file, but files the blank and comment
lines above a table header under the table before it: a key added to that table, or a
table appended after it, would land below the comment meant for what follows, and
removing the table would take that comment with it. So a document is first rearranged,
without changing its text: what stands above a header goes into the header's indent,
and what ends the file after the last key is kept aside. Edits then land where a person
would make them, and every other byte stays. The new text is checked with tomllib to
hold exactly the expected data.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Array, Comment, Item, Key, Null, Table, Whitespace
from tomlkit.toml_document import TOMLDocument

from ..errors import ConfigError

Values = dict[str, Any]
"""One table of an array of tables: key → value."""


class TomlFile:
    """The entries of the array of tables at `array` in one TOML file, edited in memory.

    `update`, `add` and `remove` change the tomlkit document; `render` gives the new file.
    """

    def __init__(self, path: Path, data: bytes, array: tuple[str, ...]) -> None:
        self.path = path
        self.original = data
        self._array = array
        try:
            text = data.decode("utf-8")
            self._data: dict[str, Any] = tomllib.loads(text)
            self._doc = tomlkit.parse(text)
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, TOMLKitError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}; fix it before editing.") from exc
        found = _get(self._data, array) or []
        if not isinstance(found, list) or not all(isinstance(e, dict) for e in found):
            raise ConfigError(f"{path}: {'.'.join(array)} is not an array of tables.")
        self.entries: list[Values | None] = copy.deepcopy(found)
        self._newline = "\r\n" if "\r\n" in text else "\n"
        self._tail = _headers_own_their_comments(self._doc)
        if tomlkit.dumps(self._doc) + self._tail != text:  # never lose a byte: edit as parsed
            self._doc, self._tail = tomlkit.parse(text), ""
        self._tables = [table for _, found in self._arrays() for table in found]
        if tomlkit.dumps(self._doc) + self._tail != text or len(self._tables) != len(found):
            raise ConfigError(
                f"{path}: cannot be edited in place: tomlkit would not write the rest of it "
                "back as it is; edit it by hand.",
                hint=f"tables of one array written apart are moved together: write the "
                f"[[{'.'.join(array)}]] tables one after another",
            )

    def update(self, index: int, changes: Mapping[str, object]) -> None:
        """Set fields of one entry; None removes the field."""
        entry = self.entries[index]
        assert entry is not None
        apply_changes(entry, changes)
        table = self._tables[index]
        for key, value in changes.items():
            if value is None:
                table.pop(key, None)
            elif key in table or not isinstance(table, Table):
                table[key] = value  # tomlkit keeps the old value's comment and spacing
            else:
                self._end_line(table)
                item = self._item(value)
                item.trivia.indent = _key_indent(table)
                table.raw_append(key, item)  # raw: tomlkit would indent it like the header

    def add(self, values: Values) -> None:
        """Append an entry after the last one, or where the array's first belongs."""
        self.entries.append(dict(values))
        arrays = self._arrays()
        found = arrays[-1][1] if arrays else None
        if isinstance(found, Array):
            found.append(values)
            self._tables.append(found[-1])
            return
        table = tomlkit.table()
        table.trivia.trail = self._newline
        for key, value in values.items():
            table.raw_append(key, self._item(value))
        if isinstance(found, AoT):
            self._end_line(found[-1])
            table.trivia.indent = self._newline  # a blank line before the new header
            found.append(table)
            self._tables.append(table)
        else:
            self._tables.append(self._add_array(table))

    def remove(self, index: int) -> None:
        """Delete one entry; the comments above it stay, and one blank line goes."""
        self.entries[index] = None
        table = self._tables[index]
        owner, found = next((o, f) for o, f in self._arrays() if any(t is table for t in f))
        if isinstance(table, Table):
            following = _header_after(self._doc, table)
            kept = table.trivia.indent.rstrip(" \t")
            after = following.trivia.indent if following is not None else self._tail
            if _ends_blank(kept):
                kept = kept[: -len("\r\n" if kept.endswith("\r\n") else "\n")]
            elif after.startswith(("\n", "\r\n")):
                after = after[len("\r\n" if after.startswith("\r\n") else "\n") :]
            if following is not None:
                following.trivia.indent = kept + after
            else:
                self._tail = kept + after
        del found[next(n for n, t in enumerate(found) if t is table)]
        if not len(found):  # an emptied array of tables would be written `subscribers = []`
            owner.remove(self._array[-1])

    def render(self) -> bytes:
        """The new file, checked to hold exactly the edited entries and nothing else changed."""
        expected = copy.deepcopy(self._data)
        _set(expected, self._array, [e for e in self.entries if e is not None])
        text = tomlkit.dumps(self._doc) + self._tail
        if _parsed(text, self._array) != expected:
            raise ConfigError(f"{self.path}: the edit could not be made; edit it by hand.")
        return text.encode("utf-8")

    def _arrays(self) -> list[tuple[Table | TOMLDocument, AoT | Array]]:
        """The array's parts in file order, each with the table that holds it.

        tomlkit's own lookup merges the parts of an array written apart into a copy, so
        the parts are found by walking the document.
        """
        return [
            (owner, item)
            for owner in _tables_at(self._doc, self._array[:-1])
            for key, item in _body(owner)
            if key is not None and key.key == self._array[-1] and isinstance(item, AoT | Array)
        ]

    def _add_array(self, table: Table) -> MutableMapping[str, Any]:
        """A new array of tables holding `table`: after the keys of its parent table."""
        name = self._array[-1]
        owners = _tables_at(self._doc, self._array[:-1])
        parent = next((o for o in owners if isinstance(o, Table) and not o.is_super_table()), None)
        if len(self._array) == 1:  # a file of its own: at the end
            if self._tail:
                for _, item in tomlkit.parse(self._tail).body:
                    self._doc.add(item)
                self._tail = ""
            text = self._doc.as_string()
            if text and not text.endswith("\n"):
                self._doc.add(tomlkit.ws(self._newline))
            if text.strip() and not text.endswith(("\n\n", "\r\n\r\n")):
                table.trivia.indent = self._newline
            self._doc.append(name, AoT([table]))
            return table
        if parent is None:  # no such table written: tomlkit makes one
            array: Any = self._doc
            for part in self._array[:-1]:
                array = array.setdefault(part, tomlkit.table())
            array[name] = [dict(table)]
            return array[name][-1]  # type: ignore[no-any-return]
        table.trivia.indent = self._newline
        body = parent.value.body
        first = next(
            (
                n
                for n, (key, item) in enumerate(body)
                if isinstance(item, AoT | Table) and not (key is not None and key.is_dotted())
            ),
            None,
        )
        if first is None:
            self._end_line(parent)
            parent.raw_append(name, AoT([table]))
        else:  # before the parent's own sub-tables; tomlkit has no public insert
            parent.value._insert_at(first, name, AoT([table]))
        return table

    def _item(self, value: object) -> Item:
        item = tomlkit.item(value)
        item.trivia.trail = self._newline
        return item

    def _end_line(self, table: Table) -> None:
        """End the table's last line, so that what is appended starts a line of its own."""
        for _, item in reversed(table.value.body):
            if isinstance(item, Null):
                continue
            if isinstance(item, AoT):
                self._end_line(item[-1])
            elif isinstance(item, Table):
                self._end_line(item)
            elif isinstance(item, Whitespace):
                if not item.s.endswith("\n"):
                    table.add(tomlkit.ws(self._newline))
            elif not item.trivia.trail.endswith("\n"):
                item.trivia.trail += self._newline
            return
        if not table.trivia.trail.endswith("\n"):
            table.trivia.trail += self._newline


def _tables_at(doc: TOMLDocument, path: tuple[str, ...]) -> list[Table | TOMLDocument]:
    """Every table written at `path` (a table written in parts has several), in file order."""
    found: list[Table | TOMLDocument] = [doc]
    for part in path:
        found = [
            item
            for owner in found
            for key, item in _body(owner)
            if key is not None and key.key == part and isinstance(item, Table)
        ]
    return found


def _key_indent(table: Table) -> str:
    """The indent of the table's last key, for a new key to line up with it."""
    keys = [
        item
        for key, item in table.value.body
        if key is not None and not isinstance(item, Table | AoT)
    ]
    return keys[-1].trivia.indent if keys else ""


def _body(owner: Table | TOMLDocument) -> list[tuple[Key | None, Item]]:
    return owner.body if isinstance(owner, TOMLDocument) else owner.value.body


def _headers_own_their_comments(doc: TOMLDocument) -> str:
    """Move the blank and comment lines above each header into its indent; return the rest.

    The text of the document stays the same; the lines after the last key of the file
    are taken out of it and returned, to be written after it again.
    """
    pending: list[tuple[Container, int]] = []
    for kind, container, index, item in _walk(doc):
        if kind == "trivia":
            pending.append((container, index))
        elif kind == "header":
            item.trivia.indent = _take(pending) + item.trivia.indent
        else:
            pending.clear()
    return _take(pending)


def _take(places: list[tuple[Container, int]]) -> str:
    text = "".join(container.body[index][1].as_string() for container, index in places)
    for container, index in places:
        container.body[index] = (None, Null())  # in place, as tomlkit's own removal does
    places.clear()
    return text


def _walk(container: Container) -> Iterator[tuple[str, Container, int, Item]]:
    """(kind, container, index, item) in the order tomlkit writes them.

    Kinds: "trivia" (a blank or comment line), "header" (a table with a header line,
    before its body), "content" (a key, a dotted key). A super table writes no header
    line, only its body.
    """
    for index, (key, item) in enumerate(container.body):
        if isinstance(item, Whitespace | Comment):
            yield "trivia", container, index, item
        elif isinstance(item, AoT):
            for table in item.body:
                yield "header", container, index, table
                yield from _walk(table.value)
        elif isinstance(item, Table) and not (key is not None and key.is_dotted()):
            if not item.is_super_table():
                yield "header", container, index, item
            yield from _walk(item.value)
        elif not isinstance(item, Null):
            yield "content", container, index, item


def _header_after(doc: TOMLDocument, table: Table) -> Table | None:
    """The next table with a header line after `table`, in the order of the file."""
    headers = [item for kind, _, _, item in _walk(doc) if kind == "header"]
    position = next(n for n, t in enumerate(headers) if t is table)
    following = headers[position + 1] if position + 1 < len(headers) else None
    return following if isinstance(following, Table) else None


def _ends_blank(text: str) -> bool:
    """Whether text, which ends where a header starts, ends with a blank line."""
    return text in ("\n", "\r\n") or text.endswith(("\n\n", "\n\r\n"))


def header_lines(text: str, array: tuple[str, ...], count: int) -> list[int] | None:
    """The 1-based line of each of the `count` ``[[array]]`` headers; None if not found.

    Lines that look like the header are found by a pattern, fast; when their number is
    not `count` (one sits in a multi-line string, or a header is spelt unusually),
    tomlkit finds the real ones.
    """
    pattern = _header_pattern(array)
    lines = [
        number
        for number, line in enumerate(text.split("\n"), 1)
        if "[[" in line and pattern.match(line)
    ]
    return lines if len(lines) == count else _parsed_header_lines(text, array, count)


def _header_pattern(array: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for part in array:
        forms = [re.escape(f'"{part}"'), re.escape(f"'{part}'")]
        if re.fullmatch(r"[A-Za-z0-9_-]+", part):
            forms.append(re.escape(part))
        parts.append(f"(?:{'|'.join(forms)})")
    key = r"[ \t]*\.[ \t]*".join(parts)
    return re.compile(rf"[ \t]*\[\[[ \t]*{key}[ \t]*\]\][ \t]*(?:#.*)?\r?")


def _parsed_header_lines(text: str, array: tuple[str, ...], count: int) -> list[int] | None:
    """Header lines found by marking each table of the array and writing the file again."""
    try:
        doc = tomlkit.parse(text)
    except TOMLKitError:
        return None
    found: Any = doc
    for part in array:
        found = found.get(part) if isinstance(found, Mapping) else None
    if not isinstance(found, AoT) or len(found) != count:
        return None
    marker = "\0"  # no TOML text holds a NUL
    for table in found:
        table.trivia.indent += marker
    lines, line = [], 1
    for piece in tomlkit.dumps(doc).split(marker)[:-1]:
        line += piece.count("\n")
        lines.append(line)
    return lines


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
