"""Folder sources for the collect stage: the note files directly inside a folder.

The .txt, .md, .markdown, .html and .htm files directly inside source.path (not
recursive; hidden files skipped); guid = file name, published = mtime. One unreadable
file is logged, reported (Unreadable) and skipped. Only collect.py imports this module.
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..config import SourceSettings
from ..errors import SourceError
from ..models import BodyFormat, RawArticle
from ._feeds import clip
from ._pages import html_title, meta_charset

log = logging.getLogger(__package__)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """One item of a source that could not be read (a file of a folder), and why."""

    source: str
    name: str
    url: str
    reason: str


_FOLDER_FORMATS: dict[str, BodyFormat] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}


def collect_folder(
    source: SourceSettings,
    *,
    max_bytes: int,
    on_unreadable: Callable[[Unreadable], None] | None = None,
) -> list[RawArticle]:
    """Every readable note in the source's folder; SourceError if the folder cannot be listed."""
    folder = source.path
    if folder is None:
        raise SourceError(
            f"source {source.name!r}: a folder source needs a path",
            hint='set path = "notes/" (relative to the config file) for this source',
        )
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise SourceError(
            f"source {source.name!r}: folder {folder} {what}",
            hint="create the folder, or fix path for this source in the config "
            "(relative paths are relative to the config file)",
        )
    try:
        paths = sorted(folder.iterdir())
    except OSError as exc:
        raise SourceError(
            f"source {source.name!r}: cannot list folder {folder}: {exc.strerror}",
            hint="check the folder's permissions",
        ) from exc
    articles = []
    for path in paths:
        body_format = _FOLDER_FORMATS.get(path.suffix.lower())
        if body_format is None or path.name.startswith(".") or not path.is_file():
            continue
        article = _read_note(source.name, folder, path, body_format, max_bytes=max_bytes)
        if isinstance(article, RawArticle):
            articles.append(article)
        else:
            log.warning("source %r: skipped %s: %s", source.name, path, article)
            if on_unreadable is not None:
                on_unreadable(Unreadable(source.name, path.name, path.absolute().as_uri(), article))
    return articles


def _read_note(
    source: str, folder: Path, path: Path, body_format: BodyFormat, *, max_bytes: int
) -> RawArticle | str:
    """One file as a RawArticle, or why it cannot be read as text."""
    try:
        stat = path.stat()
        if stat.st_size > max_bytes:
            return f"larger than {max_bytes:,} bytes"
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot read it ({exc.strerror})"
    text = _decode_note(data, body_format)
    if text is None:
        return "it is not UTF-8 text"
    return RawArticle(
        source=source,
        url=path.absolute().as_uri(),
        guid=path.relative_to(folder).as_posix(),
        title=_note_title(text, body_format) or path.stem,
        published=datetime.fromtimestamp(stat.st_mtime, UTC),
        body=text,
        body_format=body_format,
    )


def _decode_note(data: bytes, body_format: BodyFormat) -> str | None:
    """Text of a file: UTF-8 (or UTF-16 with a BOM, or an HTML meta charset), else None."""
    encodings = ["utf-8-sig"]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    elif body_format == "html" and (declared := meta_charset(data)):
        encodings.append(declared)
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        return None if "\x00" in text else text
    return None


def _note_title(text: str, body_format: BodyFormat) -> str:
    """A cheap title guess; the extract stage refines it."""
    if body_format == "html":
        return html_title(text)
    lines = [line.strip() for line in text.splitlines()]
    if body_format == "markdown":
        if lines and lines[0] == "---" and "---" in lines[1:]:  # YAML front matter
            front = lines[1 : lines.index("---", 1)]
            lines = lines[len(front) + 2 :]
            for line in front:
                key, _, value = line.partition(":")
                if key.strip().lower() == "title" and value.strip():
                    return clip(value.strip().strip("\"'"))
        for line in lines:
            if line.startswith("# "):
                return clip(line.lstrip("#").strip().rstrip("#").strip())
    first = next((line for line in lines if line), "")
    return clip(first.lstrip("#").strip())
