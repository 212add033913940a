"""AwareDateTime, the store's timestamp column type, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.dialects import sqlite

from kiosk.store.types import AwareDateTime, require_aware

DIALECT = sqlite.dialect()


def test_keeps_instant_offset_and_microseconds() -> None:
    """GIVEN an Asia/Shanghai datetime with microseconds
    WHEN it is turned into column text and back
    THEN the text carries +08:00 and the value equals the original, offset included."""
    moment = datetime(2026, 11, 22, 10, 15, 30, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))
    column = AwareDateTime()
    stored = column.process_bind_param(moment, DIALECT)
    assert stored == "2026-11-22T10:15:30.123456+08:00"
    loaded = column.process_result_value(stored, DIALECT)
    assert loaded == moment and loaded is not None
    assert loaded.utcoffset() == timedelta(hours=8)


def test_none_stays_none() -> None:
    """GIVEN a missing timestamp (e.g. not yet delivered)
    WHEN it is stored and loaded
    THEN it stays None both ways."""
    column = AwareDateTime()
    assert column.process_bind_param(None, DIALECT) is None
    assert column.process_result_value(None, DIALECT) is None


def test_naive_datetimes_are_refused() -> None:
    """GIVEN a datetime without a UTC offset
    WHEN it is stored or checked
    THEN ValueError says an aware datetime is needed."""
    naive = datetime(2026, 11, 22, 10, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="aware"):
        AwareDateTime().process_bind_param(naive, DIALECT)
    with pytest.raises(ValueError, match="now must be an aware"):
        require_aware(naive, "now")
    aware = naive.replace(tzinfo=UTC)
    assert require_aware(aware) is aware
