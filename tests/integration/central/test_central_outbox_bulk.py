"""The set-based outbox batch (central.outbox_bulk) against the savepoint path it replaces
(central.outbox_batch.deliver_records_one_by_one), on SQLite and PostgreSQL: the same
answers and the same rows for a batch full of awkward cases, a bounded number of
statements per batch, and a unique-key race that sends the batch the per-record way."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event, insert, select, text
from sqlalchemy.orm import Session

from central import outbox_batch, outbox_bulk
from central.db import make_engine, make_session_factory, migrate
from central.models import PaymentRow
from central.payments import bill_records
from central.service import CentralService
from central_payloads import arbitration_payload, stay_payload
from central_pg_server import ThrowawayPostgres
from kiosk.sync.wire import (
    BillPaymentRecord,
    OutboxBatchIn,
    OutboxRecordIn,
    OutboxRecordResult,
)
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 1, 15, 10, 30, tzinfo=SHANGHAI)
HOTEL_ROOM = "310105-hongqiao-n2270-hotel-808"
OTHER_ROOM = "310105-xianxia-n350-b1-1803"
KIOSK = "SH-CN-0001"  # the kiosk whose credential sends every batch here
Deliver = Callable[[Session, str, list[OutboxRecordIn], datetime], list[OutboxRecordResult]]


class FixedClock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture(params=["sqlite", "postgresql"])
def twin_engines(request: pytest.FixtureRequest, tmp_path: Path
                 ) -> Iterator[tuple[Engine, Engine]]:
    """Two seeded, empty central databases of one backend."""
    urls: list[str] = []
    server: ThrowawayPostgres | None = None
    if request.param == "sqlite":
        urls = [f"sqlite:///{tmp_path / 'bulk.db'}", f"sqlite:///{tmp_path / 'one.db'}"]
    else:
        server = request.getfixturevalue("postgres_server")
        urls = [server.url_for(server.create_database()) for _ in range(2)]
    engines = [make_engine(url) for url in urls]
    for engine in engines:
        migrate(engine)
        CentralService(engine, FixedClock(), demo=True).seed_demo_if_empty()
    try:
        yield engines[0], engines[1]
    finally:
        for engine in engines:
            engine.dispose()
        if server is not None:
            for url in urls:
                server.drop_database(url.rsplit("/", 1)[1])


def payment(**changes: Any) -> dict[str, Any]:
    payload = {"reference": f"{KIOSK}-260115-{uuid.uuid4().int % 10**9:09d}",
               "kiosk_id": KIOSK,
               "session_id": "S-1", "lang": "en", "biller_id": "sh-water",
               "account_no": "3100012345", "bill_ids": ["sh-water-202511-01"],
               "amount": "46.06", "currency": "CNY", "response_code": "00",
               "auth_code": "A12345", "rrn": "123456789012",
               "masked_pan": "622588******1234", "card_brand": "UnionPay",
               "terminal_id": "T0000001", "merchant_id": "M000000000001",
               "paid_at": "2026-01-15T10:20:00+08:00"}
    payload.update(changes)
    return payload


def item(kind: str, key: str, payload: dict[str, Any]) -> OutboxRecordIn:
    return OutboxRecordIn(idempotency_key=key, kind=kind,  # type: ignore[arg-type]
                          created_at=NOW, payload=payload)


def deliver(engine: Engine, items: list[OutboxRecordIn], how: Deliver
            ) -> list[OutboxRecordResult]:
    with make_session_factory(engine).begin() as session:
        return how(session, KIOSK, items, NOW)


def normalized(results: list[OutboxRecordResult], earned: dict[str, str]
               ) -> list[tuple[Any, ...]]:
    """Answers with a payment's random central_ref replaced by the key that earned it
    (``earned`` carries them from one batch to the next)."""
    for result in results:
        if result.status == "accepted" and result.central_ref is not None:
            earned.setdefault(result.central_ref, result.idempotency_key)
    return [(r.idempotency_key, r.status, r.reason,
             earned.get(r.central_ref or "", r.central_ref)
             if (r.central_ref or "").startswith("C") else r.central_ref,
             r.record_status, r.detail) for r in results]


def stored(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """What central holds, without surrogate ids and random references."""
    queries = {
        "payments": "SELECT idempotency_key, request_hash, reference, amount_fen, "
                    "needs_review, review_reason, channel FROM payments",
        "bills": "SELECT id, paid_fen, paid_at FROM bills",
        "accounts": "SELECT biller_id, account_no, lock_token FROM accounts",
        "stays": "SELECT registration_no, idempotency_key, request_hash, verification_code, "
                 "arrival_date, status, police_station_id FROM stay_registrations",
        "cases": "SELECT application_no, idempotency_key, request_hash, status, "
                 "decision_due FROM arbitration_applications",
        "counters": "SELECT name, value FROM counters",
        "rejections": "SELECT kiosk_id, idempotency_key, kind, reason "
                      "FROM submission_rejections",
        "keys": "SELECT kiosk_id, idempotency_key, kind, request_hash FROM record_keys",
    }
    with engine.connect() as connection:
        return {name: sorted(tuple(row) for row in connection.execute(text(query)))
                for name, query in queries.items()}


def awkward_batches() -> list[list[OutboxRecordIn]]:
    """A first batch, then one full of duplicates, refusals and in-batch interplay."""
    k = {name: f"key-{name}-{uuid.uuid4().hex[:8]}" for name in (
        "p1", "p3", "p5", "p6", "p7", "p8", "p9", "s1", "s2", "s3", "s4", "s5", "s6", "s7",
        "s9", "sh", "sx", "a1", "a2", "a3", "a4", "a6", "a7")}
    p1 = payment()
    s1 = stay_payload(doc_number="D1000001")
    a1 = arbitration_payload(applicant={**arbitration_payload()["applicant"],
                                        "doc_number": "D2000001"})
    hotel = stay_payload(doc_number="D1000009", address_room_id=HOTEL_ROOM)
    s3 = stay_payload(doc_number="D1000003")
    broken = stay_payload(doc_number="D1000010")
    del broken["surname"]
    first = [item("bill_payment", k["p1"], p1), item("stay_registration", k["s1"], s1),
             item("arbitration_application", k["a1"], a1),
             item("stay_registration", k["sh"], hotel)]
    second = [
        item("bill_payment", k["p1"], p1),  # stored: duplicate
        item("bill_payment", k["p1"], payment(amount="1.00")),  # key reused: rejected
        item("bill_payment", k["p3"], payment()),  # bill paid already: for review
        item("bill_payment", k["p3"], payment()),  # same key again, other reference
        item("bill_payment", k["p5"], payment(biller_id="cm-mobile", account_no="13800138000",
                                              bill_ids=["cm-mobile-202601-05"],
                                              amount="50.00")),
        item("bill_payment", k["p6"], payment(account_no="3100000000")),
        item("bill_payment", k["p7"], payment(biller_id="no-such-biller")),
        item("stay_registration", k["s1"], s1),  # stored: duplicate
        item("stay_registration", k["s2"], stay_payload(doc_number="D1000001",
                                                        address_room_id=OTHER_ROOM)),
        item("stay_registration", k["s3"], s3),
        item("stay_registration", k["s4"], stay_payload(doc_number="D1000003",
                                                        address_room_id=OTHER_ROOM)),
        item("stay_registration", k["s5"], stay_payload(doc_number="D1000005",
                                                        nationality="CHN")),
        item("stay_registration", k["s6"], stay_payload(doc_number="D1000006",
                                                        address_room_id="no-such-room")),
        item("stay_registration", k["s7"], stay_payload(
            doc_number="D1000007", verification_code=s1["verification_code"])),
        item("stay_registration", k["s9"], broken),
        item("stay_registration", k["sh"], {**hotel, "address_room_id": OTHER_ROOM}),
        item("stay_registration", k["s3"], s3),  # in-batch duplicate
        item("stay_registration", "key-late-0001", stay_payload(
            doc_number="D1000008", warnings=["W_LATE_REGISTRATION"])),
        item("arbitration_application", k["a1"], a1),  # stored: duplicate
        item("arbitration_application", k["a2"], arbitration_payload(
            applicant=a1["applicant"])),  # pending case: refused
        item("arbitration_application", k["a3"], arbitration_payload(
            respondent={**a1["respondent"], "uscc": "91310000000000000X"})),
        item("arbitration_application", k["a4"], arbitration_payload(
            co_respondent={**a1["respondent"], "uscc": "91310000000000001X"})),
        item("arbitration_application", k["a6"], arbitration_payload(
            applicant={**a1["applicant"], "doc_number": "D2000006"})),
        item("arbitration_application", k["a1"], {**a1, "facts": a1["facts"] + " And more."}),
        # One key, one record of the kiosk, whatever its kind:
        item("stay_registration", k["p1"], stay_payload(doc_number="D1000011")),  # stored
        item("bill_payment", k["s1"], payment()),  # a stored stay's key
        item("stay_registration", k["sx"], stay_payload(doc_number="D1000012")),
        item("arbitration_application", k["sx"], arbitration_payload(  # in-batch
            applicant={**a1["applicant"], "doc_number": "D2000007"})),
        # Too long for central's column (PostgreSQL refused it and failed the batch):
        item("bill_payment", k["p8"], payment(reference="SH-CN-0001-260115-" + "9" * 60)),
        # Another kiosk's reference and another kiosk's record:
        item("bill_payment", k["p9"], payment(reference="SH-CN-0002-260115-000001")),
        item("arbitration_application", k["a7"], arbitration_payload(kiosk_id="SH-CN-0002")),
    ]
    return [first, second]


def test_awkward_batches_get_the_answers_and_rows_of_the_savepoint_path(
        twin_engines: tuple[Engine, Engine]) -> None:
    """GIVEN two fresh central databases and two batches full of awkward cases (stored
    and in-batch duplicates, a reused key, bills paid in the batch, unknown accounts and
    billers, overlapping stays, a hotel, a Chinese national, an unknown room, a clashing
    verification code, a schema breach, a pending case, unknown respondents, a refused
    stay resent corrected, keys used as another kind, a field too long for its column,
    another kiosk's reference and record)
    WHEN one database gets them set-based and the other record by record with savepoints
    THEN every answer is the same, in order, and both databases hold the same rows,
    numbers, settled bills, counters and rejection log."""
    bulk_engine, one_engine = twin_engines
    earned_bulk: dict[str, str] = {}
    earned_one: dict[str, str] = {}
    for batch in awkward_batches():
        bulk = deliver(bulk_engine, batch, outbox_bulk.deliver_records)
        one_by_one = deliver(one_engine, batch, outbox_batch.deliver_records_one_by_one)
        assert normalized(bulk, earned_bulk) == normalized(one_by_one, earned_one)
    assert stored(bulk_engine) == stored(one_engine)
    statuses = [(r.status, r.reason) for r in bulk]
    assert ("rejected", "E_DUPLICATE_ACTIVE_REGISTRATION") in statuses
    assert ("rejected", "E_DUPLICATE_PENDING_CASE") in statuses
    assert statuses.count(("duplicate", None)) == 4, statuses
    by_key = {r.idempotency_key: r for r in bulk}
    reused = [r for r in bulk if r.detail.get("reason") == "idempotency_key_reused"]
    assert len(reused) == 6, statuses  # p1, p3, a1 re-sent changed; p1, s1, sx as another kind
    too_long = [r for r in bulk if r.detail.get("fields") == "reference"]
    assert [(r.status, r.reason) for r in too_long] == [("rejected", "E_REQUEST_REJECTED")]
    assert [r.reason for r in bulk if r.reason == "E_FORBIDDEN"] == ["E_FORBIDDEN"] * 2
    assert by_key[batch[-1].idempotency_key].detail == {"reason": "kiosk_not_own"}
    assert [r.central_ref for r in bulk if r.central_ref and r.central_ref.startswith("LS")
            and r.status == "accepted"] == [
        "LS-310105-2026-000002", "LS-310105-2026-000003", "LS-310105-2026-000004",
        "LS-310105-2026-000005"]


def test_statements_per_batch_do_not_grow_with_the_batch(
        twin_engines: tuple[Engine, Engine]) -> None:
    """GIVEN a central that has taken a first batch
    WHEN a batch of 3 records and then one of 60 (payments, stays, applications in turn)
    are delivered set-based
    THEN both take the same number of SQL statements (an executemany counts once), and
    every record is accepted."""
    engine = twin_engines[0]
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))

    def batch(size: int, tag: str) -> list[OutboxRecordIn]:
        kinds = []
        for n in range(size):
            if n % 3 == 0:
                kinds.append(item("bill_payment", f"key-{tag}-{n:04d}", payment()))
            elif n % 3 == 1:
                kinds.append(item("stay_registration", f"key-{tag}-{n:04d}",
                                  stay_payload(doc_number=f"{tag}{n:06d}")))
            else:
                kinds.append(item("arbitration_application", f"key-{tag}-{n:04d}",
                                  arbitration_payload(applicant={
                                      **arbitration_payload()["applicant"],
                                      "doc_number": f"{tag}{n:06d}"})))
        return kinds

    counts = []
    for size, tag in ((3, "W"), (3, "S"), (60, "L")):
        statements.clear()
        results = deliver(engine, batch(size, tag), outbox_bulk.deliver_records)
        assert {r.status for r in results} == {"accepted"}
        counts.append(len(statements))
    assert counts[2] == counts[1], counts
    assert counts[2] < 30, statements



def test_a_key_another_central_recorded_meanwhile_is_answered_duplicate(
        twin_engines: tuple[Engine, Engine]) -> None:
    """GIVEN a batch of a payment and a stay, and another central that records the same
    payment key after this batch looked its keys up but before it writes
    WHEN the batch is delivered
    THEN the set-based write is rolled back and the batch goes record by record: the
    payment is a duplicate with the other central's reference, the stay is accepted with
    the first number (none used up), and each key is stored once."""
    engine = twin_engines[0]
    key = f"key-race-{uuid.uuid4().hex[:8]}"
    paid = payment()
    print_ = bill_records.fingerprint(BillPaymentRecord.model_validate(paid))
    competing = {"central_ref": "C20260115-RACE000001", "idempotency_key": key,
                 "request_hash": print_.digest, "reference": paid["reference"],
                 "kiosk_id": KIOSK,
                 "biller_id": "sh-water", "account_no": "3100012345", "amount_fen": 4606,
                 "currency": "CNY", "paid_at": NOW, "recorded_at": NOW, "channel": "direct",
                 "status": "RECORDED", "needs_review": False, "review_reason": None,
                 "record": print_.canonical}
    other_central = make_engine(engine.url.render_as_string(hide_password=False))
    fired: list[bool] = []

    def before_savepoint(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if fired or not statement.startswith("SAVEPOINT"):
            return
        fired.append(True)
        if engine.dialect.name == "postgresql":  # a real second transaction, committed
            with other_central.begin() as other:
                other.execute(insert(PaymentRow).values(**competing))
        else:  # SQLite has one writer, this one: the row goes in just before the write
            connection.execute(insert(PaymentRow).values(**competing))

    event.listen(engine, "before_cursor_execute", before_savepoint)
    try:
        stay_key = f"key-race-stay-{uuid.uuid4().hex[:8]}"
        results = deliver(engine, [item("bill_payment", key, paid),
                                   item("stay_registration", stay_key,
                                        stay_payload(doc_number="D3000001"))],
                          outbox_batch.deliver_records)
    finally:
        event.remove(engine, "before_cursor_execute", before_savepoint)
        other_central.dispose()
    assert fired
    assert [(r.status, r.reason) for r in results] == [("duplicate", None), ("accepted", None)]
    assert results[0].central_ref == competing["central_ref"]
    assert results[1].central_ref == "LS-310105-2026-000001"
    with engine.connect() as connection:
        assert connection.scalar(select(PaymentRow.central_ref).where(
            PaymentRow.idempotency_key == key)) == competing["central_ref"]
        assert connection.scalar(text(
            "SELECT count(*) FROM stay_registrations")) == 1


def test_batches_racing_with_one_persons_stay_register_it_once(
        twin_engines: tuple[Engine, Engine]) -> None:
    """GIVEN four kiosks' batches, each with an application of its own applicant and its
    own registration of one passport for the same nights (own keys, references, codes)
    WHEN they are delivered set-based at the same moment, each in its own transaction
    THEN exactly one registration is accepted and three are refused
    E_DUPLICATE_ACTIVE_REGISTRATION (SQLite: one writer; PostgreSQL: the subjects'
    advisory locks), and every application is accepted."""
    engine = twin_engines[0]
    service = CentralService(engine, FixedClock())
    deliver(engine, [  # both counters exist: their first use would serialize the racers
        item("stay_registration", "key-warm-up-0001", stay_payload(doc_number="D4000000")),
        item("arbitration_application", "key-warm-up-0002", arbitration_payload(
            applicant={**arbitration_payload()["applicant"], "doc_number": "D4000000"}))],
        outbox_bulk.deliver_records)
    racers = 4
    warm = [engine.connect() for _ in range(racers)]  # no racer waits for a new connection
    for connection in warm:
        connection.close()
    barrier = threading.Barrier(racers)

    def race(n: int) -> list[OutboxRecordResult]:
        kiosk = f"SH-CN-{n:04d}"
        batch = OutboxBatchIn(kiosk_id=kiosk, records=[
            item("arbitration_application", f"key-race-case-{n:04d}", arbitration_payload(
                applicant={**arbitration_payload()["applicant"], "doc_number": f"D50{n:06d}"},
                kiosk_id=kiosk, reference=f"{kiosk}-260115-000001")),
            item("stay_registration", f"key-race-stay-{n:04d}",
                 stay_payload(doc_number="D4000001", kiosk_id=kiosk,
                              reference=f"{kiosk}-260115-000002"))])
        barrier.wait(timeout=PATIENCE_S)
        return service.deliver_outbox(batch).results

    with ThreadPoolExecutor(max_workers=racers) as pool:
        answers = [future.result(timeout=20)
                   for future in [pool.submit(race, n) for n in range(1, racers + 1)]]
    assert all(results[0].status == "accepted" for results in answers)
    assert sorted((r[1].status, r[1].reason) for r in answers) == (
        [("accepted", None)] + [("rejected", "E_DUPLICATE_ACTIVE_REGISTRATION")] * 3)
