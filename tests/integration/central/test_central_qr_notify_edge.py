"""The providers' notification endpoints at central's edge: no credential, the
provider's signature is the authentication; an unknown order, an unreadable or
oversized body is refused (400, 413) and logged with central's reason only."""

from __future__ import annotations

import logging
import secrets

import requests

from hardware.sim.qrpay import Provider
from qr_helpers import eventually
from tests.patience import PATIENCE_S


def test_a_notification_about_an_order_central_never_made_is_refused(qr, caplog):
    """GIVEN an Alipay order central never opened (made straight at the provider),
    naming central's notify URL
    WHEN the person pays it and Alipay notifies central
    THEN central refuses it (unknown_order), the provider gets no acknowledgement, and
    the log names the reason, not the order number the notification carries."""
    caplog.set_level(logging.INFO, logger="central")
    number = "QFOREIGN" + secrets.token_hex(8).upper()
    order = qr.sim.bank.show(Provider.ALIPAY, number, 500, "not ours",
                             f"{qr.url}/v1/qrpay/notify/alipay")
    qr.sim.bank.pay_shown(order.qr_content)
    delivery = eventually(lambda: next((d for d in qr.sim.notifier.deliveries()
                                        if d["order_id"] == number and d["attempts"]), None))
    assert not delivery["acknowledged"]
    lines = [r.getMessage() for r in caplog.records if "notification refused" in
             r.getMessage()]
    assert any("unknown_order" in line for line in lines)
    assert not any(number in line for line in lines)


def test_an_unreadable_notification_is_refused(qr):
    """GIVEN bytes that are no notification
    WHEN they are posted to each provider's notify URL
    THEN each is 400 E_REQUEST_REJECTED with central's reason."""
    for provider in ("alipay", "wechat", "unionpay"):
        answer = requests.post(f"{qr.url}/v1/qrpay/notify/{provider}", data=b"\xff\x00junk",
                               headers={"Content-Type": "application/json"}, timeout=PATIENCE_S)
        assert answer.status_code == 400, provider
        assert answer.json()["code"] == "E_REQUEST_REJECTED"
        assert answer.json()["detail"]["reason"] in ("unreadable", "bad_signature")


def test_an_oversized_notification_is_refused_unread(qr):
    """GIVEN a body over the notification limit (16 KiB)
    WHEN it is posted
    THEN central answers 413 before verifying anything."""
    answer = requests.post(f"{qr.url}/v1/qrpay/notify/wechat", data=b"{" + b" " * 20_000,
                           timeout=PATIENCE_S)
    assert answer.status_code == 413
    assert answer.json()["detail"]["limit_bytes"] == "16384"


def test_an_unknown_provider_has_no_notify_url(qr):
    """GIVEN a provider central does not know
    WHEN something posts to its notify URL
    THEN it is 422 (the path names no provider), nothing is read."""
    answer = requests.post(f"{qr.url}/v1/qrpay/notify/paypal", data=b"x=1", timeout=PATIENCE_S)
    assert answer.status_code == 422
