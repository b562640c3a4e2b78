"""One stage on its own, for `digest summarize`, `digest extract` and `digest status`.

Operators ask "why did the digest say that?": these run the extract and summarize
stages the way a run does, on a file, a page or a text, and read the delivery log.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ..collect import NetworkPolicy, fetch, http_client
from ..config import Settings
from ..errors import ConfigError
from ..extract import Extracted, main_text
from ..models import BodyFormat
from ..state import EditionStatus, WorkerStatus
from ..summarize import key_points
from ._state import open_store


def extract_text(body: str, body_format: BodyFormat, url: str | None = None) -> Extracted:
    """The main text of an HTML page, a Markdown file or a plain text, as a run extracts it."""
    return main_text(body, body_format, url)


def summarize_text(text: str, *, points: int) -> tuple[str, ...]:
    """Key points of a bare text (no title, no headings, language guessed)."""
    return key_points(text, points=points)


def summarize_document(
    body: str, body_format: BodyFormat, *, points: int
) -> tuple[Extracted, tuple[str, ...]]:
    """The main text of a document and its key points, as a run finds them.

    Every format has its main text found first (a plain-text page loses its site
    clutter, as a run's folder notes do). A text the cleaner keeps nothing of (one line
    it takes for a title) is summarized as it is.
    """
    found = main_text(body, body_format)
    if not found.text.strip() and body_format == "text":
        found = Extracted("", body, (), "")
    if not found.text.strip():
        return found, ()
    points_found = key_points(
        found.text,
        points=points,
        title=found.title,
        headings=found.headings,
        language=found.language or None,
    )
    return found, points_found


_ANYWHERE = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))


def fetch_page(url: str) -> tuple[str, str]:
    """The HTML of a page (decoded as it declares) and the URL it was found at.

    The operator typed the URL, so its own origin may be on any network; a redirect
    elsewhere reaches public addresses only, as in a run.
    """
    networks = NetworkPolicy(allowed_networks=_ANYWHERE).trusting([url])
    with http_client(networks=networks) as client:
        page = fetch(url, source=url, client=client, kind="page")
    if page is None:
        raise ConfigError(f"{url}: the server sent no page (304 Not Modified).")
    return page.content.decode(page.charset or "utf-8", errors="replace"), page.url


@dataclass(frozen=True, slots=True)
class Status:
    """The latest editions, and the failed addresses of those that have any (when asked)."""

    editions: tuple[EditionStatus, ...]
    failures: dict[int, tuple[tuple[str, str], ...]]
    workers: tuple[WorkerStatus, ...] = ()
    """Live `digest worker` processes and what each is sending now (PostgreSQL only)."""


def delivery_status(
    settings: Settings, list_name: str | None, *, limit: int, with_failures: bool
) -> Status:
    """What the delivery log says of the latest editions (of one list, or all)."""
    with open_store(settings) as store:
        editions = tuple(store.edition_statuses(list_name, limit))
        workers = tuple(store.workers())
        failures = {
            e.id: tuple(store.failures(e.id)) for e in editions if with_failures and e.counts.failed
        }
    return Status(editions, failures, workers)
