"""Compose the stages into one edition per list; `digest run` and the scheduler call this.

Per list: finish any interrupted edition first, then collect every source, judge what
is new (by sight: what the list has not sent, see newness.py), take in the held
articles of earlier editions, extract, group and summarize (key points cached by
content hash), compose, render once, record the edition with its recipients in the
delivery log, and hand each message to the sender, marking every hand-off before and
after. A crash at any point leaves the log telling the next run exactly who still
needs the edition. What the edition had no room for is held for the next one; the
report accounts for every article (collected + carried = in the edition + left out).

The daemon passes the `slot` (due time) it runs for: it is claimed together with the
edition, so a slot never gets two; and a `stop` event, which ends the sending after the
messages in flight, leaving the rest pending for the next start.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from datetime import datetime

import httpx

from .. import collect, compose, render
from ..compose import VariantPlan
from ..config import ListSettings, Settings
from ..errors import ConfigError
from ..models import Subscriber
from ..send import Sender, open_sender
from ..state import HeldArticle, IntakeRecord, StateStore
from ..subscribers import iter_subscribers
from . import _intake as intake
from ._delivery import dump_rendered, load_rendered
from ._fanout import hand_off
from ._newness import BASELINE, Newness
from ._publish import archive, render_edition
from ._reports import ListReport, Progress, RunReport
from ._state import open_store

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
        open_store(settings) as store,
        store.run_lock(),
        ExitStack() as stack,
    ):
        client = stack.enter_context(
            collect.http_client(
                timeout=settings.collect.timeout, networks=collect.policy_for(settings)
            )
        )

        def lazy_sender() -> Sender:
            nonlocal sender
            if sender is None:
                sender = stack.enter_context(open_transport(settings))
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
        open_store(settings) as store,
        store.run_lock(),
        ExitStack() as stack,
    ):
        record = store.edition(edition_id)
        if record is None:
            raise ConfigError(
                f"no edition {edition_id} in {store.path}.",
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
                sender = stack.enter_context(open_transport(settings))
            return sender

        report = hand_off(
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


def open_transport(settings: Settings) -> AbstractContextManager[Sender]:
    """The configured transport's sender, for one `with` block."""
    smtp, limiter = settings.smtp, None
    if (
        settings.queue
        and settings.transport == "smtp"
        and (smtp.max_per_second or smtp.max_per_hour)
    ):
        from ._queue import shared_limiter  # workers share the relay's one budget in Redis

        limiter = shared_limiter(settings.queue, smtp)
    return open_sender(
        settings.transport, smtp=smtp, outbox=settings.outbox, dkim=settings.dkim, limiter=limiter
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
            hand_off(
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
    newness = Newness(item, store, now)
    status = None if is_dry_run else store
    collected = intake.collect_sources(
        settings, item, client, validators, now, progress, newness.wanted, status
    )
    verdicts = [v for g in collected.sources for v in newness.judge(g.source.name, g.articles)]
    fresh = [v.candidate for v in verdicts if v.reason is None]
    due, done, released = newness.carried(v.candidate for v in verdicts)
    taken = intake.take_in(item, [*fresh, *due], store, now, progress)
    summaries = [chosen.summary for chosen in taken.items]
    edition = compose.compose(item, summaries, now=now, timezone=settings.list_timezone(item))
    left_out = (
        *(v.left_out() for v in (*verdicts, *done) if v.reason is not None),
        *collected.unreadable(),
        *taken.left_out,
    )
    base = ListReport(
        item.name,
        articles=len(edition.summaries),
        source_errors=collected.errors,
        collected=collected.count,
        carried=len(due) + len(done),
        left_out=left_out,
    )
    for gone in base.left_out:
        log.debug("list %s: left out %s (%s): %s", item.name, gone.url, gone.source, gone.reason)
    members = [m for chosen in taken.items for m in chosen.members]

    def commit() -> None:
        validators.commit()
        record = IntakeRecord(
            held=tuple(
                HeldArticle(c.key, c.raw, c.held_since or now)
                for c in taken.later
                if item.carry_over
            ),
            released=(*released, *(m.key for m in members if m.held_since is not None)),
            passed=tuple(
                (v.candidate.key, v.reason)
                for v in verdicts
                if v.reason == BASELINE and v.candidate.key not in newness.passed
            )
            + (() if item.carry_over else tuple((c.key, "beyond max_items") for c in taken.later)),
            known_sources=tuple(collected.fetched - newness.known),
            baselined=tuple(collected.fetched & newness.pending.keys()),
        )
        store.record_intake(item.name, now, record)

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
        (m.raw.guid for m in members),
        recipients,
        plan.payloads,
        slot=slot,
        seen_keys=(key for m in members for key in m.keys),
    )
    commit()
    archive(edition, rendered, settings, item)
    delivered = hand_off(
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
            carried=base.carried,
            left_out=base.left_out,
        ),
        resumed,
    )


_NOT_NEWS = frozenset(("already sent", BASELINE))
"""Reasons that leave an edition empty without anything being wrong or waiting."""


def _empty_note(report: ListReport, *, is_first: bool) -> str:
    """Why an edition has nothing to send, in one line."""
    if not is_first and all(gone.reason in _NOT_NEWS for gone in report.left_out):
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
