"""A rollout's maintenance window (central/rollout_window.py): parsing the admin's text,
whether a moment is inside it, and how much window time lies between two moments (what a
wave deadline counts)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from central.rollout_window import MaintenanceWindow, parse_window

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=zone)


def test_a_window_defaults_to_shanghai_and_is_written_back_the_same_way() -> None:
    """GIVEN "2:00-05:00", "02:00-05:00 Asia/Shanghai" and "22:30-04:00 UTC"
    WHEN they are parsed
    THEN the first two are the same window written "02:00-05:00 Asia/Shanghai", the third
    keeps its zone and crosses midnight."""
    assert parse_window("2:00-05:00").text == "02:00-05:00 Asia/Shanghai"
    assert parse_window("02:00-05:00 Asia/Shanghai") == parse_window("2:00-05:00")
    night = parse_window(" 22:30-04:00  UTC ")
    assert night.text == "22:30-04:00 UTC"
    assert night.contains(at(15, 23, 0, UTC)) and night.contains(at(16, 3, 59, UTC))
    assert not night.contains(at(15, 12, 0, UTC))


@pytest.mark.parametrize(("text", "says"), [
    ("25:00-05:00", "HH:MM-HH:MM"),
    ("02:00", "HH:MM-HH:MM"),
    ("02:00-02:00", "empty"),
    ("02:00-05:00 Mars/Olympus", "unknown time zone"),
    ("02:60-05:00", "HH:MM-HH:MM"),
])
def test_a_window_the_admin_mistyped_is_refused_saying_what_is_expected(text: str,
                                                                       says: str) -> None:
    """GIVEN a window with a bad hour, no end, no length, an unknown zone or bad minutes
    WHEN it is parsed
    THEN ValueError names the text and what was expected."""
    with pytest.raises(ValueError, match=says) as raised:
        parse_window(text)
    assert text.split()[0] in str(raised.value)


def test_a_moment_is_inside_from_the_start_up_to_but_not_at_the_end() -> None:
    """GIVEN the window 02:00-05:00 Shanghai
    WHEN moments around it are asked, one of them given in UTC
    THEN 02:00 and 04:59 are inside, 01:59 and 05:00 are not, and 19:30 UTC of the day
    before (03:30 in Shanghai) is inside."""
    window = parse_window("02:00-05:00")
    assert window.contains(at(16, 2)) and window.contains(at(16, 4, 59))
    assert not window.contains(at(16, 1, 59)) and not window.contains(at(16, 5))
    assert window.contains(at(15, 19, 30, UTC))


def test_window_time_between_two_moments_counts_only_the_open_hours() -> None:
    """GIVEN the window 02:00-05:00 Shanghai
    WHEN the open time from 10:30 on the 15th is asked up to 03:10 on the 16th, 05:30
    on the 16th and 03:10 on the 17th, and for a span inside one night
    THEN it is 1 h 10 min, 3 h, 4 h 10 min and that span; never negative."""
    window = parse_window("02:00-05:00")
    start = at(15, 10, 30)
    assert window.open_between(start, at(16, 3, 10)) == timedelta(hours=1, minutes=10)
    assert window.open_between(start, at(16, 5, 30)) == timedelta(hours=3)
    assert window.open_between(start, at(17, 3, 10)) == timedelta(hours=4, minutes=10)
    assert window.open_between(at(16, 2, 15), at(16, 2, 45)) == timedelta(minutes=30)
    assert window.open_between(at(16, 6), at(16, 5)) == timedelta(0)


def test_a_window_over_midnight_counts_both_sides_of_it() -> None:
    """GIVEN the window 23:00-01:00 Shanghai
    WHEN the open time from noon on the 15th to noon on the 16th is asked
    THEN it is 2 h (23:00 to 01:00 across midnight)."""
    window = MaintenanceWindow.parse("23:00-01:00")
    assert window.open_between(at(15, 12), at(16, 12)) == timedelta(hours=2)
