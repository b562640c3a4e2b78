"""Render an edition once (Jinja2 + premailer), then personalize it cheaply per recipient.

render() does the heavy work once per edition: both templates, CSS inlining and the
encoded MIME skeleton. personalize() only encodes the recipient's few values and
joins bytes, so it costs microseconds, not milliseconds, per message.

Templates (digest/templates, or a list's template_dir searched first) see: title,
description, subject, date, count, count_text, preheader, empty_text, lang, rule (text
only), links (number, url), items (number, anchor, title, url, source, published,
published_iso, reading_time, key_points, teaser (the first lines of an item without key
points), language, footnote, also_covered_by: the other sources' articles on the story,
each with source, title, url and footnote), toc (the
items when there are at least TOC_MIN_ITEMS, else empty), view_url (the edition's archive
page), archive_url (the list's archive index), manage_url, feed_url, recipient (greeting,
name, email) and unsubscribe_url. The recipient values and unsubscribe_url are
placeholders that personalize() fills in; use them as they are, without filters.

A theme's template may extend the built-in one of the same name ({% extends
"digest.html.j2" %} inside the theme's digest.html.j2) or name it as "builtin/<name>",
and override its blocks. Every variable must exist: an undefined one is a RenderError,
which `digest check` reports, never a silent blank.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import textwrap
from datetime import datetime
from email.utils import format_datetime, make_msgid
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import cssutils  # type: ignore[import-untyped]
import jinja2
import premailer

from ..config import ListSettings, Settings
from ..errors import RenderError
from ..models import Edition, EditionLinks, Message, Recipient, RenderedEdition
from . import _greeting as greeting
from . import _mime as mime
from ._items import clean as _clean
from ._items import items as edition_items
from ._subject import render_subject

log = logging.getLogger(__package__)
_css_log = logging.getLogger(f"{__package__}.css")

WIDTH = 72
"""Column at which the plain-text part is wrapped."""
TOC_MIN_ITEMS = 5
"""Editions with at least this many items start with a table of contents."""
_BUILTIN = "builtin"

_ADDRESS_RE = re.compile(r"[^\s<>,\x00-\x1f\x7f]+@[^\s<>,@\x00-\x1f\x7f]+")


def render(
    edition: Edition,
    settings: Settings,
    list_settings: ListSettings,
    links: EditionLinks,
    *,
    template_dir: Path | None = None,
) -> RenderedEdition:
    """Render one edition's subject, HTML (CSS inlined) and text once, with recipient slots."""
    zone = _zone(edition.timezone)
    created = edition.created.astimezone(zone)
    date = f"{created:%A} {created.day} {created:%B %Y}"
    items = edition_items(edition, zone)
    headline = items[0].title if items else "No new articles"
    subject = render_subject(
        list_settings.subject,
        title=_clean(edition.title),
        date=date,
        headline=headline,
        count=len(items),
    )
    count = len(items)
    context: dict[str, Any] = {
        "lang": "en",
        "subject": subject,
        "title": _clean(edition.title),
        "description": _clean(list_settings.description),
        "date": date,
        "count": count,
        "count_text": f"{count} article" + ("" if count == 1 else "s"),
        "preheader": textwrap.shorten(
            " · ".join(item.title for item in items) or headline, 150, placeholder=" …"
        ),
        "items": items,
        "toc": items if count >= TOC_MIN_ITEMS else (),
        "view_url": _clean(links.view_url, is_url=True),
        "archive_url": _clean(links.archive_url, is_url=True),
        "manage_url": _clean(links.manage_url, is_url=True),
        "feed_url": _clean(links.feed_url, is_url=True),
        "links": [
            {"number": number, "url": url}
            for i in items
            for number, url in (
                (i.footnote, i.url),
                *((a.footnote, a.url) for a in i.also_covered_by),
            )
            if number
        ],
        "empty_text": "No new articles this time. The next edition will catch up.",
        "recipient": {slot: mime.token(slot) for slot in ("greeting", "name", "email")},
        "unsubscribe_url": mime.token("unsubscribe_url"),
        "rule": "-" * WIDTH,
    }
    env = _environment(template_dir or list_settings.template_dir)
    page = _render_template(env, "digest.html.j2", context)
    text = _normalize_text(_render_template(env, "digest.txt.j2", context))
    for name, body in (("digest.html.j2", page), ("digest.txt.j2", text)):
        if mime.token("unsubscribe_url") not in body:
            raise RenderError(
                f"template {name} does not show unsubscribe_url",
                hint="every email must carry its one-click unsubscribe link; "
                "keep {{ unsubscribe_url }} in the footer",
            )
    inlined = _inline_css(page)
    sender, list_id, mailto, head = mime.fixed_headers(edition, settings, subject)
    pieces, slots = mime.skeleton(text, inlined)
    log.debug("rendered edition %s: %d items, %d bytes html", edition.list_name, count, len(page))
    return RenderedEdition(
        list_name=edition.list_name,
        subject=subject,
        html=inlined,
        text=text,
        sender=sender,
        reply_to=settings.reply_to,
        list_id=list_id,
        unsubscribe_mailto=mailto,
        mime_head=head,
        mime_body=pieces,
        mime_slots=slots,
    )


def personalize(
    rendered: RenderedEdition,
    recipient: Recipient,
    *,
    unsubscribe_url: str,
    now: datetime,
    message_id: str | None = None,
) -> Message:
    """Fill one recipient's name, address and unsubscribe link into the rendered edition."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not re.fullmatch(r"https?://[!-;=?-~]+", unsubscribe_url):
        raise RenderError(f"unsubscribe URL {unsubscribe_url!r} is not an absolute http(s) URL")
    name = " ".join(recipient.name.split())
    values = {
        "greeting": greeting.greeting(name),
        "name": name,
        "email": recipient.email,
        "unsubscribe_url": unsubscribe_url,
    }
    if not _ADDRESS_RE.fullmatch(recipient.email):
        raise RenderError(f"recipient address {recipient.email!r} is not usable in a header")
    if message_id is None:
        message_id = make_msgid(domain=rendered.sender.rpartition("@")[2])
    elif not re.fullmatch(r"<?[!-;=?-~]+>?", message_id):
        raise RenderError(f"Message-ID {message_id!r} is not printable ASCII without spaces")
    elif not message_id.startswith("<"):
        message_id = f"<{message_id}>"
    out = [
        rendered.mime_head,
        b"To: ",
        mime.address_header("To", name, recipient.email),
        b"\r\nDate: ",
        format_datetime(now).encode("ascii"),
        b"\r\nMessage-ID: ",
        message_id.encode("ascii"),
        b"\r\nList-Unsubscribe: <",
        unsubscribe_url.encode("ascii"),
        b">,\r\n <",
        rendered.unsubscribe_mailto.encode("ascii"),
        b">\r\n",
        rendered.mime_body[0],
    ]
    encoded: dict[str, bytes] = {}
    for slot, piece in zip(rendered.mime_slots, rendered.mime_body[1:], strict=True):
        value = encoded.get(slot)
        if value is None:
            fmt, _, key = slot.partition(":")
            raw = html.escape(values[key]) if fmt == "html" else values[key]
            value = encoded[slot] = mime.qp(raw) + mime.SOFT_BREAK if raw else b""
        out.append(value)
        out.append(piece)
    return Message(
        sender=rendered.sender,
        to=recipient.email,
        subject=rendered.subject,
        message_id=message_id,
        data=b"".join(out),
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RenderError(
            f"edition timezone {name!r} is not a known IANA zone",
            hint='use a name such as "Europe/Berlin" or "UTC"',
        ) from exc


class _ThemeEnvironment(jinja2.Environment):
    """Lets a theme's template extend the built-in template of the same name."""

    def join_path(self, template: str, parent: str) -> str:
        # {% extends "digest.html.j2" %} inside a theme's digest.html.j2 would load itself.
        return f"{_BUILTIN}/{template}" if template == parent else template


@functools.lru_cache(maxsize=8)
def _environment(template_dir: Path | None) -> jinja2.Environment:
    builtin = jinja2.PackageLoader("digest", "templates")
    loaders: list[jinja2.BaseLoader] = [builtin, jinja2.PrefixLoader({_BUILTIN: builtin})]
    if template_dir is not None:
        loaders.insert(0, jinja2.FileSystemLoader(template_dir))
    env = _ThemeEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "html")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["wrap"] = _wrap
    return env


def _wrap(text: str, width: int = WIDTH, initial: str = "", subsequent: str = "") -> str:
    return textwrap.fill(
        " ".join(str(text).split()),
        width=width,
        initial_indent=initial,
        subsequent_indent=subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _render_template(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = f"{exc.name or name} line {exc.lineno}"
        raise RenderError(f"template {where}: {exc.message}") from exc
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template {exc.name} not found") from exc
    except jinja2.TemplateError as exc:  # UndefinedError included: StrictUndefined raises it
        where = _template_location(exc.__traceback__) or name
        raise RenderError(
            f"template {where}: {exc}",
            hint="templates see the variables listed in the digest.render module docstring",
        ) from exc


def _template_location(tb: TracebackType | None) -> str:
    """The innermost template file and line in a Jinja traceback."""
    where = ""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            where = f"{Path(filename).name} line {tb.tb_lineno}"
        tb = tb.tb_next
    return where


def _normalize_text(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


class _CssutilsToDebug:
    """Stands in for cssutils' stderr logger, so its parser chatter goes to DEBUG only."""

    def _log(self, msg: object, *args: object, **kwargs: object) -> None:
        _css_log.debug("%s", msg)

    debug = info = warning = warn = error = critical = fatal = _log


@functools.cache
def _quiet_cssutils() -> None:
    cssutils.log.setLog(_CssutilsToDebug())
    cssutils.log.raiseExceptions = False


def _inline_css(page: str) -> str:
    """Inline the <style> rules into style attributes; keep @media rules in a <style> block."""
    _quiet_cssutils()
    try:
        inliner = premailer.Premailer(
            strip_important=False,
            keep_style_tags=False,
            remove_classes=False,
            disable_validation=True,
            allow_network=False,
            allow_loading_external_files=False,
            cache_css_parsing=True,
        )
        result = inliner.transform(page, pretty_print=False)
    except Exception as exc:
        raise RenderError(f"inlining CSS failed: {exc}") from exc
    if not isinstance(result, str):
        raise RenderError(f"inlining CSS returned {type(result).__name__}, not str")
    return result


PUBLIC = {"greeting": greeting.NEUTRAL, "name": "", "email": "your address"}
"""What the public page of an edition shows where the email shows the reader's own values."""


def public_html(rendered: RenderedEdition, *, manage_url: str) -> str:
    """The edition's HTML for the web archive: every recipient slot filled with a neutral value."""
    values = {**PUBLIC, "unsubscribe_url": manage_url}

    def fill(match: re.Match[str]) -> str:
        return html.escape(values.get(match.group(1), ""))

    return mime.TOKEN_RE.sub(fill, rendered.html)
