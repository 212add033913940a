"""Refused notifications are counted per client like failed authentication: once a
client has used them up, its notifications are 429 before they are read; notifications
central takes are never counted (central/ratelimit.py)."""

from __future__ import annotations

import pytest
import requests

from central.ratelimit import Rate, RateLimits
from kiosk.domain.qr import QrProvider, QrState
from qr_helpers import ctx, eventually, kiosk_client, show
from tests.patience import PATIENCE_S


@pytest.fixture(scope="module")
def qr_rate_limits() -> RateLimits:
    return RateLimits(notify_failures_per_client=(Rate(3, 3600),))


def test_a_client_sending_bad_notifications_is_held_off(qr):
    """GIVEN a limit of 3 refused notifications an hour per client
    WHEN four genuine notifications are taken, then bad ones come from the same client
    THEN the genuine ones count nothing; the first three bad ones are refused (400), the
    fourth is 429 E_RATE_LIMITED with Retry-After."""
    kiosk = kiosk_client(qr.url, qr.keys.credential("SH-CN-0001"))
    for _ in range(4):
        request = show(QrProvider.UNIONPAY, "5.00")
        qr.sim.bank.pay_shown(kiosk.create(ctx(), request).qr_content)
        eventually(lambda: qr.order_row(request.order_id).notified_at)  # noqa: B023
        assert kiosk.get(ctx(), request.order_id).state is QrState.PAID
    statuses = [requests.post(f"{qr.url}/v1/qrpay/notify/unionpay", data=b"a=b&signature=x",
                              timeout=PATIENCE_S) for _ in range(4)]
    assert [answer.status_code for answer in statuses] == [400, 400, 400, 429]
    held_off = statuses[-1]
    assert held_off.json()["detail"]["limit"] == "notification_failures"
    assert int(held_off.headers["Retry-After"]) > 0
