"""Alerts delivered to a webhook: a JSON POST for each raised and each cleared alert,
signed with HMAC-SHA256 over the body, retried with backoff when the receiver is away,
never in the way of heartbeats (central/alert_webhook.py). The receiver is a real HTTP
server on 127.0.0.1 (webhook_receiver.py)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests

from alerting import SECRET, THRESHOLDS, Alerting, alert_central, webhook
from tests.patience import PATIENCE_S
from webhook_receiver import WebhookReceiver

PAPER_OUT = {"printer": {"state": "fault", "reason": "paper_out"}}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hook = WebhookReceiver()
    try:
        yield hook
    finally:
        hook.close()


def _with_hook(central_db: str, clock, keys, http: requests.Session,
               url: str) -> Iterator[Alerting]:
    settings = THRESHOLDS.with_webhook(webhook(url))
    with alert_central(central_db, clock, settings) as server:
        yield Alerting(server, http, clock, keys.admin_token)


@pytest.fixture
def alerting(central_db: str, clock, keys, http: requests.Session,
             receiver: WebhookReceiver) -> Iterator[Alerting]:
    yield from _with_hook(central_db, clock, keys, http, receiver.url)


def test_raise_and_clear_are_delivered_once_each_signed(alerting: Alerting,
                                                       receiver: WebhookReceiver) -> None:
    """GIVEN a webhook URL and secret
    WHEN a kiosk runs out of paper (three rounds), then gets a new roll (two rounds)
    THEN the receiver gets exactly two POSTs: alert.raised then alert.cleared of one
    incident, each with a valid HMAC signature and its own delivery id; the alert list
    shows both deliveries delivered."""
    alerting.beat("SH-HOOK-1", devices=PAPER_OUT)
    for _ in range(3):
        alerting.round()
    alerting.later(1)
    alerting.beat("SH-HOOK-1")
    for _ in range(2):
        alerting.round()

    got = receiver.wait_for(2)
    assert [r.json["event"] for r in got] == ["alert.raised", "alert.cleared"]
    assert all(r.signed_with(SECRET) for r in got)
    assert not got[0].signed_with("another secret")
    assert got[0].headers["content-type"] == "application/json"
    assert got[0].headers["x-kiosk-delivery"] != got[1].headers["x-kiosk-delivery"]
    incident = {r.json["alert"]["incident_id"] for r in got}
    assert len(incident) == 1
    assert got[0].json["alert"]["kind"] == "paper_out"
    assert got[0].json["alert"]["kiosk_id"] == "SH-HOOK-1"
    assert got[1].json["alert"]["cleared_at"] is not None
    [alert] = alerting.alerts("cleared")
    assert alert["webhook"] == {"raised": "delivered", "cleared": "delivered"}


def test_receiver_away_then_back_gets_the_alert_after_the_backoff(
        central_db: str, clock, keys, http: requests.Session) -> None:
    """GIVEN a webhook whose port refuses connections (bound, not listening)
    WHEN an alert is raised, the receiver starts listening on that port, and rounds run
    before and after the delivery's backoff (60 s) has passed
    THEN the first attempt fails and is kept pending; nothing is sent again before the
    backoff; after it the receiver gets the alert exactly once, recorded delivered."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    receiver: WebhookReceiver | None = None
    try:
        for alerting in _with_hook(central_db, clock, keys, http, url):
            alerting.beat("SH-HOOK-2", devices=PAPER_OUT)
            alerting.round()
            [alert] = alerting.alerts()
            assert alert["webhook"] == {"raised": "pending"}
            receiver = WebhookReceiver(sock)
            alerting.round()
            assert receiver.received == []
            clock.advance(timedelta(seconds=61))
            alerting.round()
            got = receiver.wait_for(1)
            alerting.later(5)
            alerting.round()
            assert [r.json["event"] for r in receiver.received] == ["alert.raised"]
            assert got[0].signed_with(SECRET)
            assert alerting.alerts()[0]["webhook"] == {"raised": "delivered"}
    finally:
        if receiver is not None:
            receiver.close()
        else:
            sock.close()


def test_a_slow_receiver_does_not_hold_heartbeats(central_db: str, clock, keys,
                                                  http: requests.Session) -> None:
    """GIVEN a receiver that holds every POST until the test lets it go
    WHEN a round delivers an alert to it, and a kiosk beats while the delivery hangs
    THEN the heartbeat is answered at once; the delivery completes once released."""
    gate = threading.Event()
    receiver = WebhookReceiver(gate=gate)
    try:
        for alerting in _with_hook(central_db, clock, keys, http, receiver.url):
            alerting.beat("SH-HOOK-3", devices=PAPER_OUT)
            delivering = threading.Thread(target=alerting.round)
            delivering.start()
            receiver.wait_for(1)  # the POST arrived and is held
            started = time.monotonic()
            alerting.beat("SH-HOOK-4")
            answered_s = time.monotonic() - started
            gate.set()
            delivering.join(PATIENCE_S)
            assert not delivering.is_alive()
            assert answered_s < PATIENCE_S / 3
            assert alerting.alerts()[0]["webhook"] == {"raised": "delivered"}
    finally:
        gate.set()
        receiver.close()
