"""Tax record periods (docs/spec/tax-record.md#periods)."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.domain import tax
from kiosk.errors import ErrorCode

TODAY = date(2026, 5, 20)


@pytest.mark.parametrize("start, end", [("2025-06", "2026-05"), ("2019-01", "2019-01"),
                                        ("2026-05", "2026-05")])
def test_valid_periods(start: str, end: str) -> None:
    """GIVEN periods from 2019-01 up to this month, at most 12 months long
    WHEN checked
    THEN no error."""
    assert tax.check_period(start, end, TODAY) is None


@pytest.mark.parametrize("start, end", [("2018-12", "2019-03"), ("2010-01", "2010-02")])
def test_before_2019_goes_to_the_counter(start: str, end: str) -> None:
    """GIVEN a start before 2019-01
    WHEN checked
    THEN E_PRE2019_COUNTER."""
    assert tax.check_period(start, end, TODAY) == ErrorCode.PRE2019_COUNTER


@pytest.mark.parametrize("start, end", [
    ("2025-05", "2026-05"),  # 13 months
    ("2026-03", "2026-02"),  # end before start
    ("2026-05", "2026-06"),  # after this month
    ("2025-1", "2025-02"), ("2025-13", "2025-12"), ("202501", "202502"), ("", ""),
])
def test_invalid_periods(start: str, end: str) -> None:
    """GIVEN too long, reversed, future or malformed periods
    WHEN checked
    THEN E_PERIOD_INVALID."""
    assert tax.check_period(start, end, TODAY) == ErrorCode.PERIOD_INVALID


def test_maximum_span_is_a_parameter() -> None:
    """GIVEN a 13-month period
    WHEN checked with max_months 24
    THEN it passes; with 1, a 2-month period fails."""
    assert tax.check_period("2025-05", "2026-05", TODAY, max_months=24) is None
    assert tax.check_period("2026-04", "2026-05", TODAY, 1) == ErrorCode.PERIOD_INVALID


def test_month_lists() -> None:
    """GIVEN today and a start month
    WHEN the selectable months are listed
    THEN starts run newest first down to 2019-01, ends from the start to at most 12
    months or this month, and the default is the last 12 months."""
    assert tax.selectable_months(date(2019, 3, 5)) == ["2019-03", "2019-02", "2019-01"]
    assert len(tax.selectable_months(TODAY)) == 7 * 12 + 5
    assert tax.end_months("2025-09", TODAY) == ["2025-09", "2025-10", "2025-11", "2025-12",
                                                "2026-01", "2026-02", "2026-03", "2026-04",
                                                "2026-05"]
    assert tax.end_months("2024-01", TODAY)[-1] == "2024-12"
    assert tax.end_months("bad", TODAY) == []
    assert tax.default_period(TODAY) == ("2025-06", "2026-05")
    assert tax.default_period(date(2019, 5, 1)) == ("2019-01", "2019-05")
    assert tax.months_in("2025-06", "2026-05") == 12
