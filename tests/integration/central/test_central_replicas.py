"""Two centrals on one PostgreSQL database (two real servers on 127.0.0.1, as two
replicas behind a reverse proxy would be), both schedulers running on their own
threads: one alert per incident, one webhook POST per event (docs/deployment.md)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from alerting import THRESHOLDS, Alerting, alert_central, webhook
from central.scheduler import Scheduler
from central.server import CentralServer
from central_pg_server import ThrowawayPostgres
from conftest import AuthSession, CentralKeys
from tests.patience import PATIENCE_S
from webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces


@pytest.fixture
def shared_db(postgres_server: ThrowawayPostgres) -> Iterator[str]:
    name = postgres_server.create_database()
    try:
        yield postgres_server.url_for(name)
    finally:
        postgres_server.drop_database(name)


def _tries(server: CentralServer) -> int:
    assert server.app is not None
    scheduler: Scheduler = server.app.state.scheduler
    return scheduler.tries


def _wait_rounds(servers: list[CentralServer], more: int) -> None:
    """Until a replica's scheduler has tried ``more`` further rounds (the lease holder
    may be stuck in a delivery the receiver holds: the other one goes on trying)."""
    targets = [_tries(s) + more for s in servers]
    deadline = time.monotonic() + PATIENCE_S
    while all(_tries(s) < t for s, t in zip(servers, targets, strict=True)):
        assert time.monotonic() < deadline, "the schedulers stopped trying rounds"
        time.sleep(0.01)


def test_two_replicas_raise_and_deliver_one_alert_per_incident(shared_db: str,
                                                               clock) -> None:
    """GIVEN two centrals on one PostgreSQL database, schedulers every 20 ms, a webhook
    receiver that holds each POST while the schedulers try ten more rounds
    WHEN a kiosk beating to the first falls silent for 9 minutes, then beats to the
    second
    THEN one kiosk_offline alert exists, the receiver gets one alert.raised and later
    one alert.cleared of that incident, never two (the replica without the lease sends
    nothing while the holder waits on the receiver)."""
    gate = threading.Event()
    receiver = WebhookReceiver(gate=gate)
    keys = CentralKeys(shared_db)
    settings = THRESHOLDS.with_webhook(webhook(receiver.url))
    try:
        with alert_central(shared_db, clock, settings, interval_s=0.02) as one, \
                alert_central(shared_db, clock, settings, interval_s=0.02) as two, \
                AuthSession(keys) as http:
            first = Alerting(one, http, clock, keys.admin_token)
            second = Alerting(two, http, clock, keys.admin_token)
            first.beat("SH-REP-1")
            first.later(9)
            receiver.wait_for(1)
            _wait_rounds([one, two], 10)
            gate.set()
            _wait_rounds([one, two], 10)
            assert [a["kind"] for a in second.alerts("all")] == ["kiosk_offline"]
            assert len(receiver.received) == 1

            gate.clear()
            second.beat("SH-REP-1")
            receiver.wait_for(2)
            _wait_rounds([one, two], 10)
            gate.set()
            _wait_rounds([one, two], 10)
            events = receiver.events()
            assert [e["event"] for e in events] == ["alert.raised", "alert.cleared"]
            assert events[0]["alert"]["incident_id"] == events[1]["alert"]["incident_id"]
    finally:
        gate.set()
        keys.close()
        receiver.close()
