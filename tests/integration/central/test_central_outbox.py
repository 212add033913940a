"""The outbox endpoint over real HTTP: one result per record, each in its own
transaction, sharing idempotency with /v1/bill-payments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

WATER_BILLS = ("sh-water-202511-01", "sh-water-202512-01")


def outbox_record(message):
    return {"idempotency_key": message.idempotency_key, "kind": message.kind,
            "created_at": message.created_at.isoformat(), "payload": message.payload}


def post_batch(http, url, messages, kiosk_id="SH-CN-0001"):
    return http.post(f"{url}/v1/outbox", timeout=PATIENCE_S, headers={"X-Kiosk-Id": kiosk_id},
                     json={"kiosk_id": kiosk_id, "records": [outbox_record(m) for m in messages]})


def payment_count(http, url):
    return len(http.get(f"{url}/v1/admin/payments", timeout=PATIENCE_S).json()["payments"])


def test_batch_answers_accepted_duplicate_rejected_in_order(http, central_url, make_payment,
                                                           outbox_message):
    """GIVEN a payment already delivered
    WHEN a batch arrives with a new payment, that payment again, and a record whose
    payload is invalid (no amount)
    THEN the results, in order, are accepted, duplicate (same central_ref) and rejected
    with E_REQUEST_REJECTED; central holds two payments."""
    old = outbox_message(make_payment(bill_ids=WATER_BILLS))
    first = post_batch(http, central_url, [old]).json()["results"][0]
    assert first["status"] == "accepted"

    new = outbox_message(make_payment(biller_id="sh-power", account_no="0123456789",
                                      bill_ids=("sh-power-202512-03",)))
    broken_payment = make_payment()
    payload = broken_payment.outbox_payload(broken_payment.created_at)
    del payload["amount"]
    broken = outbox_message(broken_payment, payload)
    response = post_batch(http, central_url, [new, old, broken])
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["idempotency_key"] for r in results] == [
        new.idempotency_key, old.idempotency_key, broken.idempotency_key]
    assert [r["status"] for r in results] == ["accepted", "duplicate", "rejected"]
    assert results[0]["central_ref"] and results[0]["central_ref"] != first["central_ref"]
    assert results[1]["central_ref"] == first["central_ref"]
    assert results[2]["reason"] == "E_REQUEST_REJECTED"
    assert payment_count(http, central_url) == 2


def test_outbox_then_direct_post_of_the_same_key_is_one_payment(http, central_url,
                                                               make_payment, outbox_message):
    """GIVEN a payment delivered through the outbox
    WHEN the kiosk also posts it directly with the same idempotency key
    THEN the direct post answers 200 duplicate with the outbox's central_ref: one row."""
    payment = make_payment(bill_ids=WATER_BILLS)
    via_outbox = post_batch(http, central_url, [outbox_message(payment)]).json()["results"][0]
    direct = http.post(f"{central_url}/v1/bill-payments", timeout=PATIENCE_S,
                       json=payment.outbox_payload(payment.created_at),
                       headers={"Idempotency-Key": payment.idempotency_key})
    assert direct.status_code == 200
    assert direct.json()["duplicate"] is True
    assert direct.json()["central_ref"] == via_outbox["central_ref"]
    assert payment_count(http, central_url) == 1
    recorded = http.get(f"{central_url}/v1/bill-payments/{payment.reference}",
                        timeout=PATIENCE_S).json()
    assert recorded["channel"] == "outbox"


def test_same_key_twice_in_one_batch_is_accepted_then_duplicate(http, central_url,
                                                               make_payment, outbox_message):
    """GIVEN a batch that carries the same record twice
    WHEN central processes it
    THEN the first is accepted and the second is a duplicate of it."""
    message = outbox_message(make_payment(bill_ids=WATER_BILLS))
    results = post_batch(http, central_url, [message, message]).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "duplicate"]
    assert results[0]["central_ref"] == results[1]["central_ref"]
    assert payment_count(http, central_url) == 1


def test_conflicting_record_is_rejected_without_blocking_the_batch(http, central_url,
                                                                   make_payment, outbox_message):
    """GIVEN a key already used for one payment
    WHEN a batch reuses it for a different payment, followed by a good record
    THEN the reused key is rejected (E_REQUEST_REJECTED) and the good record accepted."""
    payment = make_payment(bill_ids=WATER_BILLS)
    post_batch(http, central_url, [outbox_message(payment)])
    impostor = make_payment(bill_ids=WATER_BILLS, reference="SH-CN-0001-260115-999999")
    reused = outbox_message(impostor)
    reused = type(reused)(kind=reused.kind, idempotency_key=payment.idempotency_key,
                          payload=reused.payload, created_at=reused.created_at)
    good = outbox_message(make_payment(biller_id="sh-gas", account_no="20123456",
                                       bill_ids=("sh-gas-202512-04",), amount=Decimal("63.00")))
    results = post_batch(http, central_url, [reused, good]).json()["results"]
    assert [(r["status"], r["reason"]) for r in results] == [
        ("rejected", "E_REQUEST_REJECTED"), ("accepted", None)]
    assert payment_count(http, central_url) == 2


def test_batch_with_unknown_kind_is_422(http, central_url, make_payment, outbox_message):
    """GIVEN a batch whose envelope does not match the wire schema (unknown kind)
    WHEN it is posted
    THEN central answers 422 E_REQUEST_REJECTED and records nothing."""
    record = outbox_record(outbox_message(make_payment()))
    record["kind"] = "tax_record"
    response = http.post(f"{central_url}/v1/outbox", timeout=PATIENCE_S,
                         json={"kiosk_id": "SH-CN-0001", "records": [record]})
    assert response.status_code == 422
    assert response.json()["code"] == "E_REQUEST_REJECTED"
    assert payment_count(http, central_url) == 0
