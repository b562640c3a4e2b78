"""The scheduler daemon behind `digest serve`: one APScheduler job per list.

Each list's job wakes at the list's slots (`schedule.SlotTrigger`) and calls the same
`pipeline.run` as `digest run`, with the slot it runs for. What became of every slot is
kept in the state store, not in APScheduler's memory, so that after a restart:

- an edition missed while the daemon was down is sent once if it is at most
  ``[schedule] grace_hours`` late; older ones are logged, recorded as missed, skipped;
- an edition whose sending was interrupted is finished first, without duplicates;
- a list the daemon has never scheduled before starts with its next slot.

Jobs run one at a time (one worker thread, ``max_instances=1``, ``coalesce``). While a
`digest run` holds the run lock, a job tries again a little later. `request_stop`
(SIGTERM, SIGINT) ends the sending after the messages in flight; `request_reload`
(SIGHUP) or a change of the config file reloads it, and a config with mistakes is
logged and ignored: the previous one stays in force.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from .. import pipeline
from ..config import ListSettings, Schedule, Settings, load_settings
from ..errors import ConfigError, DigestError, RunLockedError
from ._slots import SlotTrigger

log = logging.getLogger(__package__)

Clock = Callable[[], datetime]
Action = Literal["sent", "empty", "stopped", "resumed", "missed", "first", "done", "busy", "failed"]
_TICK = 0.1
"""Seconds between two looks of the main loop at the stop and reload requests."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one wake-up of a list's job did about the list's latest slot."""

    list_name: str
    action: Action
    slot: datetime | None = None
    report: pipeline.ListReport | None = None


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Daemon:
    """Sends every list's editions at their slots, once each, until asked to stop."""

    def __init__(
        self,
        config_path: Path,
        settings: Settings,
        *,
        clock: Clock = _utc_now,
        environ: Mapping[str, str] = os.environ,
        sender: pipeline.Sender | None = None,
        poll_seconds: float = 2.0,
        retry_seconds: float = 60.0,
    ) -> None:
        self.config_path = config_path
        self.settings = settings
        self._clock = clock
        self._environ = environ
        """Where a reload finds the secrets the config names."""
        self._sender = sender
        """A transport for every run (tests); by default each run opens the configured one."""
        self._poll_seconds = poll_seconds
        self._retry_seconds = retry_seconds
        self._stop = threading.Event()
        self._is_stop_requested = False
        self._is_reload_requested = False
        self._stamp = _stamp(config_path)
        self._scheduler: BackgroundScheduler | None = None

    # requests: safe to call from a signal handler (they only set flags) -----------------
    def request_stop(self) -> None:
        """Finish the messages in flight, record progress, and make `serve` return."""
        self._is_stop_requested = True

    def request_reload(self) -> None:
        """Read the config file again at the next look of the main loop."""
        self._is_reload_requested = True

    # the main loop -----------------------------------------------------------------------
    def serve(self) -> None:
        """Run the lists' jobs until `request_stop`; then wait for the job in flight."""
        scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
            timezone=UTC,
        )
        self._scheduler = scheduler
        self._schedule_jobs()
        scheduler.start()
        log.info("serving %d lists from %s", len(self.settings.lists), self.config_path)
        next_poll = time.monotonic() + self._poll_seconds
        try:
            while not self._is_stop_requested:
                time.sleep(_TICK)
                if time.monotonic() >= next_poll:
                    next_poll = time.monotonic() + self._poll_seconds
                    if _stamp(self.config_path) != self._stamp:
                        log.info("%s changed; reloading it", self.config_path)
                        self._is_reload_requested = True
                if self._is_reload_requested and not self._is_stop_requested:
                    self._is_reload_requested = False
                    self.reload()
        finally:
            self._stop.set()
            log.info("stopping: finishing the messages in flight")
            scheduler.shutdown(wait=True)
            self._scheduler = None
            log.info("stopped")

    def reload(self) -> bool:
        """Read the config again; on a mistake, log it and keep the config in force."""
        self._stamp = _stamp(self.config_path)
        try:
            settings = load_settings(self.config_path, self._environ)
        except ConfigError as exc:
            log.error("config not reloaded; the previous one stays in force. %s", exc)
            return False
        self.settings = settings
        log.info("config reloaded: %d lists", len(settings.lists))
        if self._scheduler is not None:
            self._schedule_jobs()
        return True

    def _schedule_jobs(self) -> None:
        """One job per list at its slots, and a catch-up run now; jobs of gone lists go."""
        scheduler = self._scheduler
        assert scheduler is not None
        names = {item.name for item in self.settings.lists}
        for job in scheduler.get_jobs():
            if job.id.startswith(("list:", "retry:")) and job.id.split(":", 1)[1] not in names:
                job.remove()
        now = self._clock()
        for item in self.settings.lists:
            schedule = _schedule(self.settings, item)
            scheduler.add_job(
                self._job,
                SlotTrigger(schedule),
                args=(item.name,),
                id=f"list:{item.name}",
                name=f"edition of {item.name}",
                replace_existing=True,
            )
            upcoming = schedule.next_after(now)
            when = _local(schedule, upcoming) if upcoming else "never"
            log.info(
                "list %s: %r in %s; next edition %s",
                item.name,
                item.schedule,
                _zone(schedule),
                when,
            )
        scheduler.add_job(self._catch_up, id="catch-up", name="catch up", replace_existing=True)

    def _job(self, list_name: str) -> None:
        if not self._stop.is_set():
            self.run_due(list_name)

    def _catch_up(self) -> None:
        for item in self.settings.lists:
            self._job(item.name)

    def _retry_later(self, list_name: str) -> None:
        if self._scheduler is None or self._stop.is_set():
            return
        self._scheduler.add_job(
            self._job,
            "date",
            run_date=datetime.now(UTC) + timedelta(seconds=self._retry_seconds),
            args=(list_name,),
            id=f"retry:{list_name}",
            replace_existing=True,
        )

    # one wake-up of one list ---------------------------------------------------------------
    def run_due(self, list_name: str) -> Outcome:
        """Make the list's edition for its latest slot, unless done, too late, or not ours."""
        settings = self.settings
        item = settings.find_list(list_name)
        if item is None:
            return Outcome(list_name, "done")
        schedule = _schedule(settings, item)
        now = self._clock()
        slot = schedule.latest(now)
        history = pipeline.slot_history(settings, list_name)
        last, has_unfinished = history.last, history.has_unfinished
        if slot is not None and last is None:
            pipeline.record_slot(settings, list_name, slot, "baseline", now)
            upcoming = schedule.next_after(now)
            when = _local(schedule, upcoming) if upcoming else "never"
            log.info("list %s: newly scheduled; its first edition is due %s", list_name, when)
            last = slot
            if not has_unfinished:
                return Outcome(list_name, "first", slot)
        if slot is None or last is None or slot <= last:
            if has_unfinished and last is not None:
                return self._run(settings, item, schedule, last, now, is_resume=True)
            return Outcome(list_name, "done", slot)
        self._log_skipped(schedule, list_name, last, slot)
        if now - slot > timedelta(hours=settings.schedule.grace_hours):
            pipeline.record_slot(settings, list_name, slot, "missed", now)
            log.warning(
                "list %s: the edition due %s was missed by %s, more than the grace period"
                " ([schedule] grace_hours = %g); skipped",
                list_name,
                _local(schedule, slot),
                _duration(now - slot),
                settings.schedule.grace_hours,
            )
            if has_unfinished:
                return self._run(settings, item, schedule, slot, now, is_resume=True)
            return Outcome(list_name, "missed", slot)
        return self._run(settings, item, schedule, slot, now, is_resume=False)

    def _run(
        self,
        settings: Settings,
        item: ListSettings,
        schedule: Schedule,
        slot: datetime,
        now: datetime,
        *,
        is_resume: bool,
    ) -> Outcome:
        """Call the pipeline for this slot and log one line about the edition."""
        started = time.monotonic()
        when = _local(schedule, slot)
        try:
            report = pipeline.run(
                settings,
                now=now,
                list_name=item.name,
                slot=slot,
                stop=self._stop,
                sender=self._sender,
            )
        except RunLockedError as exc:
            log.info("list %s: %s Trying again in %g s.", item.name, exc, self._retry_seconds)
            self._retry_later(item.name)
            return Outcome(item.name, "busy", slot)
        except DigestError as exc:
            log.error("list %s: the edition due %s failed: %s", item.name, when, exc)
            self._retry_later(item.name)
            return Outcome(item.name, "failed", slot)
        (result,) = report.lists
        status = pipeline.slot_status(settings, item.name, slot)
        action: Action = (
            "resumed"
            if is_resume
            else "sent"
            if status == "sent"
            else "empty"
            if status == "empty"
            else "stopped"
        )
        if result.edition_id is not None or result.sent or result.failed or result.pending:
            log.info(
                "edition list=%s due=%r articles=%d recipients=%d sent=%d failed=%d pending=%d"
                " seconds=%.1f: %s",
                item.name,
                when,
                result.articles,
                result.recipients,
                result.sent,
                result.failed,
                result.pending,
                time.monotonic() - started,
                result.note,
            )
        if action == "empty":
            log.info("list %s: no new articles for the edition due %s; skipped", item.name, when)
        for error in (*result.source_errors, *result.delivery_errors[:5]):
            log.warning("list %s: %s", item.name, error)
        return Outcome(item.name, action, slot, result)

    def _log_skipped(
        self, schedule: Schedule, list_name: str, last: datetime, slot: datetime
    ) -> None:
        """Log the slots between the last one handled and this one: none got an edition."""
        skipped = schedule.between(last, slot)
        if skipped:
            log.warning(
                "list %s: %d earlier due time(s), from %s to %s, got no edition (the daemon"
                " was down or busy); skipped",
                list_name,
                len(skipped),
                _local(schedule, skipped[0]),
                _local(schedule, skipped[-1]),
            )


def _schedule(settings: Settings, item: ListSettings) -> Schedule:
    return Schedule.of(item.schedule, settings.list_timezone(item))


def _local(schedule: Schedule, instant: datetime) -> str:
    """An instant as the list's readers' clock shows it, e.g. 2026-11-27 07:00 CET."""
    local = schedule.local(instant)
    return local.strftime("%Y-%m-%d %H:%M:%S %Z" if local.second else "%Y-%m-%d %H:%M %Z")


def _zone(schedule: Schedule) -> str:
    return schedule.zone.key


def _duration(delta: timedelta) -> str:
    hours, rest = divmod(int(delta.total_seconds()), 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min"


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells a changed config file: its modification time, size and inode."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)
