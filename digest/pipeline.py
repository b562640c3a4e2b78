"""Compose the stages into one edition per list; `digest run` and the scheduler call this.

Per list: finish any interrupted edition first, then collect every source, extract and
summarize each new article (key points cached by content hash), compose, render once,
record the edition with its recipients in the delivery log, and hand each message to
the sender, marking every hand-off before and after. A crash at any point leaves the
log telling the next run exactly who still needs the edition.

An edition covers the articles published since the list's previous edition (the first
one: `window_hours`, else the schedule's period), never older than `window_hours`. The
daemon passes the `slot` (due time) it runs for: it is claimed together with the
edition, so a slot never gets two; and a `stop` event, which ends the sending after the
messages in flight, leaving the rest pending for the next start.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import logging
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx

from . import archive, collect, compose, extract, gather, render, summarize
from .errors import ConfigError, DigestError, RenderError, SourceError
from .models import (
    Article,
    Edition,
    Message,
    RawArticle,
    Recipient,
    RenderedEdition,
    Subscriber,
    Summary,
)
from .schedule import Schedule
from .send import Sender, open_sender, send_all
from .settings import ListSettings, Settings
from .state import DeliveryStatus, StateStore, run_lock
from .stories import group_stories
from .subscribers import iter_subscribers
from .unsubscribe import unsubscribe_url
from .urls import seen_key
from .variants import VariantPlan

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""Called as progress(what, done, total) while a long step runs."""

_SUMMARY_VERSION = "1"
"""Bump when the summarizer changes, so cached key points are made anew."""
_MAX_TRANSIENT_IN_A_ROW = 3
"""After this many temporary failures in a row the server is taken to be down."""
_MAX_REPORTED_ERRORS = 100
"""A report names at most this many failed deliveries (the delivery log keeps them all)."""


@dataclass(frozen=True, slots=True)
class ListReport:
    """What one list's run did."""

    list_name: str
    articles: int = 0
    recipients: int = 0
    sent: int = 0
    failed: int = 0
    pending: int = 0
    edition_id: int | None = None
    note: str = ""
    source_errors: tuple[str, ...] = ()
    delivery_errors: tuple[str, ...] = ()
    variants: int = 0
    """Renders of the new edition: subscribers whose topics pick the same items share one."""


@dataclass(frozen=True, slots=True)
class RunReport:
    """What a whole run did, list by list."""

    lists: tuple[ListReport, ...]

    @property
    def has_failures(self) -> bool:
        """True when a source or a delivery failed: `digest run` then exits 1."""
        return any(item.source_errors or item.failed or item.delivery_errors for item in self.lists)


@dataclass(frozen=True, slots=True)
class Preview:
    """An edition rendered for looking at, not sending, as its first reader would get it."""

    subject: str
    html: str
    text: str
    articles: int
    source_errors: tuple[str, ...]


def run(
    settings: Settings,
    *,
    now: datetime,
    list_name: str | None = None,
    is_dry_run: bool = False,
    sender: Sender | None = None,
    progress: Progress | None = None,
    slot: datetime | None = None,
    stop: threading.Event | None = None,
) -> RunReport:
    """Make and deliver one edition of every list (or one list), now.

    `slot` (with `list_name`): the due time the daemon runs for; nothing is made when it
    was handled before. `stop`: when set, sending ends after the messages in flight.
    """
    lists = _chosen(settings, list_name)
    with (
        StateStore(settings.state_path) as store,
        run_lock(settings.state_path),
        ExitStack() as stack,
    ):
        client = stack.enter_context(collect.http_client(timeout=settings.collect.timeout))

        def lazy_sender() -> Sender:
            nonlocal sender
            if sender is None:
                sender = stack.enter_context(_open(settings))
            return sender

        reports = tuple(
            _run_list(
                settings,
                item,
                store,
                client,
                lazy_sender,
                now,
                is_dry_run,
                progress,
                slot=slot,
                stop=stop,
            )
            for item in lists
        )
    return RunReport(reports)


def retry(
    settings: Settings,
    edition_id: int,
    *,
    now: datetime,
    sender: Sender | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """Send one edition again to its recipients whose delivery failed (and any still pending)."""
    with (
        StateStore(settings.state_path) as store,
        run_lock(settings.state_path),
        ExitStack() as stack,
    ):
        record = store.edition(edition_id)
        if record is None:
            raise ConfigError(
                f"no edition {edition_id} in {settings.state_path}.",
                hint="`digest status` lists the editions and their numbers",
            )
        item = next((i for i in settings.lists if i.name == record.list_name), None)
        if item is None:
            raise ConfigError(
                f"edition {edition_id} is of the list {record.list_name!r}, "
                f"which {settings.config_path} no longer has."
            )
        requeued = store.requeue_failed(edition_id)

        def lazy_sender() -> Sender:
            nonlocal sender
            if sender is None:
                sender = stack.enter_context(_open(settings))
            return sender

        report = _deliver(
            settings, item, store, edition_id, _load(record.payload), lazy_sender, now, progress
        )
    note = f"retried {requeued} failed recipients; {report.note}"
    return RunReport((dataclasses.replace(report, note=note),))


def preview(settings: Settings, *, now: datetime, list_name: str | None = None) -> Preview:
    """Render what the list's sources hold within its window, sent before or not."""
    item = _chosen(settings, list_name)[0]
    with (
        StateStore(settings.state_path) as store,
        collect.http_client(timeout=settings.collect.timeout) as client,
    ):
        raws, errors = _collect(settings, item, client, None, now, None)
        summaries = _summaries(item, raws, store, None)
        edition = compose.compose(item, summaries, now=now, timezone=settings.list_timezone(item))
        rendered = render.render(edition, settings, item)
        reader = next(
            (s.recipient for s in iter_subscribers(item)), Recipient("reader@example.org", "Reader")
        )
        url = unsubscribe_url(
            settings.base_url, unsubscribe_key(settings, store), item.name, reader.email
        )
    message = message_from_bytes(
        render.personalize(rendered, reader, unsubscribe_url=url, now=now).data,
        policy=policy.default,
    )
    return Preview(
        rendered.subject,
        _part(message, "html"),
        _part(message, "plain"),
        len(edition.summaries),
        errors,
    )


def _part(message: EmailMessage, subtype: str) -> str:
    """The decoded text of one part of a multipart/alternative message."""
    part = message.get_body((subtype,))
    return "" if part is None else str(part.get_content())


def _chosen(settings: Settings, list_name: str | None) -> tuple[ListSettings, ...]:
    """The lists a command works on; an unknown name is a usage error."""
    if list_name is None:
        return settings.lists
    chosen = tuple(item for item in settings.lists if item.name == list_name)
    if not chosen:
        names = ", ".join(item.name for item in settings.lists)
        raise ConfigError(f"no list named {list_name!r} in {settings.config_path}; lists: {names}.")
    return chosen


def _open(settings: Settings) -> AbstractContextManager[Sender]:
    return open_sender(
        settings.transport, smtp=settings.smtp, outbox=settings.outbox, dkim=settings.dkim
    )


def _run_list(
    settings: Settings,
    item: ListSettings,
    store: StateStore,
    client: httpx.Client,
    get_sender: Callable[[], Sender],
    now: datetime,
    is_dry_run: bool,
    progress: Progress | None,
    *,
    slot: datetime | None = None,
    stop: threading.Event | None = None,
) -> ListReport:
    """One list: resume what was interrupted, then make and send a new edition."""
    resumed = (
        []
        if is_dry_run
        else [
            _deliver(
                settings,
                item,
                store,
                record.id,
                _load(record.payload),
                get_sender,
                now,
                progress,
                stop=stop,
            )
            for record in store.unfinished_editions(item.name)
        ]
    )
    if slot is not None and store.slot_status(item.name, slot) is not None:
        note = f"the edition due {slot.isoformat()} was handled before"
        return _merge(ListReport(item.name, note=note), resumed)
    validators = _PendingValidators(store, item.name)
    since = _since(settings, item, store, now)
    seen = store.seen_keys(item.name)

    def is_new(raw: RawArticle) -> bool:
        """Within the edition's span and not sent before (by guid or canonical URL)."""
        return (raw.published is None or raw.published >= since) and seen.isdisjoint(_keys(raw))

    status = None if is_dry_run else store
    raws, errors = _collect(settings, item, client, validators, now, progress, is_new, status)
    new = _once(raw for raw in raws if is_new(raw))
    summaries = _summaries(item, new, store, progress)
    edition = compose.compose(item, summaries, now=now, timezone=settings.list_timezone(item))
    base = ListReport(item.name, articles=len(edition.summaries), source_errors=errors)
    if not edition.summaries and not item.send_when_empty:
        if not is_dry_run:
            validators.commit()
            if slot is not None:
                store.record_slot(item.name, slot, "empty")
        log.info("list %s: nothing new since the last edition; skipped", item.name)
        note = "nothing new since the last edition; nothing sent"
        return _merge(dataclasses.replace(base, note=note), resumed)
    rendered = render.render(edition, settings, item)
    plan = VariantPlan(edition, rendered, lambda part: render.render(part, settings, item), _dump)
    recipients = plan.recipients(_subscribers(settings, item, store))
    if is_dry_run:
        count = sum(1 for _ in recipients)
        note = f"dry run: would send {len(edition.summaries)} items to {count} subscribers"
        note += _variant_note(plan)
        return dataclasses.replace(base, recipients=count, note=note, variants=plan.count)
    if stop is not None and stop.is_set():
        return _merge(dataclasses.replace(base, note="stopped before sending"), resumed)
    edition_id = store.create_edition(
        item.name,
        now,
        _dump(rendered),
        _guids(edition),
        recipients,
        plan.payloads,
        slot=slot,
        also_seen=(key for s in edition.summaries if (key := seen_key(s.article.url))),
    )
    validators.commit()
    _archive(edition, rendered, settings, item)
    delivered = _deliver(
        settings, item, store, edition_id, rendered, get_sender, now, progress, stop=stop
    )
    delivered = dataclasses.replace(
        delivered, note=delivered.note + _variant_note(plan), variants=plan.count
    )
    return _merge(
        dataclasses.replace(delivered, articles=base.articles, source_errors=errors), resumed
    )


def _subscribers(settings: Settings, item: ListSettings, store: StateStore) -> Iterator[Subscriber]:
    """Active subscribers, minus any who left by the link (in case the file kept them)."""
    gone = store.unsubscribed(item.name)
    for subscriber in iter_subscribers(item, config_path=settings.config_path):
        if subscriber.email.casefold() not in gone:
            yield subscriber


def _variant_note(plan: VariantPlan) -> str:
    """What topic filters did, for the report: nothing when nobody has any."""
    note = f"; {plan.count} variants" if plan.count > 1 else ""
    if plan.skipped:
        note += f"; {plan.skipped} subscribers skipped (their topics pick no item)"
    return note


def _since(settings: Settings, item: ListSettings, store: StateStore, now: datetime) -> datetime:
    """The oldest publication time an edition made now covers (see the module docstring)."""
    previous = store.last_edition_time(item.name)
    limit = now - timedelta(hours=item.window_hours) if item.window_hours else None
    if previous is None:
        schedule = Schedule.of(item.schedule, settings.list_timezone(item))
        return limit or now - schedule.period(now)
    return max(previous, limit) if limit else previous


def _collect(
    settings: Settings,
    item: ListSettings,
    client: httpx.Client,
    validators: collect.ValidatorStore | None,
    now: datetime,
    progress: Progress | None,
    is_wanted: Callable[[RawArticle], bool] | None = None,
    status: StateStore | None = None,
) -> tuple[list[RawArticle], tuple[str, ...]]:
    """Every source's articles, fetched concurrently and politely (gather.py).

    A failing source is logged, reported and skipped. Only articles that is_wanted
    accepts get their full text fetched; `status` records each source's outcome.
    """
    raws: list[RawArticle] = []
    errors: list[str] = []
    results = gather.gather(
        item.sources,
        now=now,
        client=client,
        options=settings.collect,
        validators=validators,
        is_wanted=is_wanted,
        progress=(lambda d, t: progress(f"{item.name}: collecting", d, t)) if progress else None,
    )
    for result in results:
        if result.error is not None:
            name = result.source.name
            log.warning("list %s: source %s failed: %s", item.name, name, result.error)
            errors.append(str(result.error))
        raws.extend(result.articles)
        if status is not None:
            error = str(result.error) if result.error else None
            status.record_fetch(item.name, result.source.name, now, len(result.articles), error)
    return raws, tuple(errors)


def _keys(raw: RawArticle) -> set[str]:
    """What marks an article as sent: its guid, and its canonical URL."""
    key = seen_key(raw.url)
    return {raw.guid, key} if key else {raw.guid}


def _once(raws: Iterable[RawArticle]) -> list[RawArticle]:
    """The articles without repeats: a guid or canonical URL met before in this run."""
    taken: set[str] = set()
    kept = []
    for raw in raws:
        keys = _keys(raw)
        if taken.isdisjoint(keys):
            kept.append(raw)
        else:
            log.info("dropped %s from %s: the same article came earlier", raw.url, raw.source)
        taken |= keys
    return kept


def _summaries(
    item: ListSettings, raws: list[RawArticle], store: StateStore, progress: Progress | None
) -> list[Summary]:
    """Extract each article, merge those telling one story, summarize each story once.

    An article that fails is logged and left out; the others go on.
    """
    articles = []
    for raw in raws:
        try:
            articles.append(_extract(raw))
        except DigestError as exc:
            log.warning("list %s: skipping %s: %s", item.name, raw.url or raw.guid, exc)
    stories = group_stories(articles)
    summaries = []
    for done, story in enumerate(stories, start=1):
        try:
            summary = _summarize(item, story.article, store)
        except DigestError as exc:
            log.warning("list %s: skipping %s: %s", item.name, story.article.url, exc)
        else:
            related = tuple(other.guid for other in story.others)
            summaries.append(
                dataclasses.replace(
                    summary, also_covered_by=story.also_covered_by, related_guids=related
                )
            )
        if progress:
            progress(f"{item.name}: summarizing", done, len(stories))
    return summaries


def _extract(raw: RawArticle) -> Article:
    """The article's main text; a library failure on odd input is this article's problem only."""
    try:
        return extract.extract(raw)
    except DigestError:
        raise
    except Exception as exc:
        raise SourceError(f"cannot extract the text of {raw.url or raw.guid}: {exc!r}") from exc


def _summarize(item: ListSettings, article: Article, store: StateStore) -> Summary:
    """Key points of one article, from the cache when the same text was summarized before."""
    key = hashlib.sha256(
        "\0".join(
            (_SUMMARY_VERSION, item.algorithm, str(item.points), article.title, article.text)
        ).encode()
    ).hexdigest()
    cached = store.cached_summary(key)
    if cached is not None:
        return Summary(article, cached)
    try:
        summary = summarize.summarize(article, points=item.points, algorithm=item.algorithm)
    except Exception as exc:
        raise SourceError(f"cannot summarize {article.url or article.guid}: {exc!r}") from exc
    store.cache_summary(key, summary.key_points)
    return summary


def _deliver(
    settings: Settings,
    item: ListSettings,
    store: StateStore,
    edition_id: int,
    rendered: RenderedEdition,
    get_sender: Callable[[], Sender],
    now: datetime,
    progress: Progress | None,
    *,
    stop: threading.Event | None = None,
) -> ListReport:
    """Hand the edition to every pending recipient, recording each outcome as it happens.

    Recipients are pending from the moment the edition is recorded; each is marked sent
    only after the server accepted the message, here, as outcomes come back (from a pool
    of connections, possibly out of order). To stop early, the message stream ends, so
    every message already handed over still gets its outcome recorded.
    """
    key = unsubscribe_key(settings, store)
    total = store.counts(edition_id).pending
    errors: list[str] = []
    outcomes: Counter[str] = Counter()
    variants = {"": rendered}

    def messages() -> Iterator[Message]:
        for email, name, variant in store.pending_deliveries(edition_id):
            if variant not in variants:
                variants[variant] = _load(store.variant_payload(edition_id, variant))
            if outcomes["in_a_row"] >= _MAX_TRANSIENT_IN_A_ROW:
                return
            if stop is not None and stop.is_set():
                log.info("list %s: stopping; the next start resumes the rest", item.name)
                return
            url = unsubscribe_url(settings.base_url, key, item.name, email)
            try:
                message = render.personalize(
                    variants[variant], Recipient(email, name), unsubscribe_url=url, now=now
                )
            except RenderError as exc:  # this address cannot go in a header: final
                store.mark_delivery(edition_id, email, "failed", str(exc))
                _note_error(errors, str(exc))
                outcomes["failed"] += 1
                continue
            yield message

    for done, (message, error) in enumerate(send_all(get_sender(), messages()), start=1):
        if error is None:
            store.mark_delivery(edition_id, message.to, "sent")
            outcomes["sent"] += 1
            outcomes["in_a_row"] = 0
        else:
            log.debug("delivery to %s failed: %s", message.to, error)
            outcome: DeliveryStatus = "failed" if error.is_permanent else "pending"
            store.mark_delivery(edition_id, message.to, outcome, str(error))
            _note_error(errors, str(error))
            outcomes[outcome] += 1
            outcomes["in_a_row"] = 0 if error.is_permanent else outcomes["in_a_row"] + 1
        if progress:
            progress(f"{item.name}: sending", done, total)
    if outcomes["in_a_row"] >= _MAX_TRANSIENT_IN_A_ROW:
        errors.append("stopped sending: the server keeps failing; the next run resumes")
    counts = store.counts(edition_id)
    if counts.pending == 0:
        store.finish_edition(edition_id, now)
    return ListReport(
        item.name,
        recipients=counts.sent + counts.failed + counts.pending,
        sent=outcomes["sent"],
        failed=outcomes["failed"],
        pending=counts.pending,
        edition_id=edition_id,
        note=f"edition {edition_id}: sent {outcomes['sent']}, failed {outcomes['failed']}",
        delivery_errors=tuple(errors),
    )


def _note_error(errors: list[str], error: str) -> None:
    """Keep the first delivery errors for the report; a huge list's failures stay bounded."""
    if len(errors) < _MAX_REPORTED_ERRORS:
        errors.append(error)


def _merge(report: ListReport, resumed: list[ListReport]) -> ListReport:
    """Fold reports of resumed editions into the list's report."""
    if not resumed:
        return report
    notes = [f"resumed edition {r.edition_id}: sent {r.sent}, failed {r.failed}" for r in resumed]
    return dataclasses.replace(
        report,
        sent=report.sent + sum(r.sent for r in resumed),
        failed=report.failed + sum(r.failed for r in resumed),
        pending=report.pending + sum(r.pending for r in resumed),
        note="; ".join([*notes, report.note]),
        delivery_errors=report.delivery_errors
        + tuple(e for r in resumed for e in r.delivery_errors),
    )


def unsubscribe_key(settings: Settings, store: StateStore) -> bytes:
    """The HMAC key for unsubscribe links: from the environment, else kept in the state file."""
    value = os.environ.get(settings.unsubscribe_key_env)
    return value.encode() if value else store.secret("unsubscribe")


def _guids(edition: Edition) -> Iterator[str]:
    for summary in edition.summaries:
        yield summary.article.guid
        yield from summary.related_guids


def _dump(rendered: RenderedEdition) -> bytes:
    """Serialize a rendered edition for the delivery log, so a resumed send is identical."""
    fields = {f.name: _encode(getattr(rendered, f.name)) for f in dataclasses.fields(rendered)}
    return json.dumps(fields).encode()


def _load(payload: bytes) -> RenderedEdition:
    """The rendered edition stored by _dump."""
    values: dict[str, Any] = {k: _decode(v) for k, v in json.loads(payload).items()}
    return RenderedEdition(**values)


def _encode(value: object) -> object:
    """JSON-safe form of a field: bytes as base64, tuples as lists."""
    if isinstance(value, bytes):
        return {"b64": base64.b64encode(value).decode()}
    if isinstance(value, tuple):
        return [_encode(part) for part in value]
    return value


def _decode(value: object) -> object:
    if isinstance(value, dict):
        return base64.b64decode(value["b64"])
    if isinstance(value, list):
        return tuple(_decode(part) for part in value)
    return value


class _PendingValidators:
    """Feed validators held back until the list's articles are safely recorded.

    Saving an ETag before the edition is recorded would make the next run's conditional
    GET answer 304 and lose the articles of a run that crashed. Keys carry the list name,
    so two lists sharing a feed each see its new items.
    """

    def __init__(self, store: StateStore, list_name: str) -> None:
        self._store = store
        self._prefix = f"{list_name} "
        self._pending: dict[str, tuple[str | None, str | None]] = {}

    def get_validators(self, url: str) -> tuple[str | None, str | None]:
        return self._store.get_validators(self._prefix + url)

    def put_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._pending[url] = (etag, last_modified)

    def commit(self) -> None:
        """Save the held validators."""
        for url, (etag, modified) in self._pending.items():
            self._store.put_validators(self._prefix + url, etag, modified)
        self._pending.clear()


def _archive(
    edition: Edition, rendered: RenderedEdition, settings: Settings, item: ListSettings
) -> None:
    """Publish the edition to the web archive; a failure there never stops the sending."""
    try:
        archive.write_archive(edition, rendered, settings, item)
    except DigestError as exc:
        log.warning("list %s: edition not archived: %s", item.name, exc)
