"""Time as central tells it: aware datetimes, stored as UTC, shown in Shanghai time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime."""
        ...


class ShanghaiClock:
    def now(self) -> datetime:
        return datetime.now(SHANGHAI)


def in_shanghai(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("central works with aware datetimes only")
    return moment.astimezone(SHANGHAI)


def to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("central works with aware datetimes only")
    return moment.astimezone(UTC)
