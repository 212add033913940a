"""Records bound to the kiosk that sends them (issue 10, items 6 and 7), on SQLite and
PostgreSQL over real HTTP: a reference must be the sending kiosk's own and is looked up
per kiosk; an idempotency key names one record of one kiosk whatever its kind, on the
direct routes, the set-based outbox batch and its savepoint path."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import insert

from central import outbox_bulk
from central.db import make_engine
from central.models import PaymentRow
from central_payloads import arbitration_payload, new_code, stay_payload
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

TIMEOUT = PATIENCE_S
WATER_BILLS = ("sh-water-202511-01", "sh-water-202512-01")
KIOSK_A, KIOSK_B = "SH-CN-0001", "SH-CN-0002"
ROUTES = {"bill_payment": "/v1/bill-payments",
          "stay_registration": "/v1/stay-registrations",
          "arbitration_application": "/v1/arbitration-applications"}
KINDS = tuple(ROUTES)


def reference_of(kiosk: str, n: int | None = None) -> str:
    return f"{kiosk}-260115-{uuid.uuid4().int % 10**6 if n is None else n:06d}"


def payload_of(kind: str, make_payment: Callable[..., Any], kiosk: str = KIOSK_A,
               reference: str | None = None) -> dict[str, Any]:
    """A valid record of ``kind`` from ``kiosk`` (with one of its references)."""
    reference = reference or reference_of(kiosk)
    if kind == "bill_payment":
        payment = make_payment(kiosk_id=kiosk, bill_ids=WATER_BILLS, reference=reference)
        payload: dict[str, Any] = payment.outbox_payload(payment.created_at)
        return payload
    if kind == "stay_registration":
        return stay_payload(kiosk_id=kiosk, reference=reference,
                            doc_number=f"D{uuid.uuid4().int % 10**7:07d}")
    return arbitration_payload(kiosk_id=kiosk, reference=reference, applicant={
        **arbitration_payload()["applicant"], "doc_number": f"D{uuid.uuid4().int % 10**7:07d}"})


def post(keys: Any, url: str, kind: str, payload: dict[str, Any], key: str,
         kiosk: str = KIOSK_A) -> requests.Response:
    return requests.post(f"{url}{ROUTES[kind]}", json=payload, timeout=TIMEOUT,
                         headers={**keys.kiosk_headers(kiosk), "Idempotency-Key": key})


# --- item 6: a reference is the sending kiosk's own --------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_a_kiosk_cannot_record_another_kiosks_reference(central_url, keys, make_payment,
                                                        kind):
    """GIVEN kiosk A's next reference
    WHEN kiosk B records a payment, registration or application under it (naming itself)
    directly and through its outbox, and then A records its own under it
    THEN B is refused E_FORBIDDEN both ways and nothing of B's is recorded; A's record is
    accepted, and A reads its payment back by that reference."""
    theirs = reference_of(KIOSK_A, 1)
    forged = payload_of(kind, make_payment, kiosk=KIOSK_B, reference=theirs)
    answer = post(keys, central_url, kind, forged, uuid.uuid4().hex, kiosk=KIOSK_B)
    assert answer.status_code == 403, answer.text
    assert answer.json()["detail"] == {"reason": "reference_not_own"}
    batch = {"kiosk_id": KIOSK_B, "records": [{
        "idempotency_key": uuid.uuid4().hex, "kind": kind,
        "created_at": "2026-01-15T10:29:00+08:00", "payload": forged}]}
    answer = requests.post(f"{central_url}/v1/outbox", json=batch, timeout=TIMEOUT,
                           headers=keys.kiosk_headers(KIOSK_B))
    assert [(r["status"], r["reason"]) for r in answer.json()["results"]] == [
        ("rejected", "E_FORBIDDEN")]

    own = payload_of(kind, make_payment, kiosk=KIOSK_A, reference=theirs)
    answer = post(keys, central_url, kind, own, uuid.uuid4().hex)
    assert answer.status_code == 201, answer.text
    if kind == "bill_payment":
        mine = requests.get(f"{central_url}/v1/bill-payments/{theirs}", timeout=TIMEOUT,
                            headers=keys.kiosk_headers(KIOSK_A))
        assert mine.status_code == 200 and mine.json()["kiosk_id"] == KIOSK_A


def test_a_kiosk_reads_its_own_payment_even_after_a_forgery_of_its_reference(
        central_db, central_url, keys, make_payment, clock):
    """GIVEN kiosk B's payment stored under kiosk A's reference before references were
    bound to their kiosk (written straight into the database), then A's own payment
    WHEN A reads its payment by the reference, and B reads it
    THEN A gets its own (the look-up is A's, it was 404 while B's came first), B gets
    only B's row."""
    reference = reference_of(KIOSK_A, 7)
    engine = make_engine(central_db)
    now = datetime(2026, 1, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    try:
        with engine.begin() as connection:
            connection.execute(insert(PaymentRow).values(
                central_ref="C20260115-FORGED0001", idempotency_key=uuid.uuid4().hex,
                request_hash="0" * 64, reference=reference, kiosk_id=KIOSK_B,
                biller_id="sh-water", account_no="3100012345", amount_fen=100,
                currency="CNY", paid_at=now, recorded_at=now, channel="direct",
                status="RECORDED", needs_review=False, record={}))
    finally:
        engine.dispose()
    own = payload_of("bill_payment", make_payment, reference=reference)
    ack = post(keys, central_url, "bill_payment", own, uuid.uuid4().hex)
    assert ack.status_code == 201, ack.text
    mine = requests.get(f"{central_url}/v1/bill-payments/{reference}", timeout=TIMEOUT,
                        headers=keys.kiosk_headers(KIOSK_A))
    assert mine.status_code == 200, mine.text
    assert mine.json()["central_ref"] == ack.json()["central_ref"]
    theirs = requests.get(f"{central_url}/v1/bill-payments/{reference}", timeout=TIMEOUT,
                          headers=keys.kiosk_headers(KIOSK_B))
    assert theirs.json()["central_ref"] == "C20260115-FORGED0001"


# --- item 7: one key, one record of one kiosk, whatever its kind ---------------------------

class Path:
    """One way records reach central: ``send(kind, payload, key) -> (status, number,
    reason detail)``."""

    def __init__(self, name: str, keys: Any, url: str, monkeypatch: pytest.MonkeyPatch
                 ) -> None:
        self.name, self.keys, self.url = name, keys, url
        if name == "outbox-savepoints":  # the set-based write stands aside
            def record_by_record(*_args: Any, **_kwargs: Any) -> Any:
                raise outbox_bulk.BulkConflict
            monkeypatch.setattr(outbox_bulk, "deliver_records", record_by_record)

    def send(self, kind: str, payload: dict[str, Any], key: str,
             kiosk: str = KIOSK_A) -> tuple[str, str | None, str | None]:
        if self.name == "direct":
            answer = post(self.keys, self.url, kind, payload, key, kiosk)
            body = answer.json()
            if answer.status_code >= 400:
                return "rejected", None, body["detail"].get("reason")
            number = (body.get("central_ref") or body.get("registration_no")
                      or body.get("application_no"))
            return ("duplicate" if body["duplicate"] else "accepted"), number, None
        batch = {"kiosk_id": kiosk, "records": [{
            "idempotency_key": key, "kind": kind, "created_at": "2026-01-15T10:29:00+08:00",
            "payload": payload}]}
        answer = requests.post(f"{self.url}/v1/outbox", json=batch, timeout=TIMEOUT,
                               headers=self.keys.kiosk_headers(kiosk))
        assert answer.status_code == 200, answer.text
        [result] = answer.json()["results"]
        return result["status"], result["central_ref"], result["detail"].get("reason")


@pytest.mark.parametrize("path", ["direct", "outbox", "outbox-savepoints"])
@pytest.mark.parametrize("kind", KINDS)
def test_one_key_names_one_record_whatever_its_kind(central_url, keys, make_payment,
                                                    monkeypatch, path, kind):
    """GIVEN a record of one kind recorded under a key (through one path)
    WHEN the same record is sent again under it, the two other kinds and a changed
    record of the same kind are sent under it, and another kiosk sends under it
    THEN the same record replays the same answer; every other record is refused
    (idempotency_key_reused) and nothing more is recorded; another kiosk's key is its own."""
    way = Path(path, keys, central_url, monkeypatch)
    key = uuid.uuid4().hex
    record = payload_of(kind, make_payment)
    status, number, _ = way.send(kind, record, key)
    assert (status, number is not None) == ("accepted", True)
    assert way.send(kind, record, key) == ("duplicate", number, None)
    for other in KINDS:
        if other != kind:
            assert way.send(other, payload_of(other, make_payment), key) == (
                "rejected", None, "idempotency_key_reused"), other
    changed = payload_of(kind, make_payment)
    assert way.send(kind, changed, key) == ("rejected", None, "idempotency_key_reused")
    assert way.send(kind, record, key) == ("duplicate", number, None)
    status, theirs, _ = way.send(kind, payload_of(kind, make_payment, kiosk=KIOSK_B), key,
                                 kiosk=KIOSK_B)
    assert status == "accepted" and theirs != number


def test_verification_codes_stay_unique_per_payment(central_url, keys, make_payment):
    """GIVEN a payment recorded with its receipt's code
    WHEN another payment of the kiosk comes with the same code (a kiosk bug or a replay)
    THEN it is refused (unique_conflict) rather than making the code open two receipts."""
    code = new_code()
    first = make_payment(bill_ids=WATER_BILLS, verification_code=code)
    assert post(keys, central_url, "bill_payment", first.outbox_payload(first.created_at),
                first.idempotency_key).status_code == 201
    second = make_payment(bill_ids=WATER_BILLS, verification_code=code)
    answer = post(keys, central_url, "bill_payment", second.outbox_payload(second.created_at),
                  second.idempotency_key)
    assert answer.status_code == 409 and answer.json()["detail"] == {"reason": "unique_conflict"}
