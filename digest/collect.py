"""Collect: turn one configured source into RawArticles, newest first.

    folder  the .txt, .md, .markdown, .html and .htm files directly inside source.path
            (not recursive; hidden files skipped); guid = file name, published = mtime
    feed    RSS 0.9x/1.0/2.0 and Atom (feedparser) or JSON Feed, from an http(s) URL
            (conditional GET) or a local file (source.url as a path or file: URI, or
            source.path)
    page    one web page: a single RawArticle with the page's HTML

A source that cannot be read raises SourceError for that source only; one bad file in
a folder or one bad entry in a feed is logged and skipped.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import html
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx

from .errors import SourceError
from .feeds import TAG_RE, Entry, Feed, clip, parse_feed
from .fetch import (
    DEFAULT_RETRY,
    MAX_BYTES,
    RetryPolicy,
    fetch,
    http_client,
    is_http_url,
    parse_http_date,
)
from .models import BodyFormat, RawArticle
from .settings import SourceSettings

__all__ = ["MAX_BYTES", "RetryPolicy", "ValidatorStore", "collect", "http_client"]

log = logging.getLogger(__name__)

_FOLDER_FORMATS: dict[str, BodyFormat] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}
_OLDEST = datetime.min.replace(tzinfo=UTC)


class ValidatorStore(Protocol):
    """Memory of ETag / Last-Modified per URL, for conditional GET (state.py keeps it in SQLite)."""

    def get_validators(self, url: str) -> tuple[str | None, str | None]:
        """The (etag, last_modified) stored for url, or (None, None)."""
        ...

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember the validators of the latest successful fetch of url."""
        ...


def collect(
    source: SourceSettings,
    *,
    now: datetime,
    client: httpx.Client,
    validators: ValidatorStore | None = None,
    max_bytes: int = MAX_BYTES,
    retry: RetryPolicy = DEFAULT_RETRY,
) -> tuple[RawArticle, ...]:
    """The source's articles, newest first, at most source.max_items; SourceError if it fails."""
    if source.kind == "folder":
        articles = _collect_folder(source, max_bytes=max_bytes)
    elif source.kind == "feed":
        articles = _collect_feed(
            source, client=client, validators=validators, max_bytes=max_bytes, retry=retry
        )
    else:
        articles = _collect_page(
            source, client=client, validators=validators, max_bytes=max_bytes, retry=retry
        )
    # A date in the future would keep an item "recent" for ever; treat it as now.
    articles = [
        dataclasses.replace(a, published=now) if a.published and a.published > now else a
        for a in articles
    ]
    # Stable sort: undated items keep their feed order, after the dated ones.
    articles.sort(key=lambda a: a.published or _OLDEST, reverse=True)
    unique = {a.guid: a for a in reversed(articles)}  # a repeated guid: keep the newest copy
    if len(unique) < len(articles):
        log.info("source %r: dropped %d repeated entries", source.name, len(articles) - len(unique))
        articles = [a for a in articles if unique[a.guid] is a]
    result = tuple(articles[: source.max_items])
    log.info("collected %d articles from %s", len(result), source.name)
    return result


# --- folder ----------------------------------------------------------------------------


def _collect_folder(source: SourceSettings, *, max_bytes: int) -> list[RawArticle]:
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
        if article is not None:
            articles.append(article)
    return articles


def _read_note(
    source: str, folder: Path, path: Path, body_format: BodyFormat, *, max_bytes: int
) -> RawArticle | None:
    """One file as a RawArticle, or None (logged) when it cannot be read as text."""
    try:
        stat = path.stat()
        if stat.st_size > max_bytes:
            log.warning("source %r: skipped %s: larger than %d bytes", source, path, max_bytes)
            return None
        data = path.read_bytes()
    except OSError as exc:
        log.warning("source %r: skipped %s: cannot read it (%s)", source, path, exc.strerror)
        return None
    text = _decode_note(data, body_format)
    if text is None:
        log.warning("source %r: skipped %s: it is not UTF-8 text", source, path)
        return None
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
    elif body_format == "html" and (declared := _meta_charset(data)):
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
        return _html_title(text)
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


_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_H1_RE = re.compile(r"<h1[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_CHARSET_RE = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def _html_title(markup: str) -> str:
    for pattern in (_TITLE_RE, _H1_RE):
        match = pattern.search(markup)
        if match:
            title = clip(html.unescape(TAG_RE.sub(" ", match.group(1))))
            if title:
                return title
    return ""


def _meta_charset(data: bytes) -> str | None:
    match = _CHARSET_RE.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


# --- feed ------------------------------------------------------------------------------


def _collect_feed(
    source: SourceSettings,
    *,
    client: httpx.Client,
    validators: ValidatorStore | None,
    max_bytes: int,
    retry: RetryPolicy,
) -> list[RawArticle]:
    location = source.url or (str(source.path) if source.path else "")
    if not location:
        raise SourceError(
            f"source {source.name!r}: a feed source needs a url (or a path to a feed file)",
            hint='set url = "https://…/feed.xml" for this source',
        )
    where = f"source {source.name!r} ({location})"
    if urlsplit(location).scheme.lower() not in ("http", "https"):
        path = _local_path(location, where)
        data = _read_feed_file(path, where, max_bytes=max_bytes)
        return _feed_articles(
            source.name, parse_feed(data, where, content_type="", charset=None, base=""), where
        )
    etag, last_modified = validators.get_validators(location) if validators else (None, None)
    fetched = fetch(
        location,
        source=source.name,
        client=client,
        etag=etag,
        last_modified=last_modified,
        max_bytes=max_bytes,
        retry=retry,
    )
    if fetched is None:
        return []
    feed = parse_feed(
        fetched.content,
        where,
        content_type=fetched.content_type,
        charset=fetched.charset,
        base=fetched.url,
    )
    articles = _feed_articles(source.name, feed, where)
    # Stored only after a successful parse, so a broken feed is fetched again next time.
    if validators is not None:
        validators.put_validators(location, fetched.etag, fetched.last_modified)
    return articles


def _local_path(location: str, where: str) -> Path:
    parts = urlsplit(location)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return Path(url2pathname(parts.path))
    if scheme and len(scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise SourceError(
            f"{where}: unsupported URL scheme {scheme!r}",
            hint="use an http:// or https:// URL, or the path of a local feed file",
        )
    return Path(location)


def _read_feed_file(path: Path, where: str, *, max_bytes: int) -> bytes:
    try:
        if path.stat().st_size > max_bytes:
            raise SourceError(
                f"{where}: the file is larger than the {max_bytes:,}-byte limit",
                hint="check that the path points at a feed file",
            )
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(
            f"{where}: cannot read feed file {path}: {exc.strerror}",
            hint="check the path in the config (relative paths are relative to the config file)",
        ) from exc


def _feed_articles(source: str, feed: Feed, where: str) -> list[RawArticle]:
    if not feed.entries:
        if feed.looks_like_html and not feed.version:
            raise SourceError(
                f"{where}: got a web page (HTML), not a feed",
                hint="put the address of the site's RSS, Atom or JSON feed in the config, "
                'or use type = "page" for a single page',
            )
        if feed.problem and feed.is_problem_fatal:
            raise SourceError(
                f"{where}: cannot parse the feed: {feed.problem}",
                hint="the feed is not well-formed XML; check it with a feed validator "
                "(https://validator.w3.org/feed/) or tell the site owner",
            )
        if not feed.version:
            raise SourceError(
                f"{where}: no RSS, Atom or JSON feed found ({feed.content_type or 'unknown type'})",
                hint="check that the URL points at the feed itself",
            )
        return []  # a well-formed feed with nothing in it
    if feed.problem:
        log.warning(
            "%s: the feed is not well-formed (%s); kept the %d entries the parser could read",
            where,
            feed.problem,
            len(feed.entries),
        )
    return [_entry_article(source, entry, where) for entry in feed.entries]


def _entry_article(source: str, entry: Entry, where: str) -> RawArticle:
    url = _first_http(entry.links)
    if not url and entry.links:
        # javascript:, data: or file: links are never shown to readers; the item stays.
        log.warning("%s: dropped the non-http link %.60r of %r", where, entry.links[0], entry.title)
    guid = entry.id or url
    if not guid:
        basis = entry.title or entry.body
        guid = "sha256:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()
    return RawArticle(
        source=source,
        url=url,
        guid=guid,
        title=entry.title,
        published=entry.published,
        body=entry.body,
        body_format=entry.body_format,
    )


def _first_http(links: Iterable[str]) -> str:
    return next((link.strip() for link in links if is_http_url(link.strip())), "")


# --- page ------------------------------------------------------------------------------

_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


def _collect_page(
    source: SourceSettings,
    *,
    client: httpx.Client,
    validators: ValidatorStore | None,
    max_bytes: int,
    retry: RetryPolicy,
) -> list[RawArticle]:
    url = source.url
    if not url:
        raise SourceError(
            f"source {source.name!r}: a page source needs a url",
            hint='set url = "https://…" for this source',
        )
    etag, last_modified = validators.get_validators(url) if validators else (None, None)
    fetched = fetch(
        url,
        source=source.name,
        client=client,
        kind="page",
        etag=etag,
        last_modified=last_modified,
        max_bytes=max_bytes,
        retry=retry,
    )
    if fetched is None:
        return []
    if fetched.content_type not in _PAGE_TYPES:
        raise SourceError(
            f"source {source.name!r} ({url}): got {fetched.content_type}, not a web page",
            hint='a page source needs an HTML page; use type = "feed" for feeds',
        )
    text = _decode_page(fetched.content, fetched.charset)
    article = RawArticle(
        source=source.name,
        url=fetched.url,
        guid=url,
        title=_html_title(text) or fetched.url,
        published=parse_http_date(fetched.last_modified),
        body=text,
        body_format="text" if fetched.content_type == "text/plain" else "html",
    )
    if validators is not None:
        validators.put_validators(url, fetched.etag, fetched.last_modified)
    return [article]


def _decode_page(data: bytes, charset: str | None) -> str:
    for encoding in (charset, _meta_charset(data), "utf-8"):
        if encoding:
            try:
                return data.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                continue
    return data.decode("utf-8", errors="replace")
