"""Date, month and time pickers (kiosk.ui.picking, issue 15 item 7): the columns in the
order each language writes dates, and steps that never reach an impossible date."""

from __future__ import annotations

from datetime import date, time

import pytest

from kiosk.ui.picking import (
    DAY,
    HOUR,
    MINUTE,
    MONTH,
    YEAR,
    date_columns,
    month_columns,
    month_label,
    shown_date,
    shown_month,
    shown_time,
    step_date,
    step_month,
    step_time,
)


@pytest.mark.parametrize(("lang", "order"), [
    ("de", (DAY, MONTH, YEAR)),
    ("en", (DAY, MONTH, YEAR)),
    ("fr", (DAY, MONTH, YEAR)),
    ("es", (DAY, MONTH, YEAR)),
    ("ru", (DAY, MONTH, YEAR)),
    ("zh-Hans", (YEAR, MONTH, DAY)),
    ("ja", (YEAR, MONTH, DAY)),
    ("ko", (YEAR, MONTH, DAY)),
])
def test_date_columns_follow_the_languages_order(lang: str, order: tuple[str, ...]) -> None:
    """GIVEN a language WHEN the date picker lays out its columns THEN they run as that
    language writes a date (German day-month-year, Chinese year-month-day), and the
    month picker keeps the same order without the day."""
    assert date_columns(lang) == order
    assert month_columns(lang) == tuple(c for c in order if c != DAY)


def test_month_names_come_from_the_locale() -> None:
    """GIVEN March WHEN its column shows it THEN in the reader's words."""
    assert month_label(3, "de") == "März"
    assert month_label(3, "zh-Hans") == "三月"
    assert month_label(3, "ru") == "март"


def test_a_month_later_than_31_january_is_the_end_of_february() -> None:
    """GIVEN 31 January WHEN the month goes up by one THEN the day is clamped to the last
    day of February (29 in a leap year, 28 otherwise), never 30 or 31 February."""
    assert step_date(date(2024, 1, 31), MONTH, 1) == date(2024, 2, 29)
    assert step_date(date(2025, 1, 31), MONTH, 1) == date(2025, 2, 28)
    assert step_date(date(2024, 2, 29), YEAR, 1) == date(2025, 2, 28)
    assert step_date(date(2025, 3, 31), MONTH, -1) == date(2025, 2, 28)


def test_days_and_months_turn_round_within_their_column() -> None:
    """GIVEN the last day of a month, or December WHEN it goes up THEN the column starts
    again at 1 (a wheel), the other columns unchanged; and down from 1 to the end."""
    assert step_date(date(2025, 2, 28), DAY, 1) == date(2025, 2, 1)
    assert step_date(date(2025, 2, 1), DAY, -1) == date(2025, 2, 28)
    assert step_date(date(2025, 12, 15), MONTH, 1) == date(2025, 1, 15)
    assert step_month("2025-12", MONTH, 1) == "2025-01"
    assert step_month("2025-01", MONTH, -1) == "2025-12"
    assert step_month("2025-06", YEAR, -1) == "2024-06"


def test_time_steps_by_five_minutes_round_the_clock() -> None:
    """GIVEN a time WHEN minutes step THEN by five, onto the five-minute grid, turning
    round at the hour; hours turn round at midnight."""
    assert step_time(time(9, 55), MINUTE, 1) == time(9, 0)
    assert step_time(time(9, 32), MINUTE, 1) == time(9, 35)
    assert step_time(time(9, 32), MINUTE, -1) == time(9, 30)
    assert step_time(time(0, 0), MINUTE, -1) == time(0, 55)
    assert step_time(time(23, 10), HOUR, 1) == time(0, 10)


def test_the_choice_is_shown_in_full_in_the_readers_language() -> None:
    """GIVEN a chosen date, month and time WHEN shown under the picker THEN in full, as
    the language writes them, the time on the 24-hour clock."""
    assert shown_date(date(2025, 1, 31), "de") == "Freitag, 31. Januar 2025"
    assert shown_date(date(2025, 1, 31), "zh-Hans") == "2025年1月31日星期五"
    assert shown_month("2025-01", "fr") == "janvier 2025"
    assert shown_month("2025-01", "zh-Hans") == "2025年1月"
    assert shown_time(time(19, 5), "en") == "19:05"
    assert shown_time(time(7, 5), "ko") == "07:05"
