"""Preview: an edition rendered from what the sources hold now, not sent, not recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import httpx

from .. import collect, compose, render
from ..config import ListSettings, Settings
from ..models import Recipient
from ..state import StateStore
from ..subscribers import iter_subscribers, signing_key, unsubscribe_url
from . import _intake as intake
from ._publish import render_edition
from ._state import open_store


@dataclass(frozen=True, slots=True)
class Preview:
    """An edition rendered for looking at, not sending, as its first reader would get it."""

    list_name: str
    subject: str
    html: str
    text: str
    articles: int
    source_errors: tuple[str, ...]


def preview(
    settings: Settings, *, now: datetime, list_name: str | None = None
) -> tuple[Preview, ...]:
    """Render what each list's (or one list's) sources hold within its window, sent or not."""
    lists = settings.chosen_lists(list_name)
    with (
        open_store(settings) as store,
        collect.http_client(
            timeout=settings.collect.timeout, networks=collect.policy_for(settings)
        ) as client,
    ):
        return tuple(_preview(settings, item, store, client, now) for item in lists)


def _preview(
    settings: Settings, item: ListSettings, store: StateStore, client: httpx.Client, now: datetime
) -> Preview:
    """One list's preview, addressed to its first subscriber (or to a stand-in reader)."""
    collected = intake.collect_sources(settings, item, client, None, now, None)
    taken = intake.take_in(item, intake.fresh_candidates(collected), store, now, None)
    summaries = [chosen.summary for chosen in taken.items]
    edition = compose.compose(item, summaries, now=now, timezone=settings.list_timezone(item))
    rendered = render_edition(edition, settings, item)
    reader = next(
        (s.recipient for s in iter_subscribers(item)), Recipient("reader@example.org", "Reader")
    )
    url = unsubscribe_url(settings.base_url, signing_key(settings, store), item.name, reader.email)
    message = message_from_bytes(
        render.personalize(rendered, reader, unsubscribe_url=url, now=now).data,
        policy=policy.default,
    )
    return Preview(
        item.name,
        rendered.subject,
        _part(message, "html"),
        _part(message, "plain"),
        len(edition.summaries),
        collected.errors,
    )


def _part(message: EmailMessage, subtype: str) -> str:
    """The decoded text of one part of a multipart/alternative message."""
    part = message.get_body((subtype,))
    return "" if part is None else str(part.get_content())
