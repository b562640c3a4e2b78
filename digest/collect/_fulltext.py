"""Full text for the collect stage: fetch the linked page of a feed entry that is a teaser.

An entry is a teaser when its text (markup stripped) has fewer than `min_words` words,
or ends the way cut-off summaries end: "…", "...", "[…]", "Read more", "Continue
reading …". Its RawArticle then carries the linked page instead, and the extract stage
finds the article's main text in it. A page that cannot be fetched, is not a web page,
or says no more than the teaser leaves the teaser in place with a warning: a failed
full-text fetch never fails its source. Only collect.py imports this module.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import re

import httpx

from ..config import FullText
from ..errors import SourceError
from ..models import BodyFormat, RawArticle
from ._feeds import TAG_RE
from ._fetch import DEFAULT_RETRY, MAX_BYTES, HostGate, RetryPolicy, fetch, is_http_url
from ._pages import PAGE_TYPES, decode_page
from ._robots import RobotsCache

log = logging.getLogger(__package__)

TEASER_WORDS = 150
"""Entries with fewer words than this are taken for teasers (full_text = "auto")."""

_INVISIBLE_RE = re.compile(
    r"<(script|style|template|noscript|svg)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
# What cut-off summaries end with, before any trailing arrows, brackets or punctuation.
_CUT_OFF_RE = re.compile(
    r"(?:…|\.\.\.|\[\s*(?:…|\.\.\.)\s*\]|\bread\s+more|\bcontinue\s+reading\b[^.!?]{0,80})"
    r"[\s\W]*\Z",
    re.IGNORECASE,
)


def plain_text(body: str, body_format: BodyFormat) -> str:
    """A body's words without markup, whitespace squashed (a cheap stand-in for extract)."""
    if body_format == "html":
        body = html.unescape(TAG_RE.sub(" ", _INVISIBLE_RE.sub(" ", body)))
    return " ".join(body.split())


def is_teaser(body: str, body_format: BodyFormat, *, min_words: int = TEASER_WORDS) -> bool:
    """True when a feed entry's body looks like a summary of a longer page."""
    return _is_teaser_text(plain_text(body, body_format), min_words)


def _is_teaser_text(text: str, min_words: int) -> bool:
    return len(text.split()) < min_words or bool(_CUT_OFF_RE.search(text[-160:]))


def with_full_text(
    article: RawArticle,
    *,
    client: httpx.Client,
    mode: FullText,
    min_words: int = TEASER_WORDS,
    max_bytes: int = MAX_BYTES,
    retry: RetryPolicy = DEFAULT_RETRY,
    gate: HostGate | None = None,
    robots: RobotsCache | None = None,
) -> RawArticle:
    """The article with its linked page as body when it is a teaser (or mode is "always").

    The page is fetched only when its site's robots.txt allows it (`robots`, else read
    for this article alone).
    """
    if mode == "never" or not is_http_url(article.url):
        return article
    teaser = plain_text(article.body, article.body_format)
    if mode == "auto" and not _is_teaser_text(teaser, min_words):
        return article
    robots = robots or RobotsCache(client=client, retry=retry, gate=gate)
    if not robots.allows(article.url):
        log.warning(
            "source %r (%s): the site's robots.txt does not allow fetching the page; "
            "kept the feed's teaser of %r",
            article.source,
            article.url,
            article.title,
        )
        return article
    try:
        fetched = fetch(
            article.url,
            source=article.source,
            client=client,
            kind="page",
            max_bytes=max_bytes,
            retry=retry,
            gate=gate,
        )
    except SourceError as exc:
        log.warning("%s; kept the feed's teaser of %r", exc, article.title)
        return article
    if fetched is None:  # no validators were sent, so a 304 is the server's oddity
        return article
    where = f"source {article.source!r} ({article.url})"
    if fetched.content_type not in PAGE_TYPES:
        problem = f"the linked page is {fetched.content_type}, not a web page"
        log.warning("%s: %s; kept the feed's teaser of %r", where, problem, article.title)
        return article
    page = decode_page(fetched.content, fetched.charset)
    body_format: BodyFormat = "text" if fetched.content_type == "text/plain" else "html"
    if len(plain_text(page, body_format).split()) <= len(teaser.split()):
        problem = "the linked page says no more than the feed"
        log.warning("%s: %s; kept the feed's teaser of %r", where, problem, article.title)
        return article
    log.debug("%s: fetched the full text (%d bytes)", where, len(fetched.content))
    return dataclasses.replace(article, url=fetched.url, body=page, body_format=body_format)
