"""A bill payment the kiosk records as paid by QR (BillPaymentRecord.method and
provider_txn_id) is checked against central's QR order of the same reference: recorded
whatever it finds (the money is taken), flagged for review when the order does not back
it (docs/payments-qr.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
import requests

from hardware.sim.qrpay import Provider
from kiosk.domain.qr import QrProvider, QrState
from qr_helpers import SHANGHAI, ctx, kiosk_client, new_reference, scan, show
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

QR_REASONS = {"qr_order_unknown", "qr_provider_differs", "qr_order_not_paid",
              "qr_amount_differs", "qr_txn_differs"}


def record(reference: str, amount: str, method: str | None,
           provider_txn_id: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "reference": reference, "kiosk_id": "SH-CN-0001", "session_id": "S-QR",
        "lang": "en", "biller_id": "sh-gas", "account_no": "20123456",
        "bill_ids": ["sh-gas-x"], "amount": amount,
        "paid_at": datetime.now(SHANGHAI).isoformat(), "response_code": "00"}
    if method is not None:
        fields.update(method=method, provider_txn_id=provider_txn_id)
    return fields


def recorded(qr, body: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(f"{qr.url}/v1/bill-payments", json=body,
                           headers={**qr.headers(), "Idempotency-Key": uuid.uuid4().hex},
                           timeout=PATIENCE_S)
    assert answer.status_code == 201, answer.text
    stored = requests.get(f"{qr.url}/v1/bill-payments/{body['reference']}",
                          headers=qr.headers(), timeout=PATIENCE_S)
    assert stored.status_code == 200
    return stored.json()


@pytest.fixture
def paid_order(qr):
    """A WeChat Pay order of 63.00 paid by the person's code: (reference, txn id)."""
    kiosk = kiosk_client(qr.url, qr.keys.credential("SH-CN-0001"))
    request = scan(QrProvider.WECHAT, qr.sim.bank.codes.issue(Provider.WECHAT), "63.00")
    order = kiosk.create(ctx(), request)
    assert order.state is QrState.PAID
    return request.order_id, order.provider_txn_id


def test_a_qr_payment_its_order_backs_is_recorded_with_its_method(qr, paid_order):
    """GIVEN central's WeChat Pay order of the reference, paid, 63.00
    WHEN the kiosk records the bill payment as paid by WeChat Pay with that transaction
    THEN it is recorded with its method and transaction id, and no QR reason to review."""
    reference, txn = paid_order
    stored = recorded(qr, record(reference, "63.00", "wechat", txn))
    assert (stored["method"], stored["provider_txn_id"]) == ("wechat", txn)
    assert not QR_REASONS & set(stored["review_reasons"])


@pytest.mark.parametrize(("change", "reasons"), [
    ({"amount": "64.00"}, {"qr_amount_differs"}),
    ({"method": "alipay"}, {"qr_provider_differs"}),
    ({"provider_txn_id": "4200000000000000000000"}, {"qr_txn_differs"}),
])
def test_a_qr_payment_its_order_does_not_back_is_flagged(qr, paid_order, change, reasons):
    """GIVEN central's paid WeChat Pay order of 63.00
    WHEN the kiosk records it with another amount, provider or transaction
    THEN it is recorded all the same and flagged for review with the reason."""
    reference, txn = paid_order
    body = {**record(reference, "63.00", "wechat", txn), **change}
    stored = recorded(qr, body)
    assert stored["needs_review"] and QR_REASONS & set(stored["review_reasons"]) == reasons


def test_a_qr_payment_without_an_order_or_of_a_closed_one_is_flagged(qr):
    """GIVEN no QR order of one reference, and a closed (unpaid) order of another
    WHEN the kiosk records bill payments by Alipay under them
    THEN both are recorded and flagged: qr_order_unknown, qr_order_not_paid."""
    unknown = recorded(qr, record(new_reference(), "10.00", "alipay", "2026X"))
    assert QR_REASONS & set(unknown["review_reasons"]) == {"qr_order_unknown"}
    kiosk = kiosk_client(qr.url, qr.keys.credential("SH-CN-0001"))
    request = show(QrProvider.ALIPAY, amount="10.00")
    kiosk.create(ctx(), request)
    assert kiosk.close(ctx(), request.order_id).state is QrState.CLOSED
    closed = recorded(qr, record(request.order_id, "10.00", "alipay", None))
    assert QR_REASONS & set(closed["review_reasons"]) == {"qr_order_not_paid"}


def test_a_card_payment_is_not_checked_against_qr_orders(qr):
    """GIVEN a card payment (no method)
    WHEN the kiosk records it
    THEN no QR reason applies and its method is empty."""
    stored = recorded(qr, record(new_reference(), "10.00", None, None))
    assert stored["method"] is None and not QR_REASONS & set(stored["review_reasons"])
