"""Pick and order the items of one list's edition."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from .models import Edition, Summary
from .settings import ListSettings

log = logging.getLogger(__name__)

_UNDATED = datetime.min.replace(tzinfo=UTC)


def compose(
    item: ListSettings, summaries: Iterable[Summary], *, now: datetime, timezone: str
) -> Edition:
    """The edition of one list: its newest summaries with key points, at most max_items."""
    usable = [summary for summary in summaries if summary.key_points]
    usable.sort(key=lambda summary: summary.article.published or _UNDATED, reverse=True)
    chosen = tuple(usable[: item.max_items])
    if len(usable) > len(chosen):
        log.info("list %s: %d items over max_items left out", item.name, len(usable) - len(chosen))
    return Edition(
        list_name=item.name, title=item.title, created=now, timezone=timezone, summaries=chosen
    )
