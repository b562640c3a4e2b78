"""Pick and order the items of one list's edition, and those each subscriber's topics pick."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from ..config import ListSettings
from ..models import Edition, Summary

log = logging.getLogger(__package__)

_UNDATED = datetime.min.replace(tzinfo=UTC)


def compose(
    item: ListSettings, summaries: Iterable[Summary], *, now: datetime, timezone: str
) -> Edition:
    """The edition of one list: its newest summaries, at most max_items.

    A summary without key points is an item all the same (its title, link and first lines).
    """
    usable = list(summaries)
    usable.sort(key=lambda summary: summary.article.published or _UNDATED, reverse=True)
    chosen = tuple(usable[: item.max_items])
    if len(usable) > len(chosen):
        log.info("list %s: %d items over max_items left out", item.name, len(usable) - len(chosen))
    return Edition(
        list_name=item.name, title=item.title, created=now, timezone=timezone, summaries=chosen
    )


class TopicFilter:
    """Per-subscriber topic filters over one edition, each topic matched only once.

    A topic matches an item whose source (or a source that also covered it) has that
    name, or whose title or text has it as a whole word or phrase; case does not matter.
    A subscriber with topics gets the items that match one of them (all items when every
    topic is an exclusion), minus those matching a topic written with a leading ``-``.
    """

    def __init__(self, edition: Edition) -> None:
        self._edition = edition
        self._matches: dict[str, frozenset[int]] = {}

    def positions(self, topics: Iterable[str], max_items: int | None = None) -> tuple[int, ...]:
        """Indexes of the items these topics pick, in edition order, at most max_items."""
        wanted: set[int] | None = None
        unwanted: set[int] = set()
        for topic in topics:
            if topic.startswith("-"):
                unwanted |= self._matching(topic[1:])
            else:
                wanted = (wanted or set()) | self._matching(topic)
        chosen = [
            index
            for index in range(len(self._edition.summaries))
            if (wanted is None or index in wanted) and index not in unwanted
        ]
        return tuple(chosen[:max_items] if max_items else chosen)

    def _matching(self, topic: str) -> frozenset[int]:
        key = " ".join(topic.casefold().split())
        if key not in self._matches:
            self._matches[key] = frozenset(
                index
                for index, summary in enumerate(self._edition.summaries)
                if key and _matches(summary, key)
            )
        return self._matches[key]


def _matches(summary: Summary, topic: str) -> bool:
    """Whether a summary is about the (case-folded) topic: by source name or by word."""
    article = summary.article
    sources = (article.source, *(other.source for other in summary.also_covered_by))
    if any(" ".join(source.casefold().split()) == topic for source in sources):
        return True
    pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, topic.split())) + r"(?!\w)"
    text = "\n".join((article.title, article.text, *summary.key_points)).casefold()
    return re.search(pattern, text) is not None
