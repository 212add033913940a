"""The forwarder's wait between rounds: the interval, or exponential backoff with jitter."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from kiosk.services.ports import PendingRecord
from kiosk.sync.forwarder import DrainReport, OutboxForwarder


class EmptyStore:
    def pending(self, limit: int) -> list[PendingRecord]:
        return []

    def mark_delivered(self, idempotency_key: str, central_ref: str | None, now: datetime,
                       record_status: str | None = None,
                       detail: dict[str, str] | None = None) -> None:
        raise AssertionError("nothing to deliver")

    def mark_rejected(self, idempotency_key: str, reason: str, now: datetime,
                      detail: dict[str, str] | None = None) -> None:
        raise AssertionError("nothing to reject")

    def mark_attempt(self, idempotency_keys: list[str], error: str, now: datetime) -> None:
        raise AssertionError("nothing to attempt")

    def depth(self) -> int:
        return 0


class NoDelivery:
    def deliver(self, records):  # type: ignore[no-untyped-def]
        raise AssertionError("an empty outbox sends nothing")


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 1, 1).astimezone()


def forwarder(seed: int = 1) -> OutboxForwarder:
    return OutboxForwarder(EmptyStore(), NoDelivery(), Clock(), interval_s=5.0, batch_size=10,
                           backoff_max_s=60.0, rng=random.Random(seed))


def test_healthy_forwarder_waits_the_interval():
    """GIVEN no failures  WHEN the next delay is asked  THEN it is the interval."""
    assert forwarder().next_delay() == 5.0


@pytest.mark.parametrize(("failures", "ceiling"), [(1, 5.0), (2, 10.0), (3, 20.0), (4, 40.0),
                                                   (5, 60.0), (50, 60.0)])
def test_backoff_doubles_with_jitter_up_to_the_maximum(failures, ceiling):
    """GIVEN n consecutive failures
    WHEN the next delay is asked many times
    THEN it stays between half and all of min(max, interval * 2**(n-1)) and varies."""
    f = forwarder()
    f.consecutive_failures = failures
    delays = [f.next_delay() for _ in range(200)]
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len(set(delays)) > 100


def test_empty_outbox_drains_to_nothing():
    """GIVEN an empty outbox  WHEN drained  THEN nothing is sent and the report is empty."""
    assert forwarder().drain_once() == DrainReport()


def test_invalid_settings_are_refused():
    """GIVEN a zero batch size  WHEN the forwarder is built  THEN ValueError."""
    with pytest.raises(ValueError):
        OutboxForwarder(EmptyStore(), NoDelivery(), Clock(), interval_s=1, batch_size=0,
                        backoff_max_s=1)
