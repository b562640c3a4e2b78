"""Schedules: shorthands and cron, one slot per named wall-clock time (DST days too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from click.testing import CliRunner

from digest.cli import cli
from digest.config._load import load_settings
from digest.config._schedule import Schedule
from digest.errors import ConfigError
from digest.schedule._slots import SlotTrigger


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def slots(text: str, zone: str, start: datetime, count: int) -> list[str]:
    """The next slots as 'UTC time / local time' strings."""
    schedule = Schedule.of(text, zone)
    return [
        f"{slot:%m-%d %H:%MZ} {schedule.local(slot):%H:%M%z}"
        for slot in schedule.upcoming(start, count)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("daily at 07:00", ["11-27 07:00Z", "11-28 07:00Z"]),
        ("Daily  at 7:05", ["11-27 07:05Z", "11-28 07:05Z"]),
        ("weekdays at 06:30", ["11-27 06:30Z", "11-30 06:30Z"]),  # Fri, then Mon
        ("weekly on mon at 08:00", ["11-30 08:00Z", "12-07 08:00Z"]),
        ("weekly on monday, thu at 08:00", ["11-30 08:00Z", "12-03 08:00Z"]),
        ("hourly", ["11-27 01:00Z", "11-27 02:00Z"]),
        ("hourly at :15", ["11-27 00:15Z", "11-27 01:15Z"]),
        ("0 7 * * 1-5", ["11-27 07:00Z", "11-30 07:00Z"]),
        ("0 7 * * 0", ["11-29 07:00Z", "12-06 07:00Z"]),  # cron: 0 is Sunday
        ("0 7 * * 7", ["11-29 07:00Z", "12-06 07:00Z"]),
        ("0 7 * * sat,sun", ["11-28 07:00Z", "11-29 07:00Z"]),
        ("0 7 * * */3", ["11-28 07:00Z", "11-29 07:00Z"]),  # Sun, Wed, Sat
        ("30 9 1 * *", ["12-01 09:30Z", "01-01 09:30Z"]),
        ("*/20 * * * * *", ["11-27 00:00Z", "11-27 00:00Z"]),  # seconds first: 00:00:20, :40
    ],
)
def test_forms(text, expected):
    start = utc(2026, 11, 27, 0, 0)  # a Friday
    assert [s[:12] for s in slots(text, "UTC", start, 2)] == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dialy at 07:00", "'dialy at 07:00' is not a schedule"),
        ("daily at 24:00", "hour 24 is not 0-23"),
        ("daily at 07:60", "minute 60 is not 0-59"),
        ("weekly on funday at 08:00", "'funday' is not a weekday"),
        ("0 7 * *", "has 4 fields; a cron expression has 5"),
        ("61 7 * * *", "cannot read '61 7 * * *'"),
        ("0 7 * * 8", "'8' is not 0-7 or mon … sun"),
        ("0 7 * * 5-1", "range '5-1' runs backwards"),
        ("0 7 30 2 *", "names no date that exists"),
    ],
)
def test_bad_schedules_say_what_is_wrong(text, message):
    with pytest.raises(ValueError) as info:
        Schedule.of(text, "UTC")
    assert message in str(info.value)


def test_config_names_the_key_and_the_accepted_forms(tmp_path: Path):
    path = tmp_path / "digest.toml"
    path.write_text(
        'sender = "d@example.org"\n[lists.morning]\ntitle = "M"\nschedule = "dialy at 07:00"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    text = str(info.value)
    assert f"{path}: [lists.morning] schedule: 'dialy at 07:00' is not a schedule" in text
    assert "'daily at HH:MM'" in text and "'weekly on DAY[,DAY…] at HH:MM'" in text
    assert "cron expression 'MIN HOUR DAY MONTH WEEKDAY'" in text


# Daylight-saving switch days ------------------------------------------------------------


def test_berlin_spring_forward_skipped_time_is_due_when_the_clock_jumps():
    days = slots("daily at 02:30", "Europe/Berlin", utc(2026, 3, 27), 4)
    assert days == [
        "03-27 01:30Z 02:30+0100",
        "03-28 01:30Z 02:30+0100",
        "03-29 01:00Z 03:00+0200",  # 02:30 does not exist: the clock jumps at 02:00 → 03:00
        "03-30 00:30Z 02:30+0200",
    ]


def test_berlin_fall_back_repeated_time_is_due_once():
    days = slots("daily at 02:30", "Europe/Berlin", utc(2026, 10, 23), 4)
    assert days == [
        "10-23 00:30Z 02:30+0200",
        "10-24 00:30Z 02:30+0200",
        "10-25 00:30Z 02:30+0200",  # the first 02:30 only
        "10-26 01:30Z 02:30+0100",
    ]


def test_apscheduler_crontrigger_alone_would_send_twice_on_fall_back():
    """Why the wall-clock mapping exists: APScheduler 3's CronTrigger fires 02:30 twice."""
    from zoneinfo import ZoneInfo

    trigger = CronTrigger(hour=2, minute=30, timezone=ZoneInfo("Europe/Berlin"))
    first = trigger.get_next_fire_time(None, utc(2026, 10, 24, 12))
    second = trigger.get_next_fire_time(first, first)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)


def test_new_york_switch_days():
    spring = slots("daily at 02:30", "America/New_York", utc(2026, 3, 7), 3)
    assert spring == [
        "03-07 07:30Z 02:30-0500",
        "03-08 07:00Z 03:00-0400",
        "03-09 06:30Z 02:30-0400",
    ]
    fall = slots("daily at 01:30", "America/New_York", utc(2026, 10, 31), 3)
    assert fall == ["10-31 05:30Z 01:30-0400", "11-01 05:30Z 01:30-0400", "11-02 06:30Z 01:30-0500"]


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/Berlin", utc(2026, 3, 28, 23), 23),  # local midnight to midnight
        ("Europe/Berlin", utc(2026, 10, 24, 22), 24),  # 25 h, but 02:xx only once
        ("America/New_York", utc(2026, 3, 8, 5), 23),
        ("America/New_York", utc(2026, 11, 1, 4), 24),
    ],
)
def test_hourly_on_switch_days_has_no_duplicates(zone, day, hours):
    schedule = Schedule.of("hourly", zone)
    found = schedule.between(day - timedelta(seconds=1), day + timedelta(hours=25))
    in_day = [s for s in found if schedule.local(s).date() == schedule.local(day).date()]
    assert len(in_day) == len(set(in_day)) == hours
    assert found == sorted(found)


def test_latest_is_the_most_recent_slot_at_or_before_now():
    schedule = Schedule.of("daily at 07:00", "Europe/Berlin")
    slot = utc(2026, 11, 27, 6)  # 07:00 CET
    assert schedule.latest(slot) == slot
    assert schedule.latest(slot - timedelta(seconds=1)) == slot - timedelta(days=1)
    assert schedule.latest(slot + timedelta(hours=23)) == slot
    fall_back = Schedule.of("daily at 02:30", "Europe/Berlin")
    # 02:40 the second time (CET): the edition of 02:30 was due at the first 02:30 (CEST).
    assert fall_back.latest(utc(2026, 10, 25, 1, 40)) == utc(2026, 10, 25, 0, 30)


def test_period_is_the_time_between_slots():
    now = utc(2026, 11, 27, 12)
    assert Schedule.of("daily at 07:00", "UTC").period(now) == timedelta(days=1)
    assert Schedule.of("weekly on mon at 08:00", "UTC").period(now) == timedelta(days=7)
    assert Schedule.of("hourly", "UTC").period(now) == timedelta(hours=1)


def test_slot_trigger_feeds_apscheduler_each_slot_once_across_fall_back():
    trigger = SlotTrigger(Schedule.of("daily at 02:30", "Europe/Berlin"))
    fired = [trigger.get_next_fire_time(None, utc(2026, 10, 24, 0, 30))]
    for _ in range(2):
        previous = fired[-1]
        assert previous is not None
        fired.append(trigger.get_next_fire_time(previous, previous))
    assert fired == [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
    assert "daily at 02:30" in str(trigger)


def test_schedule_command_prints_next_times_in_each_lists_zone(tmp_path: Path):
    path = tmp_path / "digest.toml"
    path.write_text(
        'sender = "d@example.org"\ntimezone = "Europe/Berlin"\n'
        '[lists.morning]\ntitle = "M"\nschedule = "daily at 07:00"\n'
        '[lists.ny]\ntitle = "NY"\nschedule = "weekly on mon at 08:00"\n'
        'timezone = "America/New_York"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["schedule", "--config", str(path), "--count", "2"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "morning: 'daily at 07:00' in Europe/Berlin"
    assert lines[1].endswith(" 07:00 CET") or lines[1].endswith(" 07:00 CEST")
    assert lines[3] == "ny: 'weekly on mon at 08:00' in America/New_York"
    assert lines[4].startswith("  Mon ") and lines[4][-9:] in ("08:00 EST", "08:00 EDT")
    assert len(lines) == 6
