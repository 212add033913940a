"""Periods of the individual income tax payment record (docs/spec/tax-record.md#periods).

Months are "YYYY-MM". Records from 2019-01 are printed here; earlier periods get the old
certificate at the tax office counter only (E_PRE2019_COUNTER). A period ends no later
than the current month and spans at most ``max_months`` († 12 by default).
"""

from __future__ import annotations

import re
from datetime import date

from kiosk.errors import ErrorCode

FIRST_MONTH = "2019-01"
_FIRST = (2019, 1)  # FIRST_MONTH as (year, month)
MAX_MONTHS = 12
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


def parse_month(text: str) -> tuple[int, int] | None:
    """"2025-03" -> (2025, 3); None for anything else."""
    match = _MONTH.fullmatch(text.strip())
    return (int(match[1]), int(match[2])) if match else None


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_in(start: str, end: str) -> int:
    """Months from start to end, both counted ("2025-01".."2025-12" is 12)."""
    first, last = parse_month(start), parse_month(end)
    if first is None or last is None:
        raise ValueError("months are YYYY-MM")
    return _index(*last) - _index(*first) + 1


def check_period(start: str, end: str, today: date,
                 max_months: int = MAX_MONTHS) -> ErrorCode | None:
    """None when the period can be printed here, else E_PERIOD_INVALID (bad format, end
    before start, end after this month, longer than max_months) or E_PRE2019_COUNTER."""
    first, last = parse_month(start), parse_month(end)
    if first is None or last is None:
        return ErrorCode.PERIOD_INVALID
    if _index(*first) < _index(*_FIRST):
        return ErrorCode.PRE2019_COUNTER
    if _index(*last) < _index(*first) or _index(*last) > _index(today.year, today.month):
        return ErrorCode.PERIOD_INVALID
    if _index(*last) - _index(*first) + 1 > max_months:
        return ErrorCode.PERIOD_INVALID
    return None


def selectable_months(today: date, first: str = FIRST_MONTH) -> list[str]:
    """Every month a period may start or end in, newest first."""
    first_month = parse_month(first)
    if first_month is None:
        raise ValueError("months are YYYY-MM")
    newest, oldest = _index(today.year, today.month), _index(*first_month)
    return [_month(i) for i in range(newest, oldest - 1, -1)]


def end_months(start: str, today: date, max_months: int = MAX_MONTHS) -> list[str]:
    """The months a period beginning in ``start`` may end in, earliest first."""
    first = parse_month(start)
    if first is None:
        return []
    begin = _index(*first)
    newest = min(_index(today.year, today.month), begin + max_months - 1)
    return [_month(i) for i in range(begin, newest + 1)]


def default_period(today: date, max_months: int = MAX_MONTHS) -> tuple[str, str]:
    """The last ``max_months`` months up to this one, not before 2019-01."""
    newest = _index(today.year, today.month)
    oldest = max(newest - max_months + 1, _index(*_FIRST))
    return _month(oldest), _month(newest)
