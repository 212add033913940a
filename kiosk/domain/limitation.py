"""Limitation period of a labour dispute (Labour Dispute Mediation and Arbitration Law
Art. 27, docs/spec/arbitration.md#limitation) with the Civil Code's rules for the last
day (Arts. 201-203).

- Art. 201: the day of the event is not counted; the period starts the next day.
- Art. 202: a period in years ends on the corresponding date (same month and day) of the
  final year; if that month has no such day, on the last day of the month. So knowing
  on 2024-03-15 gives 2025-03-15, and knowing on 2024-02-29 gives 2025-02-28.
- Art. 203: a last day that is a statutory holiday moves to the day after the holiday.
  † Which days are holidays is the caller's calendar: pass them in ``holidays``. Weekends
  roll forward only when they are in that set, because China moves working days onto
  weekends around holidays (调休), so no weekday rule is right.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection
from datetime import date, timedelta

LIMITATION_YEARS = 1  # Art. 27
_ROLL_FORWARD_LIMIT = 366  # a calendar that blocks a whole year is a broken calendar


def add_years(start: date, years: int) -> date:
    """The corresponding date ``years`` later, or the month's last day if there is none."""
    year = start.year + years
    last_day = calendar.monthrange(year, start.month)[1]
    return date(year, start.month, min(start.day, last_day))


def roll_forward(day: date, holidays: Collection[date]) -> date:
    """The first day on or after ``day`` that is not in ``holidays``."""
    blocked = frozenset(holidays)
    for _ in range(_ROLL_FORWARD_LIMIT):
        if day not in blocked:
            return day
        day += timedelta(days=1)
    raise ValueError("the holiday calendar blocks more than a year")


def limitation_deadline(knew: date, holidays: Collection[date] = (),
                        years: int = LIMITATION_YEARS) -> date:
    """The last day on which a claim can still be filed when the worker knew (or should
    have known) of the infringement on ``knew``."""
    return roll_forward(add_years(knew, years), holidays)


def is_time_barred(knew: date, today: date, holidays: Collection[date] = (),
                   years: int = LIMITATION_YEARS) -> bool:
    return limitation_deadline(knew, holidays, years) < today
