"""Exactly-once delivery through a faulty network: a real kiosk store (SQLite file), the
real forwarder and client, and a real central over HTTP, with kiosk.devtools.faultproxy
between them dropping, delaying, resetting, failing and truncating exchanges."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from central.server import CentralServer
from kiosk.devtools.faultproxy import FAULT_MODES, FaultProxy, Mode
from kiosk.domain.payments import CardResult, OutboxMessage, PaymentDraft
from kiosk.store import Store, open_store
from kiosk.sync.client import CentralClient
from kiosk.sync.forwarder import DrainReport, OutboxForwarder
from tests.patience import PATIENCE_S

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Generous enough that a loaded CI machine running central on PostgreSQL answers a
# passing batch in time; the delay mode goes beyond it.
CLIENT_TIMEOUT_S = 2.0
PROXY_DELAY_S = 2.5  # beyond the client's timeout
KIOSK = "SH-CN-0001"
TABLE_OF_KIND = {"bill_payment": "payments", "stay_registration": "stay_registrations",
                 "arbitration_application": "arbitration_applications"}
# Central processed the request, the answer never arrived whole.
ANSWER_LOST = (Mode.DELAY, Mode.RESET, Mode.TRUNCATE, Mode.TRUNCATE_FRAMED)


@dataclass
class Kiosk:
    store: Store
    client: CentralClient
    forwarder: OutboxForwarder
    stay_payload: Callable[..., dict[str, Any]]
    arbitration_payload: Callable[..., dict[str, Any]]
    keys: dict[str, str]  # idempotency key -> kind


@pytest.fixture
def proxy(central: CentralServer) -> Iterator[FaultProxy]:
    with FaultProxy(("127.0.0.1", int(central.url.rsplit(":", 1)[1])),
                    delay_s=PROXY_DELAY_S, seed=5) as running:
        yield running


@pytest.fixture
def kiosk(tmp_path: Path, proxy: FaultProxy, clock, make_stay,  # type: ignore[no-untyped-def]
          make_application, keys) -> Iterator[Kiosk]:
    store = open_store(tmp_path / "kiosk" / "kiosk.db")
    client = CentralClient(proxy.url, timeout_s=CLIENT_TIMEOUT_S, kiosk_id=KIOSK, clock=clock,
                           token=keys.credential(KIOSK))
    forwarder = OutboxForwarder(store.outbox, client, clock, interval_s=0.05, batch_size=25,
                                backoff_max_s=0.2)
    yield Kiosk(store, client, forwarder, make_stay, make_application, {})
    assert forwarder.stop(timeout=PATIENCE_S)
    client.close()
    store.close()


def queue_mixed(kiosk: Kiosk, count: int) -> None:
    """``count`` records through the store's real write paths: payments (journal),
    stay registrations and arbitration applications (submissions), in turn."""
    now = datetime(2026, 1, 15, 10, 31, tzinfo=SHANGHAI)
    card = CardResult(response_code="00", auth_code="A12345", rrn="123456789012",
                      masked_pan="622588******1234", card_brand="UnionPay",
                      terminal_id="T0000001", merchant_id="M000000000001")
    for i in range(count):
        moment = now + timedelta(milliseconds=i)
        if i % 3 == 0:
            draft = PaymentDraft(kiosk_id=KIOSK, session_id="S-1", lang="en",
                                 biller_id="sh-water", account_no="3100012345",
                                 bill_ids=("sh-water-202511-01",), periods="2025-11",
                                 amount=Decimal("128.96"), late_fee=Decimal("0.00"),
                                 holder_masked="王*", lock_token=None)
            payment = kiosk.store.payments.create(draft, moment)
            kiosk.store.payments.authorize(payment.reference, card, moment)
            authorized = kiosk.store.payments.get(payment.reference)
            assert authorized is not None
            message = OutboxMessage(kind="bill_payment", idempotency_key=payment.idempotency_key,
                                    payload=authorized.outbox_payload(moment),
                                    created_at=moment)
            kiosk.store.payments.record(payment.reference, message, moment)
            kiosk.keys[payment.idempotency_key] = "bill_payment"
        elif i % 3 == 1:  # one document per person: no overlapping active stay
            sub = kiosk.store.submissions.submit(
                "stay_registration", KIOSK, "de", kiosk.stay_payload(doc_number=f"C{i:08d}"),
                moment)
            kiosk.keys[sub.idempotency_key] = "stay_registration"
        else:
            payload = kiosk.arbitration_payload()
            payload["applicant"]["doc_number"] = f"A{i:08d}"  # no pending case of theirs
            sub = kiosk.store.submissions.submit("arbitration_application", KIOSK, "en",
                                                 payload, moment)
            kiosk.keys[sub.idempotency_key] = "arbitration_application"


def central_keys(central_db: str) -> dict[str, list[str]]:
    """Each record table's idempotency keys, straight from central's database."""
    engine = create_engine(central_db)
    try:
        with engine.connect() as connection:
            return {table: [row[0] for row in connection.execute(
                        text(f"SELECT idempotency_key FROM {table}"))]
                    for table in TABLE_OF_KIND.values()}
    finally:
        engine.dispose()


def assert_exactly_once(kiosk: Kiosk, central_db: str) -> None:
    held = central_keys(central_db)
    for kind, table in TABLE_OF_KIND.items():
        expected = sorted(k for k, v in kiosk.keys.items() if v == kind)
        assert sorted(held[table]) == expected, f"{table}: lost or duplicated records"
    assert kiosk.store.outbox.depth() == 0
    for key in kiosk.keys:
        delivery = kiosk.store.outbox.delivery(key)
        assert delivery is not None and delivery.state == "delivered" and delivery.central_ref


def drain_until_empty(kiosk: Kiosk, rounds: int = 20) -> DrainReport:
    total = DrainReport()
    for _ in range(rounds):
        total += kiosk.forwarder.drain_once()
        if kiosk.store.outbox.depth() == 0:
            return total
    raise AssertionError(f"outbox not empty after {rounds} rounds")


def wait_for_central(central_db: str, count: int, timeout: float = 3.0) -> None:
    """A delayed request reaches central after the client gave up: wait for it."""
    deadline = time.monotonic() + timeout
    while sum(map(len, central_keys(central_db).values())) < count:
        if time.monotonic() > deadline:
            raise AssertionError("the delayed request never reached central")
        time.sleep(0.05)


@pytest.mark.parametrize("mode", FAULT_MODES, ids=[m.value for m in FAULT_MODES])
def test_each_fault_loses_nothing_and_duplicates_nothing(
        mode: Mode, kiosk: Kiosk, proxy: FaultProxy, central_db: str) -> None:
    """GIVEN 6 mixed records queued in the kiosk's store and the proxy in one fault mode
    WHEN the forwarder drains once, then the proxy passes and it drains until empty
    THEN the faulty round delivers nothing and keeps every record it tried with an
    attempt counted (a 5xx batch is split to look for a record central fails on: once
    its first half of 3 fails too, 1 then 2, the round stops); where central processed
    the batch but the answer was lost, the retry is answered "duplicate" and marked
    delivered; central holds every record exactly once."""
    queue_mixed(kiosk, 6)
    proxy.set_mode(mode)
    faulty = kiosk.forwarder.drain_once()
    assert faulty == DrainReport(failed=3 if mode is Mode.HTTP_5XX else 6)
    assert kiosk.store.outbox.depth() == 6
    if mode in ANSWER_LOST:  # central may still be committing when the client gives up
        wait_for_central(central_db, 6, timeout=10)
    processed = sum(map(len, central_keys(central_db).values()))
    assert processed == (6 if mode in ANSWER_LOST else 0)

    proxy.set_mode(Mode.PASS)
    after = drain_until_empty(kiosk)
    if mode in ANSWER_LOST:
        assert after == DrainReport(duplicates=6)
    else:
        assert after == DrainReport(sent=6)
    assert_exactly_once(kiosk, central_db)


def test_hundreds_of_records_through_every_fault_then_a_random_mix(
        kiosk: Kiosk, proxy: FaultProxy, central_db: str) -> None:
    """GIVEN 240 mixed records queued (payments, stay registrations, applications)
    WHEN the forwarder drains through each fault mode in turn, then through a seeded random
    mix of all modes, then with the proxy passing
    THEN no faulty round delivers anything, every record reaches central exactly once, the
    outbox is empty, and some records were acknowledged as duplicates (answers lost)."""
    queue_mixed(kiosk, 240)
    total = DrainReport()
    for mode in FAULT_MODES:
        proxy.set_mode(mode)
        report = kiosk.forwarder.drain_once()
        # A 5xx batch of 25 is split (12, 6, 3, then 1 and 2 fail): the round stops at 3.
        assert report.delivered == 0, mode
        assert report.failed == (3 if mode is Mode.HTTP_5XX else 25), mode
        total += report
    proxy.set_mix({Mode.PASS: 2.0, **dict.fromkeys(FAULT_MODES, 1.0)})
    for _ in range(3):
        total += kiosk.forwarder.drain_once()
    assert kiosk.store.outbox.depth() > 0  # the mix left work for the clean rounds
    proxy.set_mode(Mode.PASS)
    total += drain_until_empty(kiosk)
    proxy.stop()  # delayed requests still in flight are finished (or dropped) first
    assert total.delivered == 240 and total.rejected == 0
    # Every faulty round offered the same oldest 25; central processed them (answer lost).
    assert total.duplicates >= 25
    assert sum(proxy.counts[mode] for mode in FAULT_MODES) > len(FAULT_MODES)  # mix too
    assert_exactly_once(kiosk, central_db)


def test_running_forwarder_recovers_once_the_faults_stop(
        kiosk: Kiosk, proxy: FaultProxy, central_db: str) -> None:
    """GIVEN the forwarder's background thread running (short interval and backoff) and a
    proxy that fails every connection at random
    WHEN 60 records are queued, the faults go on for a while, then stop
    THEN the thread backs off while failing and, once the proxy passes, delivers all 60
    exactly once."""
    proxy.set_mix(dict.fromkeys(FAULT_MODES, 1.0))
    queue_mixed(kiosk, 60)
    kiosk.forwarder.start()
    deadline = time.monotonic() + PATIENCE_S  # each DELAY round costs the client's 2 s time-out
    while kiosk.forwarder.consecutive_failures < 3:
        assert time.monotonic() < deadline, "the forwarder never failed"
        time.sleep(0.02)
    proxy.set_mode(Mode.PASS)
    kiosk.forwarder.wake()
    deadline = time.monotonic() + PATIENCE_S
    while kiosk.store.outbox.depth():
        assert time.monotonic() < deadline, "outbox not drained after the faults stopped"
        time.sleep(0.05)
    assert kiosk.forwarder.stop(timeout=PATIENCE_S)
    proxy.stop()
    assert_exactly_once(kiosk, central_db)


def test_colliding_record_rolls_back_alone_in_a_one_transaction_batch(  # type: ignore[no-untyped-def]
        central: CentralServer, central_db: str, make_stay, make_batch, http) -> None:
    """GIVEN one batch of three stay registrations, the second reusing the first's
    verification code (a unique column) under its own key
    WHEN it is posted to /v1/outbox (one transaction, a savepoint per record)
    THEN the second is rejected as a unique conflict, the first and third are accepted
    and kept, and central holds exactly those two."""
    first = make_stay(doc_number="C90000001")
    clash = make_stay(doc_number="C90000002", verification_code=first["verification_code"])
    third = make_stay(doc_number="C90000003")
    keys = ["k-first-0001", "k-clash-0002", "k-third-0003"]
    body = make_batch([("stay_registration", key, payload)
                       for key, payload in zip(keys, (first, clash, third), strict=True)])
    answer = http.post(f"{central.url}/v1/outbox", json=body, timeout=PATIENCE_S)
    assert answer.status_code == 200
    assert [(r["status"], r["reason"]) for r in answer.json()["results"]] == [
        ("accepted", None), ("rejected", "E_REQUEST_REJECTED"), ("accepted", None)]
    assert sorted(central_keys(central_db)["stay_registrations"]) == [keys[0], keys[2]]
