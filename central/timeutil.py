"""Time as central tells it: aware datetimes, stored as UTC, shown in Shanghai time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
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


class SettableClock:
    """A clock moved by hand (tests, the console's demo fleet), thread-safe: central
    reads it from its workers."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now += delta
