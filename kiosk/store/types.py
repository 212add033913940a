"""Column types SQLite lacks: aware datetimes stored faithfully.

SQLite has no time zone type and SQLAlchemy's DateTime drops the offset there, so a
payment taken at 10:00+08:00 would come back as a naive 10:00. AwareDateTime stores the
ISO 8601 text with its offset instead; SQLite's own date functions (julianday) read that
text as the right instant, which is what the store orders by.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# "2026-11-22T10:00:00.000000+08:00" is 32 characters.
_ISO_LENGTH = 32


class AwareDateTime(TypeDecorator[datetime]):
    """An aware datetime as ISO 8601 text with its UTC offset.

    What comes back equals what went in (same instant, same offset); a zone such as
    Asia/Shanghai comes back as the fixed offset it had (+08:00). Naive datetimes are
    refused: a timestamp without an offset is ambiguous on the wire and on a slip.
    """

    impl = String(_ISO_LENGTH)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("the store keeps aware datetimes only (with a UTC offset)")
        return value.isoformat(timespec="microseconds")

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(str(value))


def require_aware(moment: datetime, what: str = "timestamp") -> datetime:
    """Refuse a naive datetime before it reaches SQL, with a message naming the argument."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime (with a UTC offset)")
    return moment
