"""When editions go out: the lists' next slots, and the trigger that fires the daemon at them."""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.base import BaseTrigger

from ..config import ListSettings, Schedule, Settings


class SlotTrigger(BaseTrigger):  # type: ignore[misc]
    """An APScheduler trigger that fires at a Schedule's slots, once each."""

    __slots__ = ("schedule",)

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The slot after the previous firing, or the first slot from now on."""
        if previous_fire_time is None:
            return self.schedule.next_after(now - timedelta(microseconds=1))
        return self.schedule.next_after(previous_fire_time)

    def __str__(self) -> str:
        return f"slots[{self.schedule.text!r} in {self.schedule.zone.key}]"


def next_editions(
    settings: Settings, *, now: datetime, count: int
) -> list[tuple[ListSettings, Schedule, tuple[datetime, ...]]]:
    """Every list with its schedule and its next `count` slots after `now`."""
    result = []
    for item in settings.lists:
        schedule = Schedule.of(item.schedule, settings.list_timezone(item))
        result.append((item, schedule, tuple(schedule.upcoming(now, count))))
    return result
