"""Collect: turn one configured source into RawArticles, newest first.

    folder  the .txt, .md, .markdown, .html and .htm files directly inside source.path
            (folders.py)
    feed    RSS 0.9x/1.0/2.0 and Atom (feedparser) or JSON Feed (feeds.py), from an
            http(s) URL (conditional GET) or a local file (source.url as a path or file:
            URI, or source.path); an entry that is only a teaser gets its linked page as
            body (fulltext.py)
    page    one web page: a single RawArticle with the page's HTML (pages.py)

A source that cannot be read raises SourceError for that source only; one bad file in
a folder is reported (Unreadable) and skipped, one failed full-text page keeps the
feed's teaser. Every entry a feed has comes out, the empty and the repeated ones too.
HTTP goes through fetch.py; gather.py collects many sources at once, politely.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx

from ..config import SourceSettings
from ..errors import SourceError
from ..models import RawArticle
from ._feeds import Entry, Feed, parse_feed
from ._fetch import (
    DEFAULT_RETRY,
    MAX_BYTES,
    HostGate,
    RetryPolicy,
    fetch,
    http_client,
    is_http_url,
    sniff_charset,
)
from ._folders import Unreadable, collect_folder
from ._fulltext import TEASER_WORDS, with_full_text
from ._pages import ValidatorStore, collect_page
from ._robots import RobotsCache

__all__ = [
    "MAX_BYTES",
    "HostGate",
    "RetryPolicy",
    "Unreadable",
    "ValidatorStore",
    "Wanted",
    "collect",
    "http_client",
]

log = logging.getLogger(__package__)

_OLDEST = datetime.min.replace(tzinfo=UTC)

Wanted = Callable[[Sequence[RawArticle]], Sequence[bool]]
"""Given a source's articles (newest first), says which of them the caller will use, so
only those get their full text."""


def collect(
    source: SourceSettings,
    *,
    now: datetime,
    client: httpx.Client,
    validators: ValidatorStore | None = None,
    max_bytes: int = MAX_BYTES,
    retry: RetryPolicy = DEFAULT_RETRY,
    gate: HostGate | None = None,
    pages: Executor | None = None,
    is_wanted: Wanted | None = None,
    teaser_words: int = TEASER_WORDS,
    on_unreadable: Callable[[Unreadable], None] | None = None,
    robots: RobotsCache | None = None,
) -> tuple[RawArticle, ...]:
    """Every article of the source, newest first; SourceError if the source fails.

    Nothing is left out here: an entry repeated in a feed comes as often as the feed has
    it (the newest copy first), and what the caller keeps (source.max_items, what it has
    sent) is the caller's decision, so that it can say what it left out and why. A file
    that cannot be read goes to on_unreadable. Feed entries that are teasers (see
    fulltext.py) and that is_wanted accepts (all, when it is None) get their linked page
    as body, fetched on the `pages` executor if given.
    """
    if source.kind == "folder":
        articles = collect_folder(source, max_bytes=max_bytes, on_unreadable=on_unreadable)
    elif source.kind == "feed":
        articles = _collect_feed(
            source,
            client=client,
            validators=validators,
            max_bytes=max_bytes,
            retry=retry,
            gate=gate,
        )
    else:
        articles = collect_page(
            source,
            client=client,
            validators=validators,
            max_bytes=max_bytes,
            retry=retry,
            gate=gate,
        )
    # A date in the future would keep an item "recent" for ever; treat it as now.
    articles = [
        dataclasses.replace(a, published=now) if a.published and a.published > now else a
        for a in articles
    ]
    # Stable sort: undated items keep their feed order, after the dated ones.
    articles.sort(key=lambda a: a.published or _OLDEST, reverse=True)
    result = articles
    if source.kind == "feed" and source.full_text != "never":
        wanted = is_wanted(result) if is_wanted is not None else [True] * len(result)
        robots = robots or RobotsCache(client=client, retry=retry, gate=gate)

        def full(pair: tuple[RawArticle, bool]) -> RawArticle:
            article, is_used = pair
            if not is_used:
                return article
            return with_full_text(
                article,
                client=client,
                mode=source.full_text,
                min_words=teaser_words,
                max_bytes=max_bytes,
                retry=retry,
                gate=gate,
                robots=robots,
            )

        pairs = list(zip(result, wanted, strict=True))
        result = list(pages.map(full, pairs) if pages else map(full, pairs))
    log.info("collected %d articles from %s", len(result), source.name)
    return tuple(result)


# --- feed ------------------------------------------------------------------------------


def _collect_feed(
    source: SourceSettings,
    *,
    client: httpx.Client,
    validators: ValidatorStore | None,
    max_bytes: int,
    retry: RetryPolicy,
    gate: HostGate | None,
) -> list[RawArticle]:
    address = source.location()
    if not address:
        raise SourceError(
            f"source {source.name!r}: a feed source needs a url (or a path to a feed file)",
            hint='set url = "https://…/feed.xml" for this source',
        )
    where = f"source {source.name!r} ({address})"
    if urlsplit(address).scheme.lower() not in ("http", "https"):
        path = _local_path(address, where)
        data = _read_feed_file(path, where, max_bytes=max_bytes)
        return _feed_articles(
            source.name, parse_feed(data, where, content_type="", charset=None, base=""), where
        )
    etag, last_modified = validators.get_validators(address) if validators else (None, None)
    fetched = fetch(
        address,
        source=source.name,
        client=client,
        etag=etag,
        last_modified=last_modified,
        max_bytes=max_bytes,
        retry=retry,
        gate=gate,
    )
    if fetched is None:
        return []
    feed = parse_feed(
        fetched.content,
        where,
        content_type=fetched.content_type,
        # text/xml without a charset means US-ASCII (RFC 7303); UTF-8 bytes prove otherwise.
        charset=sniff_charset(fetched.content, fetched.charset),
        base=fetched.url,
    )
    articles = _feed_articles(source.name, feed, where)
    # Stored only after a successful parse, so a broken feed is fetched again next time.
    if validators is not None:
        validators.put_validators(address, fetched.etag, fetched.last_modified)
    return articles


def _local_path(address: str, where: str) -> Path:
    parts = urlsplit(address)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return Path(url2pathname(parts.path))
    if scheme and len(scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise SourceError(
            f"{where}: unsupported URL scheme {scheme!r}",
            hint="use an http:// or https:// URL, or the path of a local feed file",
        )
    return Path(address)


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
    # An entry with nothing in it is still reported (as empty), unless the document broke
    # off: then the parser's empty entries are fragments, and the source has failed.
    has_content = any(e.title or e.body or e.links or e.id for e in feed.entries)
    if not feed.entries or (feed.problem and feed.is_problem_fatal and not has_content):
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
    return _distinct_guids([_entry_article(source, entry, where) for entry in feed.entries])


def _distinct_guids(articles: list[RawArticle]) -> list[RawArticle]:
    """The articles, each guid naming one article: a guid that entries with different links
    share (a feed generator that gives every item the same guid) names none of them.

    Entries of one document with one guid are the same article, given twice, only when
    they also share their link (or, without links, their title); otherwise each is known
    by its guid and its link (or its title and text), not lost as a repeat of the first
    and, in later runs, as "already sent".
    """
    groups: dict[str, set[tuple[str, str]]] = {}
    for article in articles:
        groups.setdefault(article.guid, set()).add(_sameness(article))
    return [
        dataclasses.replace(article, guid=f"{article.guid} {_tag(article)}")
        if len(groups[article.guid]) > 1
        else article
        for article in articles
    ]


def _sameness(article: RawArticle) -> tuple[str, str]:
    return (article.url, "" if article.url else article.title)


def _tag(article: RawArticle) -> str:
    if article.url:
        return article.url
    return "sha256:" + hashlib.sha256(f"{article.title}\n{article.body}".encode()).hexdigest()


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
    """The first http(s) link, normalized: quotes, "<" and ">" percent-encoded, host lower-case."""
    link = next((link.strip() for link in links if is_http_url(link.strip())), "")
    return str(httpx.URL(link)) if link else ""
