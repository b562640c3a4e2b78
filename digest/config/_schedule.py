"""When each list's editions are due: schedules, slots, and the APScheduler trigger.

A schedule names wall-clock times in the list's time zone, as a shorthand
(``daily at 07:00``, ``weekdays at 07:00``, ``weekly on mon,thu at 08:00``,
``hourly at :15``) or as a cron expression (``MIN HOUR DAY MONTH WEEKDAY``, or with a
leading SECOND field). A *slot* is one due time: a UTC instant. Every wall-clock time
that a schedule names is exactly one slot, also on daylight-saving switch days:

- a time the clock skips (02:30 when it jumps from 02:00 to 03:00) is due the moment
  the clock jumps;
- a time the clock shows twice (02:30 when it falls back from 03:00 to 02:00) is due
  the first time only.

APScheduler 3's own ``CronTrigger`` fires twice in the second case, so the cron fields
are matched against naive wall-clock times (by a ``CronTrigger`` in UTC, which has no
switches) and the mapping from wall clock to instant is done here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger


log = logging.getLogger(__package__)

ACCEPTED_FORMS = (
    "'daily at HH:MM', 'weekdays at HH:MM', 'weekly on DAY[,DAY…] at HH:MM' "
    "(DAY: mon … sun), 'hourly' or 'hourly at :MM', or a cron expression "
    "'MIN HOUR DAY MONTH WEEKDAY' such as '0 7 * * 1-5'"
)
"""The schedule forms, as error messages and docs name them."""

_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
"""Weekday names in cron's numbering: 0 (and 7) is Sunday."""
_DAY_NAMES = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
_APS_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = r"(?P<hour>\d{1,2}):(?P<minute>\d{2})"
_SHORTHANDS = {
    "daily": re.compile(rf"daily at {_TIME}"),
    "weekdays": re.compile(rf"weekdays at {_TIME}"),
    "weekly": re.compile(rf"weekly on (?P<days>[a-z]+(?:\s*,\s*[a-z]+)*) at {_TIME}"),
    "hourly": re.compile(r"hourly(?: at :(?P<minute>\d{2}))?"),
}
_SECOND = timedelta(seconds=1)
_LOOK_BACK = timedelta(days=4000)
"""How far back `latest` looks for a slot (a yearly schedule, leap days included)."""


def parse(text: str) -> CronTrigger:
    """The cron fields of a schedule, as a CronTrigger over wall-clock times (in UTC).

    Raises ValueError saying what is wrong; config.py adds the key and the accepted forms.
    """
    spec = " ".join(text.lower().split())
    fields = _shorthand(spec) if spec[:1].isalpha() else _cron(spec)
    try:
        # Imported here: APScheduler loads asyncio, which `digest --help` need not pay for.
        from apscheduler.triggers.cron import CronTrigger

        trigger = CronTrigger(**fields, timezone=UTC)
    except ValueError as exc:
        raise ValueError(f"cannot read {text!r}: {exc}") from exc
    if trigger.get_next_fire_time(None, datetime(2000, 1, 1, tzinfo=UTC)) is None:
        raise ValueError(f"{text!r} names no date that exists")
    return trigger


def _shorthand(spec: str) -> dict[str, str]:
    """Cron fields of a shorthand such as 'weekly on mon at 08:00'."""
    for kind, pattern in _SHORTHANDS.items():
        match = pattern.fullmatch(spec)
        if match is None:
            continue
        values = match.groupdict()
        minute = int(values["minute"] or 0)
        if minute > 59:
            raise ValueError(f"{spec!r}: minute {minute} is not 0-59")
        fields = {"second": "0", "minute": str(minute)}
        if kind == "hourly":
            return fields
        hour = int(values["hour"])
        if hour > 23:
            raise ValueError(f"{spec!r}: hour {hour} is not 0-23")
        fields["hour"] = str(hour)
        if kind == "weekdays":
            fields["day_of_week"] = "mon-fri"
        elif kind == "weekly":
            fields["day_of_week"] = ",".join(_day(name) for name in values["days"].split(","))
        return fields
    raise ValueError(f"{spec!r} is not a schedule")


def _day(name: str) -> str:
    """A weekday name ('mon' or 'monday') as APScheduler spells it."""
    name = name.strip()
    short = name[:3]
    if short in _DAYS and (len(name) == 3 or name == _DAY_NAMES[_DAYS.index(short)]):
        return short
    raise ValueError(f"{name!r} is not a weekday; use mon, tue, … sun")


def _cron(spec: str) -> dict[str, str]:
    """Fields of a 5-field (or, with seconds first, 6-field) cron expression."""
    parts = spec.split()
    if len(parts) not in (5, 6):
        raise ValueError(f"{spec!r} has {len(parts)} fields; a cron expression has 5")
    if len(parts) == 5:
        parts.insert(0, "0")
    names = ("second", "minute", "hour", "day", "month")
    return {**dict(zip(names, parts, strict=False)), "day_of_week": _cron_weekdays(parts[5])}


def _cron_weekdays(field: str) -> str:
    """A cron weekday field (0 or 7 = Sunday) in APScheduler's terms (0 = Monday)."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for term in field.split(","):
        span, _, step_text = term.partition("/")
        step = int(step_text) if step_text.isdigit() else 1
        if step_text and not step_text.isdigit():
            raise ValueError(f"weekday field {field!r}: bad step {step_text!r}")
        if span == "*":
            first, last = 0, 6
        else:
            start, _, end = span.partition("-")
            first = _weekday_number(start, field)
            last = _weekday_number(end, field) if end else (6 if step_text else first)
        if last < first:
            raise ValueError(f"weekday field {field!r}: range {span!r} runs backwards")
        days.update(number % 7 for number in range(first, last + 1, step))
    return ",".join(
        _APS_DAYS[(number - 1) % 7] for number in sorted(days, key=lambda n: (n - 1) % 7)
    )


def _weekday_number(text: str, field: str) -> int:
    """0-7 (cron's numbering) from a number or a day name."""
    if text.isdigit() and int(text) <= 7:
        return int(text)
    if text[:3] in _DAYS and len(text) == 3:
        return _DAYS.index(text)
    raise ValueError(f"weekday field {field!r}: {text!r} is not 0-7 or mon … sun")


@dataclass(frozen=True)
class Schedule:
    """One list's schedule in its time zone: the slots it names, as UTC instants."""

    text: str
    zone: ZoneInfo
    cron: CronTrigger

    @classmethod
    def of(cls, text: str, timezone: str) -> Schedule:
        """The schedule `text` in the IANA zone `timezone`; ValueError when unreadable."""
        return cls(text, ZoneInfo(timezone), parse(text))

    def latest(self, now: datetime) -> datetime | None:
        """The most recent slot at or before `now`, or None when there was none."""
        wall = self._last_wall(self._wall(now))
        best = self._instant(wall) if wall is not None else None
        nxt = self._next_wall(wall + _SECOND if wall is not None else self._wall(now))
        # Past a fall-back, wall times later than now's still name earlier instants.
        while nxt is not None and (instant := self._instant(nxt)) <= now:
            best, nxt = instant, self._next_wall(nxt + _SECOND)
        return best

    def next_after(self, when: datetime) -> datetime | None:
        """The first slot strictly after `when`."""
        wall = self._next_wall(self._wall(when))
        while wall is not None:
            instant = self._instant(wall)
            if instant > when:
                return instant
            wall = self._next_wall(wall + _SECOND)
        return None

    def upcoming(self, now: datetime, count: int) -> Iterator[datetime]:
        """The next `count` slots after `now`."""
        slot: datetime | None = now
        for _ in range(count):
            slot = self.next_after(slot) if slot is not None else None
            if slot is None:
                return
            yield slot

    def between(self, start: datetime, end: datetime, limit: int = 1000) -> list[datetime]:
        """The slots strictly between `start` and `end`, at most `limit` of them."""
        found: list[datetime] = []
        slot = self.next_after(start)
        while slot is not None and slot < end and len(found) < limit:
            found.append(slot)
            slot = self.next_after(slot)
        return found

    def period(self, now: datetime) -> timedelta:
        """The time between the last two slots before `now` (else the next two): a day for daily."""
        last = self.latest(now)
        before = self.latest(last - _SECOND) if last is not None else None
        if last is not None and before is not None:
            return last - before
        first = self.next_after(now)
        second = self.next_after(first) if first is not None else None
        return second - first if first is not None and second is not None else timedelta(days=1)

    def local(self, instant: datetime) -> datetime:
        """An instant on the list's wall clock (aware, in its zone)."""
        return instant.astimezone(self.zone)

    def _wall(self, instant: datetime) -> datetime:
        """The naive wall-clock time of an instant in this zone."""
        return instant.astimezone(self.zone).replace(tzinfo=None, fold=0)

    def _instant(self, wall: datetime) -> datetime:
        """The one instant a wall-clock time stands for (see the module docstring)."""
        first = wall.replace(tzinfo=self.zone, fold=0).astimezone(UTC)
        if self._wall(first) == wall:
            return first  # exists; when it exists twice, fold=0 is the first time
        # Skipped by a jump forward: find the jump between the two readings of `wall`.
        low = int(wall.replace(tzinfo=self.zone, fold=1).timestamp())
        high = int(first.timestamp())
        while high - low > 1:
            middle = (low + high) // 2
            if self._wall(datetime.fromtimestamp(middle, UTC)) > wall:
                high = middle
            else:
                low = middle
        return datetime.fromtimestamp(high, UTC)

    def _next_wall(self, wall: datetime) -> datetime | None:
        """The first wall-clock time at or after `wall` that the cron fields name."""
        found = self.cron.get_next_fire_time(None, wall.replace(tzinfo=UTC))
        return found.replace(tzinfo=None) if found is not None else None

    def _last_wall(self, wall: datetime) -> datetime | None:
        """The last wall-clock time at or before `wall` that the cron fields name."""
        reach = _SECOND
        while reach <= _LOOK_BACK:
            found = self._next_wall(wall - reach)
            if found is not None and found <= wall:
                while (nxt := self._next_wall(found + _SECOND)) is not None and nxt <= wall:
                    found = nxt
                return found
            reach *= 2
        return None
