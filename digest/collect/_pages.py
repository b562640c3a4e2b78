"""Web pages for the collect stage: a `page` source, and decoding and titling any HTML page.

Only the collect stage's modules import it: collect.py, folders.py (local HTML files),
fulltext.py (linked pages) and gather.py (ValidatorStore).
"""

from __future__ import annotations

import html
import logging
import re
from typing import Protocol

import httpx

from ..config import SourceSettings
from ..errors import SourceError
from ..models import RawArticle
from ._feeds import TAG_RE, plain_title
from ._fetch import (
    DEFAULT_RETRY,
    MAX_BYTES,
    HostGate,
    RetryPolicy,
    fetch,
    parse_http_date,
    sniff_charset,
)

log = logging.getLogger(__package__)

PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
"""Media types that a page may have (an empty one is sniffed as HTML)."""

_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_H1_RE = re.compile(r"<h1[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_CHARSET_RE = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


class ValidatorStore(Protocol):
    """Memory of ETag / Last-Modified per URL, for conditional GET (state.py keeps it in SQLite)."""

    def get_validators(self, url: str) -> tuple[str | None, str | None]:
        """The (etag, last_modified) stored for url, or (None, None)."""
        ...

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember the validators of the latest successful fetch of url."""
        ...


def html_title(markup: str) -> str:
    """The page's <title>, else its first <h1>, as plain text; "" when it has neither.

    Entities are decoded before the markup check, not after: ``&lt;script&gt;`` in a
    title is decoded to ``<script>``, and that loses its markup as any feed title does
    (plain_title), so a reader never sees a tag, escaped or not, in a title.
    """
    for pattern in (_TITLE_RE, _H1_RE):
        match = pattern.search(markup)
        if match:
            title = plain_title(html.unescape(TAG_RE.sub(" ", match.group(1))))
            if title:
                return title
    return ""


def meta_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> element near its top, if any."""
    match = _CHARSET_RE.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def decode_page(data: bytes, charset: str | None) -> str:
    """A page's text: the HTTP charset, else the <meta> one, else UTF-8, else Windows-1252.

    Valid UTF-8 wins over a Western single-byte label (see fetch.sniff_charset), so a
    server that says Latin-1 but sends UTF-8 does not garble the text.
    """
    declared = meta_charset(data)
    for encoding in (sniff_charset(data, charset or declared), declared, "utf-8", "windows-1252"):
        if encoding:
            try:
                return data.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                continue
    return data.decode("utf-8", errors="replace")


def collect_page(
    source: SourceSettings,
    *,
    client: httpx.Client,
    validators: ValidatorStore | None,
    max_bytes: int = MAX_BYTES,
    retry: RetryPolicy = DEFAULT_RETRY,
    gate: HostGate | None = None,
) -> list[RawArticle]:
    """A `page` source: one RawArticle with the page's HTML; [] when it is unchanged (304)."""
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
        gate=gate,
    )
    if fetched is None:
        return []
    if fetched.content_type not in PAGE_TYPES:
        raise SourceError(
            f"source {source.name!r} ({url}): got {fetched.content_type}, not a web page",
            hint='a page source needs an HTML page; use type = "feed" for feeds',
        )
    text = decode_page(fetched.content, fetched.charset)
    article = RawArticle(
        source=source.name,
        url=fetched.url,
        guid=url,
        title=html_title(text) or fetched.url,
        published=parse_http_date(fetched.last_modified),
        body=text,
        body_format="text" if fetched.content_type == "text/plain" else "html",
    )
    if validators is not None:
        validators.put_validators(url, fetched.etag, fetched.last_modified)
    return [article]
