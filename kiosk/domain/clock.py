"""Time as the kiosk tells it: aware datetimes in the configured zone (+08:00)."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_timedelta

from kiosk.domain.languages import language

# The kiosk's zone unless kiosk.timezone says otherwise: every time the kiosk shows,
# logs, prints or sends carries its offset (+08:00).
DEFAULT_ZONE = "Asia/Shanghai"


class SystemClock:
    def __init__(self, timezone: str = DEFAULT_ZONE) -> None:
        self.zone = ZoneInfo(timezone)

    def now(self) -> datetime:
        return datetime.now(self.zone)


def machine_timestamp(moment: datetime, timespec: str = "seconds") -> str:
    """Time for logs, diagnostics and technicians: ISO 8601 with the offset
    ("2026-11-22T10:15:30+08:00"). The person-facing twin is format_timestamp."""
    if moment.tzinfo is None:
        raise ValueError("a timestamp without its offset is ambiguous")
    return moment.isoformat(timespec=timespec)


def format_timestamp(moment: datetime, lang: str) -> str:
    """Date and time for slips and screens, in the reader's locale, with the UTC offset."""
    text = format_datetime(moment, "medium", locale=language(lang).locale)
    offset = moment.strftime("%z")
    return f"{text} (UTC{offset[:3]}:{offset[3:]})" if offset else text


def format_day(day: date, lang: str) -> str:
    """A date on screens, in the reader's locale ("12 août 1964", "1964年8月12日")."""
    return str(format_date(day, "medium", locale=language(lang).locale))


def format_wait(seconds: float, lang: str) -> str:
    """How long to wait, in the reader's words, never shorter than the wait: seconds
    under a minute ("45 seconds"), else whole minutes rounded up ("3 Minuten"), from an
    hour on whole hours ("1小时")."""
    seconds = max(1, math.ceil(seconds))
    if seconds >= 60:
        step = 3600 if seconds >= 3600 else 60
        seconds = math.ceil(seconds / step) * step
    return str(format_timedelta(timedelta(seconds=seconds), threshold=1, format="long",
                                locale=language(lang).locale))


def format_duration(seconds: float) -> str:
    """How long something lasted, for logs and technicians (not translated): "45 s",
    "12 min 5 s", "3 h 2 min", "2 d 3 h", two units at most."""
    whole = max(0, round(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    shown = parts[:2] if parts[1:] and parts[1][0] else parts[:1]
    return " ".join(f"{value} {unit}" for value, unit in shown)
