"""Recording card payments over real HTTP: idempotency, bills marked paid, lock release,
and payments that must be recorded for review rather than refused."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
import requests

from central import admin
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

WATER_BILLS = ("sh-water-202511-01", "sh-water-202512-01")


def post_payment(http, url, payment, key=None, payload=None):
    payload = payload if payload is not None else payment.outbox_payload(payment.created_at)
    return http.post(f"{url}/v1/bill-payments", json=payload,
                     headers={"Idempotency-Key": key or payment.idempotency_key,
                              "X-Kiosk-Id": payment.draft.kiosk_id}, timeout=PATIENCE_S)


def payments_of(http, url):
    response = http.get(f"{url}/v1/admin/payments", timeout=PATIENCE_S)
    assert response.status_code == 200
    return response.json()["payments"]


def test_same_payment_twice_is_recorded_once(http, central_url, do_lookup, make_payment):
    """GIVEN a kiosk paid the water bills it looked up
    WHEN it posts the payment twice with one Idempotency-Key
    THEN the first answer is 201, the second 200 duplicate=true with the same central_ref,
    and central holds one payment row."""
    lock = do_lookup("sh-water", "3100012345").json()["lock_token"]
    payment = make_payment(bill_ids=WATER_BILLS, lock_token=lock)
    first = post_payment(http, central_url, payment)
    second = post_payment(http, central_url, payment)
    assert first.status_code == 201, first.text
    assert second.status_code == 200
    assert first.json()["duplicate"] is False and second.json()["duplicate"] is True
    assert first.json()["central_ref"] == second.json()["central_ref"]
    assert first.json()["status"] == "RECORDED"
    assert first.json()["recorded_at"].endswith("+08:00")
    recorded = payments_of(http, central_url)
    assert len(recorded) == 1
    assert recorded[0]["needs_review"] is False


def test_same_key_with_a_different_body_is_rejected(http, central_url, make_payment):
    """GIVEN a payment recorded under a key
    WHEN a different payment is posted with the same key
    THEN central answers 409 E_REQUEST_REJECTED and records nothing more."""
    payment = make_payment(bill_ids=WATER_BILLS)
    assert post_payment(http, central_url, payment).status_code == 201
    other = make_payment(bill_ids=WATER_BILLS, amount=Decimal("1.00"))
    response = post_payment(http, central_url, other, key=payment.idempotency_key)
    assert response.status_code == 409
    assert response.json()["code"] == "E_REQUEST_REJECTED"
    assert len(payments_of(http, central_url)) == 1


def test_equivalent_spelling_of_the_same_payment_is_a_duplicate(http, central_url, make_payment):
    """GIVEN a payment recorded with amount "128.96" and a +08:00 timestamp
    WHEN the same payment comes again as 128.960 with the time in UTC
    THEN it is the same payment: a duplicate, not a conflict."""
    payment = make_payment(bill_ids=WATER_BILLS)
    assert post_payment(http, central_url, payment).status_code == 201
    payload = payment.outbox_payload(payment.created_at)
    payload["amount"] = "128.960"
    payload["paid_at"] = payment.created_at.astimezone(UTC).isoformat()
    response = post_payment(http, central_url, payment, payload=payload)
    assert response.status_code == 200
    assert response.json()["duplicate"] is True


def test_payment_marks_bills_paid_and_releases_the_lock(http, central_url, do_lookup,
                                                        make_payment):
    """GIVEN kiosk A looked up and paid the whole water bill
    WHEN A or another kiosk looks the account up again
    THEN nothing is due (E_NO_BILL_DUE), not E_BILL_LOCKED."""
    lock = do_lookup("sh-water", "3100012345", "KIOSK-A").json()["lock_token"]
    payment = make_payment(kiosk_id="KIOSK-A", bill_ids=WATER_BILLS, lock_token=lock)
    assert post_payment(http, central_url, payment).status_code == 201
    assert do_lookup("sh-water", "3100012345", "KIOSK-B").json()["code"] == "E_NO_BILL_DUE"


def test_partial_payment_leaves_the_rest_due_and_unlocked(http, central_url, do_lookup,
                                                         make_payment):
    """GIVEN the mobile account (partial payment allowed, 88.00 due) paid 50.00 by kiosk A
    WHEN kiosk B looks it up
    THEN 38.00 is still due and B gets it (the lock went with the payment)."""
    found = do_lookup("cm-mobile", "13800138000", "KIOSK-A").json()
    payment = make_payment(kiosk_id="KIOSK-A", biller_id="cm-mobile", account_no="13800138000",
                           bill_ids=(found["bills"][0]["id"],), amount=Decimal("50.00"),
                           lock_token=found["lock_token"])
    assert post_payment(http, central_url, payment).status_code == 201
    again = do_lookup("cm-mobile", "13800138000", "KIOSK-B")
    assert again.status_code == 200
    assert again.json()["bills"][0]["amount"] == "38.00"
    assert payments_of(http, central_url)[0]["needs_review"] is False


def test_payment_after_lock_expired_and_bill_paid_elsewhere_is_recorded_for_review(
        http, central_url, do_lookup, make_payment, clock):
    """GIVEN kiosk A's lock expired and kiosk B then looked up and paid the same bills
    WHEN A's card payment (already taken) arrives
    THEN central still records it (201) and flags it for review with the reasons."""
    lock_a = do_lookup("sh-water", "3100012345", "KIOSK-A").json()["lock_token"]
    clock.advance(timedelta(minutes=11))
    lock_b = do_lookup("sh-water", "3100012345", "KIOSK-B").json()["lock_token"]
    paid_b = make_payment(kiosk_id="KIOSK-B", bill_ids=WATER_BILLS, lock_token=lock_b)
    assert post_payment(http, central_url, paid_b).status_code == 201

    late_a = make_payment(kiosk_id="KIOSK-A", bill_ids=WATER_BILLS, lock_token=lock_a)
    response = post_payment(http, central_url, late_a)
    assert response.status_code == 201
    recorded = http.get(f"{central_url}/v1/bill-payments/{late_a.reference}", timeout=PATIENCE_S,
                        headers={"X-Kiosk-Id": "KIOSK-A"}).json()
    assert recorded["needs_review"] is True
    assert set(recorded["review_reasons"]) >= {"lock_expired", "bill_already_paid"}
    assert recorded["central_ref"] == response.json()["central_ref"]


def test_payment_for_unknown_account_is_recorded_for_review(http, central_url, make_payment):
    """GIVEN a payment for an account central does not know
    WHEN it is posted
    THEN it is recorded (money was taken) and flagged account_unknown."""
    payment = make_payment(account_no="3100000000")
    assert post_payment(http, central_url, payment).status_code == 201
    recorded = http.get(f"{central_url}/v1/bill-payments/{payment.reference}",
                        timeout=PATIENCE_S).json()
    assert recorded["review_reasons"] == ["account_unknown"]


def test_payment_without_idempotency_key_is_rejected(http, central_url, make_payment):
    """GIVEN a payment posted without the Idempotency-Key header
    WHEN central receives it
    THEN it answers 422 E_REQUEST_REJECTED and records nothing."""
    payment = make_payment(bill_ids=WATER_BILLS)
    response = http.post(f"{central_url}/v1/bill-payments",
                         json=payment.outbox_payload(payment.created_at), timeout=PATIENCE_S)
    assert response.status_code == 422
    assert response.json()["code"] == "E_REQUEST_REJECTED"
    assert payments_of(http, central_url) == []


def test_get_payment_by_reference(http, central_url, make_payment):
    """GIVEN a recorded payment
    WHEN it is fetched by the kiosk's reference, by central's reference, and an unknown one
    THEN the first two return it with its card data and the third is 404 E_NOT_FOUND."""
    payment = make_payment(bill_ids=WATER_BILLS)
    central_ref = post_payment(http, central_url, payment).json()["central_ref"]
    by_ref = http.get(f"{central_url}/v1/bill-payments/{payment.reference}",
                      timeout=PATIENCE_S).json()
    by_central = http.get(f"{central_url}/v1/bill-payments/{central_ref}",
                          timeout=PATIENCE_S).json()
    assert by_ref == by_central
    assert by_ref["amount"] == "128.96"
    assert by_ref["record"]["masked_pan"] == "622588******1234"
    missing = http.get(f"{central_url}/v1/bill-payments/R-NOPE", timeout=PATIENCE_S)
    assert missing.status_code == 404
    assert missing.json()["code"] == "E_NOT_FOUND"


def test_admin_lists_payments_as_table_and_json(http, central_url, make_payment, capsys):
    """GIVEN one recorded payment
    WHEN kiosk-admin payments runs, with and without --json
    THEN the table masks the account number and the JSON carries the central ref."""
    payment = make_payment(bill_ids=WATER_BILLS)
    central_ref = post_payment(http, central_url, payment).json()["central_ref"]
    assert admin.main(["payments", "--central", central_url]) == 0
    table = capsys.readouterr().out
    assert central_ref in table and "******2345" in table and "3100012345" not in table
    assert admin.main(["payments", "--json", "--central", central_url]) == 0
    listed = json.loads(capsys.readouterr().out)["payments"]
    assert [p["central_ref"] for p in listed] == [central_ref]


def test_concurrent_posts_of_one_payment_record_it_once(http, central_url, make_payment,
                                                       new_session):
    """GIVEN one payment
    WHEN eight threads post it at the same moment with its key
    THEN exactly one gets 201, the others 200 duplicates of the same central_ref, and
    central holds one row."""
    payment = make_payment(bill_ids=WATER_BILLS)
    barrier = threading.Barrier(8)

    def post() -> requests.Response:
        with new_session() as own:
            barrier.wait(timeout=PATIENCE_S)
            return post_payment(own, central_url, payment)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: post(), range(8)))
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({a.json()["central_ref"] for a in answers}) == 1
    assert len(payments_of(http, central_url)) == 1


def test_concurrent_lookups_by_two_kiosks_lock_for_one(central_url, do_lookup, new_session):
    """GIVEN two kiosks looking up the same account at the same moment, four times each
    WHEN central answers (a request that waited out SQLite's busy timeout on a loaded
    machine is 503 with Retry-After, test_central_busy.py, and asked again after it, as
    a kiosk's person would)
    THEN one kiosk got every lock it asked for and the other only E_BILL_LOCKED."""
    barrier = threading.Barrier(8)

    def ask(kiosk: str) -> tuple[str, int]:
        with new_session() as own:
            barrier.wait(timeout=PATIENCE_S)
            deadline = time.monotonic() + PATIENCE_S
            while True:
                response = own.post(f"{central_url}/v1/bills/lookup", timeout=PATIENCE_S,
                                    json={"biller_id": "sh-power", "account_no": "0123456789"},
                                    headers={"X-Kiosk-Id": kiosk})
                if response.status_code != 503 or time.monotonic() > deadline:
                    return kiosk, response.status_code
                time.sleep(int(response.headers["Retry-After"]))

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, ["KIOSK-A", "KIOSK-B"] * 4))
    by_kiosk = {k: sorted(s for kk, s in answers if kk == k) for k in ("KIOSK-A", "KIOSK-B")}
    assert sorted(by_kiosk.values()) == [[200] * 4, [409] * 4]
