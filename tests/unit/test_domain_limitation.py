"""Last day of the labour arbitration limitation period (Art. 27; Civil Code 201-203)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kiosk.domain import checks
from kiosk.domain.limitation import add_years, is_time_barred, roll_forward


def test_one_year_ends_on_the_corresponding_date() -> None:
    """GIVEN the worker knew on 2024-03-15
    WHEN the deadline is computed (counting starts 2024-03-16)
    THEN the last day is 2025-03-15, the date corresponding to the day of knowing."""
    assert checks.limitation_deadline(date(2024, 3, 15)) == date(2025, 3, 15)


def test_leap_day_without_corresponding_date_ends_at_month_end() -> None:
    """GIVEN the worker knew on 2024-02-29
    WHEN the deadline is computed
    THEN it is 2025-02-28: Art. 202 takes the corresponding day of the final month, and
    February 2025 has no 29th, so the month's last day. Not 2025-03-01, which would
    leave the final month."""
    assert checks.limitation_deadline(date(2024, 2, 29)) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_holidays_roll_the_last_day_forward() -> None:
    """GIVEN knowledge on 2024-10-01 and the 2025 National Day holiday (Oct 1-8)
    WHEN the deadline is computed with that calendar
    THEN the last day is 2025-10-09, the day after the holiday ends."""
    holidays = {date(2025, 10, 1) + timedelta(days=i) for i in range(8)}
    assert checks.limitation_deadline(date(2024, 10, 1), holidays) == date(2025, 10, 9)
    assert checks.limitation_deadline(date(2024, 10, 1)) == date(2025, 10, 1)


def test_weekends_roll_only_when_passed_in() -> None:
    """GIVEN a deadline on Sunday 2025-03-16
    WHEN computed without a calendar, and with that weekend in the calendar
    THEN it stays on Sunday, and moves to Monday 2025-03-17."""
    assert date(2025, 3, 16).weekday() == 6
    assert checks.limitation_deadline(date(2024, 3, 16)) == date(2025, 3, 16)
    weekend = {date(2025, 3, 15), date(2025, 3, 16)}
    assert checks.limitation_deadline(date(2024, 3, 16), weekend) == date(2025, 3, 17)


def test_time_barred_only_after_the_last_day() -> None:
    """GIVEN knowledge on 2024-03-15
    WHEN asked on the last day and the day after
    THEN not barred on 2025-03-15, barred on 2025-03-16."""
    assert not is_time_barred(date(2024, 3, 15), date(2025, 3, 15))
    assert is_time_barred(date(2024, 3, 15), date(2025, 3, 16))


def test_a_calendar_blocking_a_whole_year_is_refused() -> None:
    """GIVEN a holiday set covering more than a year
    WHEN rolling forward
    THEN ValueError (a broken calendar, not a date far away)."""
    start = date(2025, 1, 1)
    with pytest.raises(ValueError):
        roll_forward(start, {start + timedelta(days=i) for i in range(400)})
