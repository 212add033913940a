"""One bad record never blocks a kiosk (issue 10, item 5), on SQLite and PostgreSQL over
real HTTP: central answers per record, refusing one it cannot store with its reason
(never failing the batch it travels in), the kiosk parks it without its payload and
delivers the rest; a record central fails on with a 5xx is found by splitting the batch
and never parked for it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import Field
from sqlalchemy import text

from central import outbox_bulk
from kiosk.devtools.faultproxy import FaultProxy, Mode
from kiosk.domain.payments import CardResult, OutboxMessage, Payment, PaymentDraft
from kiosk.store import Store, open_store
from kiosk.sync.client import CentralClient
from kiosk.sync.forwarder import DrainReport, OutboxForwarder
from kiosk.sync.heartbeat import HeartbeatSender, HeartbeatSources
from kiosk.sync.wire import BillPaymentRecord
from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S
KIOSK = "SH-CN-0001"
WATER_BILLS = ("sh-water-202511-01", "sh-water-202512-01")
CARD = CardResult(response_code="00", auth_code="A12345", rrn="123456789012",
                  masked_pan="622588******1234", card_brand="UnionPay",
                  terminal_id="T0000001", merchant_id="M000000000001")


@pytest.fixture
def kiosk_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "kiosk" / "kiosk.db")
    yield store
    store.close()


@pytest.fixture
def raw_outbox(kiosk_store: Store):
    """(payload, reference) of one outbox row, as stored."""
    def read(key: str) -> tuple[Any, Any]:
        with kiosk_store.engine.connect() as connection:
            row = connection.execute(text(
                "SELECT payload, reference FROM outbox WHERE idempotency_key = :key"),
                {"key": key}).one()
            return row[0], row[1]
    return read


def record_payment(store: Store, clock: Any, **changes: Any) -> Payment:
    """A card payment through the kiosk's real journal, recorded into its outbox."""
    fields: dict[str, Any] = dict(
        kiosk_id=KIOSK, session_id="S-1", lang="en", biller_id="sh-water",
        account_no="3100012345", bill_ids=WATER_BILLS, periods="2025-11, 2025-12",
        amount=Decimal("1.00"), late_fee=Decimal("0.00"), holder_masked="王*",
        lock_token=None)
    fields.update(changes)
    now = clock.now()
    payment = store.payments.create(PaymentDraft(**fields), now)
    payment = store.payments.authorize(payment.reference, CARD, now)
    message = OutboxMessage(kind="bill_payment", idempotency_key=payment.idempotency_key,
                            payload=payment.outbox_payload(now), created_at=now)
    return store.payments.record(payment.reference, message, now)


def forwarder(store: Store, client: CentralClient, clock: Any) -> OutboxForwarder:
    return OutboxForwarder(store.outbox, client, clock, interval_s=30.0, batch_size=50,
                           backoff_max_s=60.0)


def central_keys(http: Any, url: str) -> set[str]:
    answer = http.get(f"{url}/v1/admin/payments", params={"limit": 1000}, timeout=TIMEOUT)
    return {p["idempotency_key"] for p in answer.json()["payments"]}


def test_one_over_long_record_is_refused_alone_parked_and_the_rest_delivered(
        central_url, kiosk_store, clock, keys, http, raw_outbox, tmp_path):
    """GIVEN five payments in the kiosk's outbox, the third with an account number longer
    than central's column (48; PostgreSQL refused it and failed the whole batch with 500)
    WHEN the forwarder drains once, and once more
    THEN central records the four good ones and refuses the third alone, saying which
    field; the kiosk parks it with its reference and reason, without its payload, and
    nothing is left to send; its next heartbeat puts the parked count in the fleet."""
    payments = [record_payment(kiosk_store, clock) for _ in range(2)]
    bad = record_payment(kiosk_store, clock, account_no="3" * 60)
    payments += [record_payment(kiosk_store, clock) for _ in range(2)]
    with CentralClient(central_url, timeout_s=TIMEOUT, kiosk_id=KIOSK, clock=clock,
                       token=keys.credential()) as client:
        drains = forwarder(kiosk_store, client, clock)
        assert drains.drain_once() == DrainReport(sent=4, rejected=1)
        assert drains.drain_once() == DrainReport()
    assert central_keys(http, central_url) == {p.idempotency_key for p in payments}
    assert kiosk_store.outbox.depth() == 0
    [parked] = kiosk_store.outbox.parked()
    assert (parked.reference, parked.kind, parked.reason) == (
        bad.reference, "bill_payment", "E_REQUEST_REJECTED")
    assert "fields=account_no" in parked.detail
    assert kiosk_store.outbox.parked_count() == 1
    assert raw_outbox(bad.idempotency_key) == (None, bad.reference)
    assert all(kiosk_store.payments.get(p.reference).central_ref for p in payments)

    # ... and the fleet sees it: the heartbeat carries the count.
    with CentralClient(central_url, timeout_s=TIMEOUT, kiosk_id=KIOSK, clock=clock,
                       token=keys.credential()) as client:
        beat = HeartbeatSources(
            app_version="0.1.0", config_version=lambda: "local-test", devices=dict,
            outbox_depth=kiosk_store.outbox.depth, last_error=lambda: None,
            data_dir=tmp_path, outbox_parked=kiosk_store.outbox.parked_count)
        assert HeartbeatSender(client, beat, clock, interval_s=60).beat_once()
    fleet = http.get(f"{central_url}/v1/admin/fleet", timeout=TIMEOUT).json()
    assert [(k["kiosk_id"], k["outbox_depth"], k["outbox_parked"])
            for k in fleet["kiosks"]] == [(KIOSK, 0, 1)]


def payload(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "reference": f"{KIOSK}-260115-{uuid.uuid4().int % 10**9:09d}", "kiosk_id": KIOSK,
        "session_id": "S-1", "lang": "en", "biller_id": "sh-water",
        "account_no": "3100012345", "bill_ids": list(WATER_BILLS), "amount": "1.00",
        "paid_at": "2026-01-15T10:20:00+08:00", "response_code": "00",
        "auth_code": "A12345", "rrn": "123456789012"}
    fields.update(changes)
    return fields


BAD_FIELDS = {
    "reference": {"reference": f"{KIOSK}-260115-" + "1" * 60},
    "biller_id": {"biller_id": "b" * 33},
    "account_no": {"account_no": "3" * 49},
    "session_id": {"session_id": "s\x00"},
    "paid_at": {"paid_at": "0001-01-01T00:00:00+08:00"},
    "bill_ids.0": {"bill_ids": ["x" * 65]},
}


def test_every_over_long_field_is_refused_per_record_with_its_name(
        central_url, http, make_batch):
    """GIVEN a batch of good payments and payments each with one field central cannot
    store (reference over 64, biller over 32, account over 48, a NUL, the year 1, a bill
    id over 64)
    WHEN it is delivered
    THEN 200: each bad one is refused E_REQUEST_REJECTED naming its field, the good ones
    are recorded."""
    records = [("bill_payment", uuid.uuid4().hex, payload())]
    records += [("bill_payment", uuid.uuid4().hex, payload(**bad))
                for bad in BAD_FIELDS.values()]
    records.append(("bill_payment", uuid.uuid4().hex, payload()))
    answer = http.post(f"{central_url}/v1/outbox", json=make_batch(records), timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["accepted"] + ["rejected"] * len(BAD_FIELDS) + [
        "accepted"]
    assert [r["detail"] for r in results[1:-1]] == [
        {"reason": "invalid", "fields": field} for field in BAD_FIELDS]
    assert central_keys(http, central_url) == {records[0][1], records[-1][1]}


def test_a_direct_payment_too_long_for_central_is_422_not_500(central_url, http):
    """GIVEN a payment whose biller id is longer than central's column
    WHEN it is posted directly
    THEN 422 E_REQUEST_REJECTED naming the field (PostgreSQL answered 500)."""
    answer = http.post(f"{central_url}/v1/bill-payments", json=payload(biller_id="b" * 40),
                       headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=TIMEOUT)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "E_REQUEST_REJECTED"
    assert "body.biller_id" in answer.json()["detail"]


class LaxPaymentRecord(BillPaymentRecord):
    """The payment schema as it was before its bounds: what central would take from a
    schema with a bound forgotten."""

    account_no: str = Field(max_length=1000)  # type: ignore[assignment]
    amount: Decimal = Field(gt=0)  # type: ignore[assignment]


def test_a_value_the_database_refuses_fails_only_its_record(
        central_url, http, make_batch, monkeypatch):
    """GIVEN a schema that lets through what the database cannot store (an account
    number over 48 characters and 10^18 yuan: PostgreSQL's DataError, SQLite's integer
    overflow), in the middle of a batch of good payments
    WHEN it is delivered (set-based first, then record by record)
    THEN 200: that record is refused E_REQUEST_REJECTED ("unstorable") and the others
    are recorded."""
    monkeypatch.setitem(outbox_bulk.RECORD_MODELS, "bill_payment", LaxPaymentRecord)
    records = [("bill_payment", uuid.uuid4().hex, payload()),
               ("bill_payment", uuid.uuid4().hex,
                payload(account_no="3" * 60, amount="1000000000000000000.00")),
               ("bill_payment", uuid.uuid4().hex, payload())]
    answer = http.post(f"{central_url}/v1/outbox", json=make_batch(records), timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    assert [(r["status"], r["reason"], r["detail"]) for r in answer.json()["results"]] == [
        ("accepted", None, {}),
        ("rejected", "E_REQUEST_REJECTED", {"reason": "unstorable"}),
        ("accepted", None, {})]
    assert central_keys(http, central_url) == {records[0][1], records[2][1]}


@pytest.fixture
def poison_proxy(central: Any) -> Iterator[FaultProxy]:
    host, port = central.url.removeprefix("http://").split(":")
    with FaultProxy((host, int(port))) as proxy:
        yield proxy


def test_a_record_central_fails_on_is_found_by_splitting_and_never_parked(
        poison_proxy, central_url, kiosk_store, clock, keys, http):
    """GIVEN nine payments in the outbox and, before central, a proxy that answers 500 to
    any request holding the fifth (a record central fails on, whatever batch it is in)
    WHEN the forwarder drains, drains again, and drains once the 500s have stopped
    THEN the first drain splits the batch and delivers the eight others, the fifth kept
    with its attempts counted and never parked; the second sends only the fifth and
    fails it; the third delivers it."""
    payments = [record_payment(kiosk_store, clock) for _ in range(9)]
    culprit = payments[4]
    poison_proxy.set_mode(Mode.POISON, poison=culprit.idempotency_key.encode())
    with CentralClient(poison_proxy.url, timeout_s=TIMEOUT, kiosk_id=KIOSK, clock=clock,
                       token=keys.credential()) as client:
        drains = forwarder(kiosk_store, client, clock)
        assert drains.drain_once() == DrainReport(sent=8, failed=1)
        assert central_keys(http, central_url) == {
            p.idempotency_key for p in payments if p is not culprit}
        assert [p.message.idempotency_key for p in kiosk_store.outbox.pending(10)] == [
            culprit.idempotency_key]
        assert kiosk_store.outbox.parked_count() == 0
        assert drains.suspects == {culprit.idempotency_key}

        clock.advance(timedelta(seconds=30))
        assert drains.drain_once() == DrainReport(failed=1)
        assert kiosk_store.outbox.pending(10)[0].attempts >= 2
        assert kiosk_store.outbox.parked_count() == 0

        poison_proxy.set_mode(Mode.PASS)
        assert drains.drain_once() == DrainReport(sent=1)
    assert central_keys(http, central_url) == {p.idempotency_key for p in payments}
    assert drains.suspects == set()
