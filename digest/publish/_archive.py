"""The web archive: every edition as a static page, an index page and an Atom feed per list.

Layout under ``archive_dir`` (served as is at ``archive_url``)::

    <list>/<YYYY-MM-DD-HHMMSS>.html   one edition, as the email shows it, minus the reader
    <list>/index.html                 every edition, newest first, and how to subscribe
    <list>/feed.xml                   Atom feed of the editions
    <list>/editions.json              what index.html and feed.xml are built from

An edition's page is named after when it was made (in the list's zone), so render() can
put the "view in browser" link into the email before the edition is stored. The page is
the rendered HTML with the recipient placeholders filled with neutral words: no reader's
name or address ever reaches the archive. Every file is written atomically (a temporary
file, then a rename), so a web server never serves half a page.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2

from ..config import ListSettings, Settings
from ..errors import ConfigError
from ..files import atomic_write
from ..models import Edition, EditionLinks

log = logging.getLogger(__package__)

MAX_FEED_ENTRIES = 50
"""Newest editions listed in feed.xml (index.html lists all of them)."""
_MANIFEST = "editions.json"


@dataclass(frozen=True, slots=True)
class ArchivedEdition:
    """One edition as the index and the feed list it."""

    page: str
    """File name of the edition's page within the list's folder."""
    subject: str
    created: str
    """When the edition was made, ISO 8601 with offset."""
    count: int
    titles: tuple[str, ...]


def page_name(edition: Edition, settings: Settings, list_settings: ListSettings) -> str:
    """File name of the edition's page: when it was made, in the list's time zone."""
    zone_name = settings.list_timezone(list_settings)
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"[lists.{list_settings.name}] timezone {zone_name!r} is unknown"
        ) from exc
    return f"{edition.created.astimezone(zone):%Y-%m-%d-%H%M%S}.html"


def list_url(settings: Settings, list_settings: ListSettings) -> str:
    """Public address of the list's archive folder, with a trailing slash."""
    return f"{settings.public_archive_url()}/{quote(list_settings.name, safe='')}/"


def index_url(settings: Settings, list_settings: ListSettings) -> str:
    """Public address of the list's index page: past editions and how to (un)subscribe."""
    return list_url(settings, list_settings) + "index.html"


def edition_url(edition: Edition, settings: Settings, list_settings: ListSettings) -> str:
    """Public address of the edition's page: the email's "view in browser" link."""
    return list_url(settings, list_settings) + page_name(edition, settings, list_settings)


def links(edition: Edition, settings: Settings, list_settings: ListSettings) -> EditionLinks:
    """The public addresses of the edition's page, the list's index and its feed."""
    return EditionLinks(
        view_url=edition_url(edition, settings, list_settings),
        archive_url=index_url(settings, list_settings),
        feed_url=list_url(settings, list_settings) + "feed.xml",
    )


def write_archive(
    edition: Edition,
    subject: str,
    page: str,
    settings: Settings,
    list_settings: ListSettings,
) -> Path:
    """Write the edition's page (its HTML as the public sees it), then the list's index.html
    and feed.xml; `subject` is the edition's subject line."""
    folder = settings.archive_dir / list_settings.name
    name = page_name(edition, settings, list_settings)
    titles = tuple(summary.article.title for summary in edition.summaries)
    entry = ArchivedEdition(
        page=name,
        subject=subject,
        created=edition.created.astimezone(ZoneInfo(settings.list_timezone(list_settings)))
        .replace(microsecond=0)
        .isoformat(),
        count=len(edition.summaries),
        titles=tuple(" ".join(title.split()) for title in titles),
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / name, page.encode("utf-8"))
        entries = [e for e in _read_manifest(folder) if e.page != name]
        entries = sorted([*entries, entry], key=lambda e: (_instant(e.created), e.page))[::-1]
        atomic_write(folder / _MANIFEST, _manifest(entries).encode("utf-8"))
        atomic_write(folder / "index.html", _index(entries, settings, list_settings).encode())
        atomic_write(folder / "feed.xml", _feed(entries, settings, list_settings).encode())
    except OSError as exc:
        raise ConfigError(
            f"archive_dir: cannot write {folder}: {exc.strerror or exc}.",
            hint="make archive_dir writable, or point it elsewhere in the config",
        ) from exc
    log.info("archived edition %s of %s as %s", entry.created, list_settings.name, name)
    return folder / name


def _instant(created: str) -> datetime:
    return datetime.fromisoformat(created)


def _read_manifest(folder: Path) -> list[ArchivedEdition]:
    """Editions archived before; an unreadable manifest is rebuilt from what comes next."""
    path = folder / _MANIFEST
    if not path.exists():
        return []
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [
            ArchivedEdition(
                page=str(row["page"]),
                subject=str(row["subject"]),
                created=str(row["created"]),
                count=int(row["count"]),
                titles=tuple(str(title) for title in row["titles"]),
            )
            for row in rows
            if (folder / str(row["page"])).is_file()
        ]
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("archive: %s is damaged (%s); starting a new list of editions", path, exc)
        return []


def _manifest(entries: list[ArchivedEdition]) -> str:
    rows = [
        {
            "page": e.page,
            "subject": e.subject,
            "created": e.created,
            "count": e.count,
            "titles": list(e.titles),
        }
        for e in entries
    ]
    return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"


def _when(created: str) -> str:
    moment = _instant(created)
    return f"{moment:%a} {moment.day} {moment:%b %Y}, {moment:%H:%M}"


_PAGES = jinja2.Environment(
    loader=jinja2.PackageLoader("digest", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def _index(
    entries: list[ArchivedEdition],
    settings: Settings,
    list_settings: ListSettings,
) -> str:
    """The list's archive home: its editions, newest first, and how to (un)subscribe."""
    contact = parseaddr(settings.reply_to or "")[1] or parseaddr(settings.sender)[1]
    return _PAGES.get_template("archive/index.html.j2").render(
        title=list_settings.title,
        description=list_settings.description,
        entries=[
            {"href": quote(e.page), "when": _when(e.created), "count": e.count, "titles": e.titles}
            for e in entries
        ],
        contact=contact,
        contact_href=quote(contact, safe="@"),
    )


def _feed(entries: list[ArchivedEdition], settings: Settings, list_settings: ListSettings) -> str:
    """An Atom (RFC 4287) feed of the newest editions."""
    base = list_url(settings, list_settings)
    return _PAGES.get_template("archive/feed.xml.j2").render(
        base=base,
        title=list_settings.title,
        description=list_settings.description,
        updated=entries[0].created if entries else "1970-01-01T00:00:00+00:00",
        entries=[
            {
                "url": base + quote(e.page),
                "subject": e.subject,
                "created": e.created,
                # HTML inside the feed's XML: escaped once here, once more by the template.
                "summary": "<ol>"
                + "".join(f"<li>{html.escape(t)}</li>" for t in e.titles)
                + "</ol>",
            }
            for e in entries[:MAX_FEED_ENTRIES]
        ],
    )
