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

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from datetime import UTC, datetime, timedelta

import httpx

from .. import collect, compose, render
from ..compose import VariantPlan
from ..config import ListSettings, Schedule, Settings
from ..errors import ConfigError
from ..models import Edition, RawArticle, Subscriber, Summary
from ..send import Sender, open_sender
from ..state import StateStore, run_lock
from ..subscribers import iter_subscribers
from ..urls import seen_key
from . import _intake as intake
from ._delivery import deliver, dump_rendered, load_rendered
from ._publish import archive, render_edition
from ._reports import LeftOut, ListReport, Progress, Reason, RunReport

__all__ = ["Sender", "retry", "run"]

log = logging.getLogger(__package__)


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
    lists = settings.chosen_lists(list_name)
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
        item = settings.find_list(record.list_name)
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

        report = deliver(
            settings,
            item,
            store,
            edition_id,
            load_rendered(record.payload),
            lazy_sender,
            now,
            progress,
        )
    note = f"retried {requeued} failed recipients; {report.note}"
    return RunReport((dataclasses.replace(report, note=note),))


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
            deliver(
                settings,
                item,
                store,
                record.id,
                load_rendered(record.payload),
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
    validators = intake.PendingValidators(store, item.name)
    since = _since(settings, item, store, now)
    seen = store.seen_keys(item.name)
    known = store.known_sources(item.name)

    def why_not(raw: RawArticle) -> Reason | None:
        """Why an article is not new for this edition; None when it is.

        New: not sent before (by guid or canonical URL), and published within the
        edition's span, except on the first fetch of a source by this list, which
        brings the source's newest items (up to its max_items) whatever their age.
        """
        if not seen.isdisjoint(intake.article_keys(raw)):
            return "already sent"
        if raw.source in known and raw.published is not None and raw.published < since:
            return "older than the window"
        return None

    status = None if is_dry_run else store
    collected = intake.collect_sources(
        settings, item, client, validators, now, progress, lambda raw: why_not(raw) is None, status
    )
    dropped = [intake.left_out(raw, reason) for raw in collected.raws if (reason := why_not(raw))]
    new, repeats = intake.once(raw for raw in collected.raws if why_not(raw) is None)
    summaries, failed = intake.summaries(item, new, store, progress)
    edition = compose.compose(item, summaries, now=now, timezone=settings.list_timezone(item))
    base = ListReport(
        item.name,
        articles=len(edition.summaries),
        source_errors=collected.errors,
        collected=len(collected.raws),
        left_out=(*dropped, *repeats, *failed, *_not_composed(summaries, edition)),
    )
    for gone in base.left_out:
        log.debug("list %s: left out %s (%s): %s", item.name, gone.url, gone.source, gone.reason)

    def commit() -> None:
        validators.commit()
        store.record_known_sources(item.name, collected.fetched - known, now)

    if not edition.summaries and not item.send_when_empty:
        if not is_dry_run:
            commit()
            if slot is not None:
                store.record_slot(item.name, slot, "empty", now)
        note = _empty_note(base, is_first=store.last_edition_time(item.name) is None)
        log.info("list %s: %s", item.name, note)
        return _merge(dataclasses.replace(base, note=note), resumed)
    rendered = render_edition(edition, settings, item)
    plan = VariantPlan(
        edition,
        rendered,
        lambda part: render_edition(part, settings, item),
        dump_rendered,
        render.text_only,
    )
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
        dump_rendered(rendered),
        _guids(edition),
        recipients,
        plan.payloads,
        slot=slot,
        also_seen=(key for s in edition.summaries if (key := seen_key(s.article.url))),
    )
    commit()
    archive(edition, rendered, settings, item)
    delivered = deliver(
        settings, item, store, edition_id, rendered, get_sender, now, progress, stop=stop
    )
    delivered = dataclasses.replace(
        delivered, note=delivered.note + _variant_note(plan), variants=plan.count
    )
    return _merge(
        dataclasses.replace(
            delivered,
            articles=base.articles,
            source_errors=base.source_errors,
            collected=base.collected,
            left_out=base.left_out,
        ),
        resumed,
    )


def _not_composed(summaries: list[Summary], edition: Edition) -> Iterator[LeftOut]:
    """The summaries compose left out of the edition: no key points, or over the cap."""
    chosen = {id(summary.article) for summary in edition.summaries}
    for summary in summaries:
        if id(summary.article) not in chosen:
            reason: Reason = "beyond max_items" if summary.key_points else "with no text"
            yield intake.left_out(summary.article, reason)


def _empty_note(report: ListReport, *, is_first: bool) -> str:
    """Why an edition has nothing to send, in one line."""
    if not is_first and all(gone.reason == "already sent" for gone in report.left_out):
        return "nothing new since the last edition; nothing sent"
    if not report.collected:
        return "no source has given an article yet; nothing sent"
    return f"nothing to send ({report.left_out_summary()})"


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
    limit = _hours_before(now, item.window_hours) if item.window_hours else None
    if previous is None:
        schedule = Schedule.of(item.schedule, settings.list_timezone(item))
        return limit or now - schedule.period(now)
    return max(previous, limit) if limit else previous


_EARLIEST = datetime.min.replace(tzinfo=UTC)


def _hours_before(now: datetime, hours: float) -> datetime:
    """`now` minus `hours`, or the earliest datetime when that is before year 1.

    A span reaching past what datetime can hold means "everything", not a crash.
    """
    try:
        return now - timedelta(hours=hours)
    except OverflowError:
        return _EARLIEST


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


def _guids(edition: Edition) -> Iterator[str]:
    for summary in edition.summaries:
        yield summary.article.guid
        yield from summary.related_guids
