"""One implementation of each rule (issue 11, item 3): every record kind sent the three
ways central takes records (the direct route, the outbox set-based, the outbox with a
savepoint per record) over a table of cases that reaches every outcome of every rule,
on SQLite and PostgreSQL over real HTTP. Each way answers and stores the same.

The three ways run side by side on one central, each as its own kiosk with its own
accounts, documents and applicants (a rule reads what any kiosk recorded), round by
round: the direct route sends a round's records one by one, the outbox as one batch.
Answers and rows are compared with what is particular to a kiosk (references, document
numbers, verification codes, central's numbers) replaced by the case that made them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, ClassVar

import pytest
import requests
from sqlalchemy import Engine, insert, select

from central import outbox_bulk
from central.db import make_engine
from central.models import (
    AccountRow,
    AddressNodeRow,
    ArbitrationApplicationRow,
    BillerRow,
    BillRow,
    CounterRow,
    PaymentRow,
    RecordKeyRow,
    StayRegistrationRow,
    SubmissionRejectionRow,
)
from central_record_cases import (
    ACCOUNTS,
    CASE,
    MAINTENANCE_BILLER,
    OTHER_KIOSK,
    PAY,
    ROUND_ONE,
    SCENARIO,
    STAY,
    Advance,
    Case,
    Lookup,
    World,
    expected,
    kept_refusals,
)
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

TIMEOUT = PATIENCE_S
ROUTES = {"bill_payment": "/v1/bill-payments",
          "stay_registration": "/v1/stay-registrations",
          "arbitration_application": "/v1/arbitration-applications"}
# --- the three ways ----------------------------------------------------------------------

Answer = tuple[str, str, str | None, dict[str, str], str | None, str | None]


class Way:
    """A kiosk sending records one of the three ways: ``send(cases)`` answers each case
    as (case, status, code, detail, central's number, record status)."""

    SLIP: ClassVar[dict[str, tuple[str, ...]]] = {
        STAY: ("police_station", "police_station_en", "police_phone"),
        CASE: ("commission", "commission_en", "commission_address", "commission_phone",
               "decision_due")}

    def __init__(self, world: World, url: str, headers: dict[str, str],
                 other_kiosk: dict[str, str]) -> None:
        self.world, self.url, self.other_kiosk = world, url, other_kiosk
        self.http = requests.Session()
        self.http.headers.update(headers)

    def send(self, cases: list[Case]) -> list[Answer]:
        payloads = []
        for case in cases:
            payload = case.build(self.world)
            self.world.sent.setdefault(case.name, payload)
            payloads.append(payload)
        if self.world.way == "direct":
            return [self._post(case, payload)
                    for case, payload in zip(cases, payloads, strict=True)]
        batch = {"kiosk_id": self.world.kiosk, "records": [
            {"idempotency_key": case.idempotency_key, "kind": case.kind,
             "created_at": "2026-01-15T10:29:00+08:00", "payload": payload}
            for case, payload in zip(cases, payloads, strict=True)]}
        answer = self.http.post(f"{self.url}/v1/outbox", json=batch, timeout=TIMEOUT)
        assert answer.status_code == 200, answer.text
        return [(case.name, r["status"], r["reason"], r["detail"], r["central_ref"],
                 r["record_status"])
                for case, r in zip(cases, answer.json()["results"], strict=True)]

    def _post(self, case: Case, payload: dict[str, Any]) -> Answer:
        answer = self.http.post(f"{self.url}{ROUTES[case.kind]}", json=payload,
                                headers={"Idempotency-Key": case.idempotency_key},
                                timeout=TIMEOUT)
        body = answer.json()
        if answer.status_code == 422 and body["code"] == "E_REQUEST_REJECTED":  # the schema
            fields = ",".join(location.removeprefix("body.") for location in body["detail"])
            return (case.name, "rejected", body["code"], {"reason": "invalid",
                                                          "fields": fields}, None, None)
        if answer.status_code >= 400:
            return case.name, "rejected", body["code"], body["detail"], None, None
        assert answer.status_code in (200, 201), answer.text
        status = "duplicate" if body["duplicate"] else "accepted"
        assert (answer.status_code == 200) == body["duplicate"]
        if case.kind == PAY:
            return case.name, status, None, {}, body["central_ref"], None
        number = body.get("registration_no") or body.get("application_no")
        slip = {name: str(body[name]) for name in self.SLIP[case.kind]}
        return case.name, status, None, slip, number, body["status"]

    def lookup(self, step: Lookup) -> None:
        """Look a water account of this way's up: by its kiosk (its lock token kept for
        the payments), or by another kiosk (whose lock then holds the bills)."""
        answer = self.http.post(f"{self.url}/v1/bills/lookup", timeout=TIMEOUT,
                                json={"biller_id": "sh-water",
                                      "account_no": self.world.account(step.account)},
                                headers=self.other_kiosk if step.by_other_kiosk else {})
        assert answer.status_code == 200, answer.text
        if not step.by_other_kiosk:
            self.world.tokens[step.account] = answer.json()["lock_token"]

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def ways(central_url: str, central_db: str, keys: Any, monkeypatch: pytest.MonkeyPatch
         ) -> Iterator[list[Way]]:
    """The three ways, each a kiosk of its own with its accounts in central's database;
    the savepoint way's batches never go set-based."""
    worlds = [World("direct", "SH-CN-0101", "WD"), World("outbox", "SH-CN-0102", "WB"),
              World("outbox-savepoints", "SH-CN-0103", "WF")]
    engine = make_engine(central_db)
    try:
        with engine.begin() as connection:
            _add_places(connection)
            for world in worlds:
                _add_accounts(connection, world)
    finally:
        engine.dispose()
    set_based = outbox_bulk.deliver_records

    def not_for_the_savepoint_way(session: Any, kiosk_id: str, *args: Any) -> Any:
        if kiosk_id == worlds[2].kiosk:
            raise outbox_bulk.BulkConflict
        return set_based(session, kiosk_id, *args)

    monkeypatch.setattr(outbox_bulk, "deliver_records", not_for_the_savepoint_way)
    made = [Way(world, central_url, keys.kiosk_headers(world.kiosk),
                keys.kiosk_headers(OTHER_KIOSK)) for world in worlds]
    yield made
    for way in made:
        way.close()


def _add_places(connection: Any) -> None:
    """A room outside Shanghai, a Shanghai room no node names a station for, a biller
    under maintenance."""
    for top, division, station in (("t-320583", "320583", "xianxia"),
                                   ("t-310199", "310199", None)):
        parent = None
        for level, node in zip(("district", "street", "lane", "building", "room"),
                               (top, f"{top}-s", f"{top}-s-l", f"{top}-s-l-b",
                                f"{top}-s-l-b-101"), strict=True):
            connection.execute(insert(AddressNodeRow).values(
                id=node, parent_id=parent, level=level, name_zh="测试", name_en="Test",
                is_hotel=False, division_code=division if level == "district" else None,
                police_station_id=station if level == "street" else None, sort_key=99))
            parent = node
    connection.execute(insert(BillerRow).values(id=MAINTENANCE_BILLER, type="WATER",
                                                name_zh="维护中", name_en="Under maintenance",
                                                maintenance=True))


def _add_accounts(connection: Any, world: World) -> None:
    for label, (partial, bills) in ACCOUNTS.items():
        biller = MAINTENANCE_BILLER if label == "maint" else "sh-water"
        account_id = connection.execute(insert(AccountRow).values(
            biller_id=biller, account_no=world.account(label), holder_name="测试",
            address="长宁区仙霞路88号", partial_allowed=partial).returning(AccountRow.id)
        ).scalar_one()
        for bill, yuan in bills:
            connection.execute(insert(BillRow).values(
                id=world.bill(bill), account_id=account_id, period="2025-12",
                amount_fen=yuan * 100, late_fee_fen=0, due_date=date(2026, 1, 25),
                paid_fen=0))


# --- what each way got and stored ----------------------------------------------------------

class Numbers:
    """Central's numbers of one way as the case that first got each: the same number
    answered twice (a duplicate) shows as the same label."""

    PAYMENT_REF = re.compile(r"C20260115-[0-9A-F]{10}")
    FILING_NO = re.compile(r"(LS-310105-2026|CNLA-2026)-[0-9]{6}")

    def __init__(self) -> None:
        self.labels: dict[str, str] = {}

    def label(self, number: str | None, case: str) -> str | None:
        if number is None:
            return None
        assert self.PAYMENT_REF.fullmatch(number) or self.FILING_NO.fullmatch(number), number
        return self.labels.setdefault(number, f"{number[:number.rfind('-')]}#{case}")


def normalized(way: Way, answers: list[Answer], numbers: Numbers) -> list[tuple[Any, ...]]:
    return [(case, status, code, detail, numbers.label(number, case), record_status)
            for case, status, code, detail, number, record_status in answers]


def stored(engine: Engine, way: Way, numbers: Numbers) -> dict[str, Any]:
    """What central holds of one way, without what is particular to its kiosk (and
    every record of it stored with the channel it came by)."""
    world, kiosk = way.world, way.world.kiosk
    label = world.label_of

    def number(value: str) -> str | None:
        return numbers.labels.get(value, f"unanswered {value}")

    with engine.connect() as db:
        payments = {row.idempotency_key: (
            label(row.account_no), row.amount_fen, row.needs_review, row.review_reason,
            number(row.central_ref), label(row.verification_code or ""))
            for row in db.execute(select(PaymentRow).where(PaymentRow.kiosk_id == kiosk))}
        bills = {label(row.id): (row.paid_fen, row.paid_at is not None)
                 for row in db.execute(select(BillRow).where(
                     BillRow.id.like(f"{world.tag}-%")))}
        locks = {label(row.account_no): {None: None, kiosk: "own", OTHER_KIOSK: "other"}.get(
            row.lock_kiosk_id, "someone else") for row in db.execute(
                select(AccountRow).where(AccountRow.account_no.like(f"%-{world.tag}")))}
        stays = {row.idempotency_key: (
            label(row.doc_number), row.nationality, row.arrival_date, row.planned_departure,
            row.room_id, row.police_station_id, row.status,
            number(row.registration_no), label(row.verification_code),
            row.record["warnings"], label(row.record["doc_number"]))
            for row in db.execute(select(StayRegistrationRow).where(
                StayRegistrationRow.kiosk_id == kiosk))}
        cases = {row.idempotency_key: (
            label(row.applicant_doc_number), row.respondent_uscc, row.status, row.commission,
            row.decision_due, number(row.application_no),
            label(row.verification_code), row.record["warnings"])
            for row in db.execute(select(ArbitrationApplicationRow).where(
                ArbitrationApplicationRow.kiosk_id == kiosk))}
        channels = {row.channel for table in (PaymentRow, StayRegistrationRow,
                                              ArbitrationApplicationRow)
                    for row in db.execute(select(table.channel).where(
                        table.kiosk_id == kiosk))}
        keys = {row.idempotency_key: row.kind for row in db.execute(
            select(RecordKeyRow).where(RecordKeyRow.kiosk_id == kiosk))}
        refusals = {row.idempotency_key: (row.kind, row.reason, label(row.verification_code))
                    for row in db.execute(select(SubmissionRejectionRow).where(
                        SubmissionRejectionRow.kiosk_id == kiosk))}
    assert channels == {"direct" if world.way == "direct" else "outbox"}, world.way
    return {"payments": payments, "bills": bills, "locks": locks, "stays": stays,
            "cases": cases, "keys": keys, "refusals": refusals}


def test_every_rule_answers_and_stores_the_same_on_every_way(ways: list[Way], clock: Any,
                                                             central_db: str) -> None:
    """GIVEN three kiosks of one central, each with its own accounts, documents and
    applicants, sending records the direct route, the outbox set-based, and the outbox
    record by record in savepoints
    WHEN each sends the same table of cases (payments with every review reason,
    registrations and applications with every refusal, warning and status, duplicates
    stored and within a batch, keys reused within and across kinds, clashing
    verification codes, another kiosk's record and reference, a refused registration
    resent corrected), a round at a time
    THEN every case gets the answer the table names, the three ways answer alike and
    store alike (rows, settled bills, locks, keys, rejection log, warnings kept, number
    shapes, the same number for a duplicate), and central's numbers have no gap."""
    answered: dict[str, list[tuple[Any, ...]]] = {way.world.way: [] for way in ways}
    numbers = {way.world.way: Numbers() for way in ways}
    for step in SCENARIO:
        if isinstance(step, Advance):
            clock.advance(timedelta(minutes=step.minutes))
            continue
        for way in ways:
            if isinstance(step, Lookup):
                way.lookup(step)
                continue
            answers = way.send(step)
            for case, (name, status, code, detail, _n, record_status) in zip(step, answers,
                                                                             strict=True):
                status_code_value = (status, code, next(iter(detail.values()), None)
                                     if status == "rejected" else None)
                assert status_code_value == expected(case), (way.world.way, name, detail)
                if case.status is not None:
                    assert record_status == case.status, (way.world.way, name)
            answered[way.world.way] += normalized(way, answers, numbers[way.world.way])

    _direct, *outbox = ways
    for way in outbox:
        assert answered[way.world.way] == answered["direct"], way.world.way

    engine = make_engine(central_db)
    try:
        holdings = {way.world.way: stored(engine, way, numbers[way.world.way])
                    for way in ways}
        reviews = {f"key-{case.name}": case.review for case in ROUND_ONE if case.kind == PAY
                   and case.expect == "accepted"}
        assert {key: row[3] for key, row in holdings["direct"]["payments"].items()} == reviews
        assert {key: refusal[:2] for key, refusal in holdings["direct"]["refusals"].items()
                } == kept_refusals()
        for way in outbox:
            assert holdings[way.world.way] == holdings["direct"], way.world.way
        _assert_numbers_without_gaps(engine, numbers)
    finally:
        engine.dispose()


def _assert_numbers_without_gaps(engine: Engine, numbers: dict[str, Numbers]) -> None:
    """Every registration and application number was answered once, and each counter
    stands at the last: no refused record used one up."""
    given: dict[str, list[int]] = {}
    for way_numbers in numbers.values():
        for number in way_numbers.labels:
            if Numbers.FILING_NO.fullmatch(number):
                counter, _, n = number.rpartition("-")
                given.setdefault(counter, []).append(int(n))
    with engine.connect() as db:
        counters = {row.name: row.value for row in db.execute(select(CounterRow))}
    assert set(given) == {"LS-310105-2026", "CNLA-2026"}
    for counter, taken in given.items():
        assert sorted(taken) == list(range(1, counters[counter] + 1)), counter
