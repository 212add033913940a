"""What the date, month and time pickers show and how their columns step (issue 15,
item 7; docs/ui-guide.md#dates-and-times). Pure: Babel and the standard library, no
Kivy, so the order per language and the clamping are tested on their own.

The answers stay what the keypad made of them before (a ``date``, "YYYY-MM", a
``time``): only the way of choosing them changed."""

from __future__ import annotations

import calendar
import re
from datetime import date, time

from babel.dates import format_date, format_skeleton, get_date_format, get_month_names

from kiosk.domain.languages import language

DAY, MONTH, YEAR = "day", "month", "year"
HOUR, MINUTE = "hour", "minute"
MINUTE_STEP = 5  # a registration asks the time to the quarter hour at best
_FIELD_LETTERS = {"d": DAY, "M": MONTH, "L": MONTH, "y": YEAR}


def date_columns(lang: str) -> tuple[str, ...]:
    """The columns in the order the language writes a date (CLDR's medium pattern, quoted
    literals left out): day-month-year in German, year-month-day in Chinese."""
    pattern = re.sub(r"'[^']*'", "", get_date_format("medium", locale=language(lang).locale)
                     .pattern)
    order: list[str] = []
    for letter in pattern:
        field = _FIELD_LETTERS.get(letter)
        if field is not None and field not in order:
            order.append(field)
    return tuple(order)


def month_columns(lang: str) -> tuple[str, ...]:
    return tuple(column for column in date_columns(lang) if column != DAY)


def month_label(month: int, lang: str) -> str:
    """A month by name, as it stands alone in a column ("März", "三月")."""
    return str(get_month_names("wide", context="stand-alone",
                               locale=language(lang).locale)[month])


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _turned(value: int, delta: int, first: int, last: int) -> int:
    """One step on a wheel from ``first`` to ``last``: past the end it starts again."""
    return first + (value - first + delta) % (last - first + 1)


def step_date(value: date, column: str, delta: int) -> date:
    """One step of one column. Days and months turn round within their column, years
    go on; a day the month does not have becomes its last (31 January + 1 month is 28
    or 29 February), so no impossible date is ever shown."""
    if column == DAY:
        last = calendar.monthrange(value.year, value.month)[1]
        return value.replace(day=_turned(value.day, delta, 1, last))
    if column == MONTH:
        return _clamped(value.year, _turned(value.month, delta, 1, 12), value.day)
    if column == YEAR:
        return _clamped(value.year + delta, value.month, value.day)
    raise ValueError(column)


def step_month(value: str, column: str, delta: int) -> str:
    """The same for a month answer ("YYYY-MM")."""
    chosen = step_date(date.fromisoformat(f"{value}-01"), column, delta)
    return f"{chosen:%Y-%m}"


def step_time(value: time, column: str, delta: int) -> time:
    """Hours turn round at midnight; minutes step by MINUTE_STEP onto that grid (9:32
    goes up to 9:35 and down to 9:30) and turn round at the hour."""
    if column == HOUR:
        return value.replace(hour=(value.hour + delta) % 24)
    if column == MINUTE:
        slot = value.minute // MINUTE_STEP
        if delta < 0 and value.minute % MINUTE_STEP:
            delta += 1  # off the grid: down goes to the slot it is in
        return value.replace(minute=(slot + delta) % (60 // MINUTE_STEP) * MINUTE_STEP)
    raise ValueError(column)


def start_time(now: time) -> time:
    """Where the time picker starts without an answer: now, on the five-minute grid."""
    return now.replace(minute=now.minute // MINUTE_STEP * MINUTE_STEP, second=0,
                       microsecond=0)


def shown_date(value: date, lang: str) -> str:
    """The chosen date in full ("Freitag, 31. Januar 2025", "2025年1月31日星期五")."""
    return str(format_date(value, "full", locale=language(lang).locale))


def shown_month(value: str, lang: str) -> str:
    """The chosen month ("janvier 2025", "2025年1月")."""
    return str(format_skeleton("yMMMM", date.fromisoformat(f"{value}-01"),
                               locale=language(lang).locale))


def shown_time(value: time, lang: str) -> str:
    """The chosen time on the 24-hour clock, as the language writes it ("19:05")."""
    return str(format_skeleton("Hm", value, locale=language(lang).locale))
