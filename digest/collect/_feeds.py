"""Feed formats for the collect stage: RSS and Atom (through feedparser) and JSON Feed.

parse_feed turns a document's bytes into a typed Feed; feedparser's untyped values are
read here and nowhere else, so Any never leaves this module. Only the collect stage's
modules import it (collect.py; pages.py and folders.py for the title helpers).
"""

from __future__ import annotations

import calendar
import codecs
import html
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from ..errors import SourceError
from ..models import BodyFormat
from ._salvage import core_document

log = logging.getLogger(__package__)

TAG_RE = re.compile(r"<[^>]*>")
"""An HTML tag, for cheap title clean-up (the extract stage does the real work)."""
TITLE_MAX = 300
UNTITLED_MAX = 70
"""Characters of its text that name an entry without a title (as rss2email does)."""
_ACTIVE = ("script", "style", "iframe", "object", "template")
_ACTIVE_RE = re.compile(
    r"<(script|style|iframe|object|template)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_ACTIVE_START_RE = re.compile(r"<(?:script|style|iframe|object|template)\b", re.IGNORECASE)
# A tag starts with a letter right after "<" ("a < b" is not one), so text survives.
_STRICT_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)(\s[^<>]*)?(/?)>")
# Names that never stay in a title as text, even alone: they are active or embed content.
_UNSAFE = frozenset(
    (*_ACTIVE, "embed", "svg", "math", "form", "input", "button", "link", "meta", "base")
)
_VOID = frozenset(("br", "hr", "img", "wbr"))


def plain_title(text: str) -> str:
    """A title without markup: never any script, handler or tag, even in "plain text" titles.

    RSS titles are plain text by the spec, yet feeds put markup in them and readers show
    them as HTML; an email must not carry "<script>" even as escaped text. A lone
    ``<name>`` that no closing tag answers, with no attributes, is the title's own words
    ("History of the <blink> tag", "List<T>") and stays, unless it names active content;
    a closing tag is never words.
    """
    text = _ACTIVE_RE.sub(" ", text)
    closers = {m[2].lower() for m in _STRICT_TAG_RE.finditer(text) if m[1]}

    def markup(match: re.Match[str]) -> str:
        name = match[2].lower()
        is_bare = not (match[1] or match[3] or match[4])  # no "/", no attributes
        is_words = is_bare and name not in _UNSAFE | _VOID and name not in closers
        return match[0] if is_words else " "

    text = _STRICT_TAG_RE.sub(markup, text)
    return clip(_ACTIVE_START_RE.split(text, maxsplit=1)[0])  # an unclosed "<script src=…"


def clip(text: str, limit: int = TITLE_MAX) -> str:
    """Whitespace collapsed, cut at `limit` characters (at a word boundary when it can)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


def title_from_text(body: str, body_format: BodyFormat) -> str:
    """A name for an entry without a title: the start of its text, as feed readers show it."""
    if body_format == "html":
        body = html.unescape(TAG_RE.sub(" ", _ACTIVE_RE.sub(" ", body)))
    return plain_title(clip(body, UNTITLED_MAX))


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed entry, typed: what feedparser or a JSON Feed gave us."""

    id: str
    links: tuple[str, ...]
    """The entry's link first, then its other alternate links."""
    title: str
    body: str
    body_format: BodyFormat
    published: datetime | None


@dataclass(frozen=True, slots=True)
class Feed:
    """A parsed feed document, typed, with what the parser thought of it."""

    version: str
    """Empty when the parser found no feed at all."""
    problem: str | None
    """The parser's complaint (feedparser's bozo_exception), if any."""
    is_problem_fatal: bool
    """False for complaints that do not lose entries (a wrong declared encoding)."""
    content_type: str
    looks_like_html: bool
    entries: tuple[Entry, ...]


_BENIGN_PROBLEMS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
_BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip")
_JSON_TYPES = ("application/feed+json", "application/json")
_WIDE = ("utf-32", "utf-16", "utf-32-be", "utf-32-le", "utf-16-be", "utf-16-le")
_WIDE_BOMS = (codecs.BOM_UTF32_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE)
"""UTF-32 and UTF-16, with a byte order mark first, then without (XML 1.0 Appendix F)."""


def parse_feed(
    data: bytes, where: str, *, content_type: str, charset: str | None, base: str
) -> Feed:
    """Any supported feed format, typed; SourceError for empty, binary or non-JSON-Feed JSON.

    The bytes decide between XML and JSON, not the Content-Type (servers send XML as
    application/json, and JSON as text/plain). Relative links are resolved against
    `base` (the feed's own URL), else against the feed's home page link: a local copy
    of a site's feed links to the site.
    """
    if not data.strip():
        raise SourceError(f"{where}: the feed is empty", hint="check the URL or file")
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    wide = _wide_encoding(data[:64]) if start != b"{" else None  # "<\x00" starts UTF-16LE
    is_wide_xml = wide is not None
    is_binary = b"\x00" in data[:1024] and start not in (b"<", b"{") and not is_wide_xml
    if content_type.startswith(_BINARY_TYPES) or is_binary:
        raise SourceError(
            f"{where}: got binary content ({content_type or 'unknown type'}), not a feed",
            hint="check that the URL points at the RSS, Atom or JSON feed",
        )
    if start == b"{" or (start != b"<" and not is_wide_xml and content_type in _JSON_TYPES):
        return _parse_json_feed(data, where, base=base)
    # Bytes in UTF-16 or UTF-32 say so themselves (RFC 7303: the BOM wins); the old rule
    # that text/xml without a charset is US-ASCII would make them unreadable. They are
    # handed on as UTF-8: feedparser reads no UTF-16 or UTF-32 that lacks a declaration.
    if wide is not None:
        data, charset = _as_utf8(data, wide), None
    return _parse_xml_feed(
        data,
        where,
        content_type=content_type,
        charset=charset,
        base=base,
        is_sniffed=(is_wide_xml and not charset) or data.startswith(_WIDE_BOMS),
    )


def _wide_encoding(head: bytes) -> str | None:
    """The encoding of XML written in UTF-32 or UTF-16, with or without a BOM; else None."""
    for encoding in _WIDE:
        try:
            text = head[: len(head) // 4 * 4].decode(encoding)
        except UnicodeDecodeError:
            continue
        if text.lstrip("\ufeff \t\r\n").startswith("<") and "\x00" not in text:
            return encoding
    return None


_DECLARED = re.compile(r"""^(\s*<\?xml\b[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")


def _as_utf8(data: bytes, encoding: str) -> bytes:
    """Wide XML as UTF-8 bytes, without its BOM, its declaration (if any) saying utf-8."""
    text = data.decode(encoding, errors="replace").lstrip("\ufeff")
    return _DECLARED.sub(r'\1"utf-8"', text, count=1).encode("utf-8")


def _parse_xml_feed(
    data: bytes,
    where: str,
    *,
    content_type: str,
    charset: str | None,
    base: str,
    is_sniffed: bool = False,
) -> Feed:
    """RSS or Atom through feedparser; the only place feedparser's untyped values are read.

    `is_sniffed`: the encoding is read from the bytes alone (a BOM, UTF-16/32 XML).
    """
    # No content-location header: feedparser would resolve guids against it, and a guid
    # must not change when the feed moves or redirects; links are joined with base below.
    headers = {}
    if content_type and not is_sniffed:  # feedparser follows RFC 3023 for text/xml
        headers["content-type"] = content_type + (f"; charset={charset}" if charset else "")
    parsed = _feedparser(data, where, headers)
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    lowered = data[:1024].lower()
    base = base or _home(_str((parsed.get("feed") or {}).get("link")))
    entries = (_feedparser_entry(entry, base) for entry in parsed.get("entries", []))
    return Feed(
        version=_str(parsed.get("version")),
        problem=str(problem) if problem is not None else None,
        is_problem_fatal=problem is not None and not isinstance(problem, _BENIGN_PROBLEMS),
        content_type=content_type,
        looks_like_html=content_type == "text/html"
        or b"<!doctype html" in lowered
        or b"<html" in lowered,
        entries=tuple(entries),
    )


_FEEDPARSER_BUGS = (ValueError, TypeError, KeyError, IndexError, AttributeError)
"""What feedparser raises on markup it mishandles (its own bugs), rather than a bozo flag."""


def _feedparser(data: bytes, where: str, headers: dict[str, str]) -> Any:
    """feedparser's result; when feedparser itself fails, its result on the core elements."""
    try:
        # Bytes, never a str: given a str, feedparser would open URLs and files itself.
        return feedparser.parse(bytes(data), response_headers=headers)
    except _FEEDPARSER_BUGS as exc:
        core = core_document(data)
        log.warning("%s: feedparser failed (%r); reading its entries' core elements", where, exc)
        if core is None:
            raise SourceError(
                f"{where}: the feed parser failed ({exc!r}) and the feed is not XML",
                hint="check the feed with a feed validator, or tell the site owner",
            ) from exc
        try:
            return feedparser.parse(core)
        except _FEEDPARSER_BUGS as again:
            raise SourceError(
                f"{where}: the feed parser failed: {again!r}",
                hint="check the feed with a feed validator, or tell the site owner",
            ) from again


def _home(link: str) -> str:
    """The feed's home page as a base for relative links, when it is an absolute http(s) URL."""
    return link.strip() if re.match(r"https?://[^/\s]", link.strip(), re.IGNORECASE) else ""


def _feedparser_entry(entry: Any, base: str) -> Entry:
    body, body_format = "", _format_of("text/html")
    contents = [c for c in entry.get("content", []) if _str(c.get("value")).strip()]
    if contents:
        best = next((c for c in contents if "html" in _str(c.get("type"))), contents[0])
        body, body_format = _str(best.get("value")), _format_of(_str(best.get("type")))
    elif _str(entry.get("summary")).strip():
        detail = entry.get("summary_detail") or {}
        body, body_format = _str(entry.get("summary")), _format_of(_str(detail.get("type")))
    # A podcast episode often has no <link>, only its audio: the enclosure is then its
    # link, after every alternate link, so that the reader can reach the episode at all.
    others = entry.get("links", [])
    links = [
        _str(entry.get("link")),
        *(_str(link.get("href")) for link in others if link.get("rel", "alternate") == "alternate"),
        *(_str(link.get("href")) for link in others if link.get("rel") == "enclosure"),
    ]
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = None
    if stamp is not None:
        try:
            published = datetime.fromtimestamp(calendar.timegm(stamp), UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            published = None
    return Entry(
        id=_str(entry.get("id")).strip(),
        links=tuple(
            urljoin(base, link) if base else link for link in map(str.strip, links) if link
        ),
        title=_entry_title(entry) or title_from_text(body, body_format),
        body=body,
        body_format=body_format,
        published=published,
    )


def _entry_title(entry: Any) -> str:
    title = _str(entry.get("title"))
    if "html" in _str((entry.get("title_detail") or {}).get("type")):
        title = html.unescape(TAG_RE.sub(" ", title))  # Atom type="html" titles carry markup
    return plain_title(title)


def _format_of(media_type: str) -> BodyFormat:
    return "text" if media_type == "text/plain" else "html"


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _parse_json_feed(data: bytes, where: str, *, base: str) -> Feed:
    """JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1), typed."""
    try:
        document: object = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(
            f"{where}: cannot parse the JSON feed: {exc}",
            hint="check the feed with a JSON Feed validator, or tell the site owner",
        ) from exc
    # The version is optional here, as for feedparser: feeds leave it out, and an object
    # with an "items" list and no other version is read as a JSON Feed.
    version = document.get("version") if isinstance(document, dict) else None
    if not (
        isinstance(document, dict)
        and (version is None or _str(version).startswith("https://jsonfeed.org/version/"))
        and isinstance(document.get("items"), list)
    ):
        raise SourceError(
            f"{where}: this is JSON but not a JSON Feed (no jsonfeed.org version or no items)",
            hint="check that the URL points at the feed itself",
        )
    base = base or _home(_str(document.get("home_page_url")))
    entries = []
    for item in document["items"]:
        if not isinstance(item, dict):
            item = {}  # an entry all the same: the run reports it as empty, not as nothing
        html_body, text_body = _str(item.get("content_html")), _str(item.get("content_text"))
        body_format: BodyFormat = "html" if html_body else "text"
        body = html_body or text_body or _str(item.get("summary"))
        raw_id = item.get("id")
        attachments = item.get("attachments")
        files = attachments if isinstance(attachments, list) else []
        links = (
            _str(item.get("url")),
            _str(item.get("external_url")),
            *(_str(a.get("url")) for a in files if isinstance(a, dict)),  # a podcast's audio
        )
        entries.append(
            Entry(
                id=str(raw_id).strip() if isinstance(raw_id, str | int) else "",
                links=tuple(
                    urljoin(base, link) if base else link for link in map(str.strip, links) if link
                ),
                title=plain_title(_str(item.get("title"))) or title_from_text(body, body_format),
                body=body,
                body_format=body_format,
                published=_iso_date(item.get("date_published") or item.get("date_modified")),
            )
        )
    return Feed("json", None, False, "application/feed+json", False, tuple(entries))


def _iso_date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
