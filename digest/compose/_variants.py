"""Variants of one edition: subscribers whose choices pick the same mail share one render.

A subscriber's topics and max_items pick items of the edition, their time zone sets the
dates and their format picks HTML (with a text alternative) or plain text only. Two
subscribers with the same items, zone and format get the same variant, rendered once;
the variant everybody without choices gets is the edition's main one, named "".
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from ..models import Edition, MailFormat, RenderedEdition, Subscriber
from . import _compose as compose

log = logging.getLogger(__package__)

_Key = tuple[tuple[int, ...], str, MailFormat]


class VariantPlan:
    """Which variant of an edition each subscriber gets; each is rendered on first use."""

    def __init__(
        self,
        edition: Edition,
        main: RenderedEdition,
        render: Callable[[Edition], RenderedEdition],
        dump: Callable[[RenderedEdition], bytes],
        text_only: Callable[[RenderedEdition], RenderedEdition],
    ) -> None:
        """`render` renders a part of the edition, `text_only` makes a rendered edition a
        plain-text message, and `dump` serializes it for the delivery log."""
        self._edition = edition
        self._filter = compose.TopicFilter(edition)
        self._render = render
        self._dump = dump
        self._text_only = text_only
        everything = tuple(range(len(edition.summaries)))
        self._names: dict[_Key, str] = {(everything, edition.timezone, "html"): ""}
        self._rendered = {(everything, edition.timezone): main}
        self.payloads: dict[str, bytes] = {}
        """Dumped renders of every variant but the main one, filled as they are first used."""
        self.recipients_per_variant: Counter[str] = Counter()
        self.skipped = 0
        """Subscribers left out because their topics pick none of the edition's items."""

    def assign(self, subscriber: Subscriber) -> str | None:
        """The name of the subscriber's variant; None when their topics pick nothing."""
        picked = self._filter.positions(subscriber.topics, subscriber.max_items)
        if not picked and self._edition.summaries:  # an empty one ("all quiet") goes to all
            self.skipped += 1
            return None
        zone = subscriber.timezone or self._edition.timezone
        key = (picked, zone, subscriber.format)
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = f"v{len(self._names)}"
            rendered = self._rendered.get((picked, zone))
            if rendered is None:
                summaries = tuple(self._edition.summaries[index] for index in picked)
                edition = dataclasses.replace(self._edition, summaries=summaries, timezone=zone)
                rendered = self._rendered[(picked, zone)] = self._render(edition)
            if subscriber.format == "text":
                rendered = self._text_only(rendered)
            self.payloads[name] = self._dump(rendered)
            log.debug("variant %s: %d items, %s, %s", name, len(picked), zone, subscriber.format)
        self.recipients_per_variant[name] += 1
        return name

    def recipients(self, subscribers: Iterable[Subscriber]) -> Iterator[tuple[str, str, str]]:
        """(email, name, variant) of each subscriber whose topics pick something."""
        for subscriber in subscribers:
            name = self.assign(subscriber)
            if name is not None:
                yield subscriber.email, subscriber.name, name

    @property
    def count(self) -> int:
        """How many variants have recipients."""
        return len(self.recipients_per_variant)
