"""A rollout's maintenance window: the daily hours in which its kiosks may be given it.

The admin writes ``HH:MM-HH:MM`` and optionally an IANA zone (default Asia/Shanghai):
``02:00-05:00``, ``22:30-04:00 UTC`` (an end before the start crosses midnight). A moment
is inside from the start up to, not including, the end. ``open_between`` is the window
time between two moments: a wave deadline counts only that (central/rollout_waves.py), so
a deadline of 4 h with a 3 h window spans two nights.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"
WINDOW_MAX_CHARS = 80
_SHAPE = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])-([01]?[0-9]|2[0-3]):([0-5][0-9])"
                    r"(?:\s+(\S+))?$")
EXPECTED = "expected HH:MM-HH:MM with an optional time zone, e.g. 02:00-05:00 Asia/Shanghai"


@dataclass(frozen=True)
class MaintenanceWindow:
    start: time
    end: time
    zone: str

    @classmethod
    def parse(cls, text: str) -> MaintenanceWindow:
        return parse_window(text)

    @property
    def text(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M} {self.zone}"

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.zone)).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def open_between(self, since: datetime, until: datetime) -> timedelta:
        """Window time in [since, until): each day's opening intersected with the span."""
        if until <= since:
            return timedelta(0)
        zone = ZoneInfo(self.zone)
        total = timedelta(0)
        day = since.astimezone(zone).date() - timedelta(days=1)  # an opening over midnight
        last = until.astimezone(zone).date()
        while day <= last:
            opens = datetime.combine(day, self.start, zone)
            closes = datetime.combine(day + timedelta(days=0 if self.start < self.end else 1),
                                      self.end, zone)
            overlap = min(closes, until) - max(opens, since)
            if overlap > timedelta(0):
                total += overlap
            day += timedelta(days=1)
        return total


def parse_window(text: str) -> MaintenanceWindow:
    """The window the admin wrote; ValueError naming the text and what was expected."""
    shown = text.strip()[:WINDOW_MAX_CHARS]
    match = _SHAPE.match(" ".join(text.split()))
    if match is None:
        raise ValueError(f"maintenance window {shown!r}: {EXPECTED}")
    start = time(int(match[1]), int(match[2]))
    end = time(int(match[3]), int(match[4]))
    zone = match[5] or DEFAULT_ZONE
    if start == end:
        raise ValueError(f"maintenance window {shown!r} is empty (start equals end)")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"maintenance window {shown!r}: unknown time zone {zone!r} "
                         "(an IANA name such as Asia/Shanghai)") from None
    return MaintenanceWindow(start, end, zone)
