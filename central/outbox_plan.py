"""The per-kind halves of the set-based outbox batch (central.outbox_bulk).

A planner loads what its records need in one query each (the idempotency keys already
recorded, reference data, verification codes in use, the rows its rules read), then
decides each record in batch order against that state held in memory, with the rules of
the single-record paths (payments.record_payment, registrations.register,
arbitration.apply) and in their order. New rows are collected for one bulk insert;
registration and application numbers are assigned when the batch is written, so a
refused record never uses one up (as a rolled-back savepoint did not).

Planners raise KioskError for a refused record, as the single-record paths do.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session, selectinload

from central import arbitration, payments, registrations
from central.addresses import SHANGHAI_DIVISION_PREFIX, division_of, is_hotel
from central.models import (
    AccountRow,
    AddressNodeRow,
    ArbitrationApplicationRow,
    BillerRow,
    CompanyRow,
    PaymentRow,
    PoliceStationRow,
    RecordKeyRow,
    StayRegistrationRow,
)
from central.records import CHANNEL_OUTBOX, ensure_same_request, fingerprint, key_reused
from central.timeutil import in_shanghai
from kiosk.domain.money import to_fen
from kiosk.errors import ErrorCode, KioskError, WarningCode
from kiosk.sync.wire import (
    ArbitrationApplicationRecord,
    BillPaymentRecord,
    OutboxRecordResult,
    StayRegistrationRecord,
)


def accepted(key: str, duplicate: bool, central_ref: str, record_status: str | None,
             detail: dict[str, Any]) -> OutboxRecordResult:
    return OutboxRecordResult(idempotency_key=key,
                              status="duplicate" if duplicate else "accepted",
                              central_ref=central_ref, record_status=record_status,
                              detail=detail)


def rejected(key: str, code: ErrorCode, detail: dict[str, str] | None = None
             ) -> OutboxRecordResult:
    """A refusal with its reason: the code, and in ``detail`` what central chose to say
    about it ("reason", the failing "fields"), never a value of the record."""
    return OutboxRecordResult(idempotency_key=key, status="rejected", reason=code.value,
                              detail={name: str(value)[:200] for name, value
                                      in (detail or {}).items()})


def unique_conflict() -> KioskError:
    """What the savepoint path answers when an insert collides twice (records.py)."""
    return KioskError(ErrorCode.REQUEST_REJECTED, "record conflicts with a stored one",
                      reason="unique_conflict")


@dataclass
class NewFiling:
    """A registration or application to insert; numbered when the batch is written."""

    counter: str  # counter name, also the number's prefix: "LS-310105-2026"
    number_column: str
    row: dict[str, Any]
    record_status: str
    detail: dict[str, str]
    number: str | None = None

    def answer(self, key: str, *, duplicate: bool) -> OutboxRecordResult:
        assert self.number is not None, "answered before the batch was written"
        return accepted(key, duplicate, self.number, self.record_status, self.detail)


# An answer now, or one that waits for the batch's numbers.
Answer = OutboxRecordResult | tuple[NewFiling, str, bool]


@dataclass
class Numbering:
    """The filings of a batch by counter, in batch order."""

    by_counter: dict[str, list[NewFiling]] = field(default_factory=lambda: defaultdict(list))

    def add(self, filing: NewFiling) -> None:
        self.by_counter[filing.counter].append(filing)


class KeyRegistry:
    """records.ensure_key_free / claim_key for a batch: the kiosk's keys of the batch
    already in record_keys loaded in one query, the new ones inserted in one."""

    def __init__(self, session: Session, kiosk_id: str, now: datetime) -> None:
        self._session, self.kiosk_id, self._now = session, kiosk_id, now
        self._taken: set[str] = set()
        self.rows: list[dict[str, Any]] = []

    def load(self, keys: set[str]) -> None:
        if keys:
            self._taken = set(self._session.scalars(select(RecordKeyRow.idempotency_key).where(
                RecordKeyRow.kiosk_id == self.kiosk_id,
                RecordKeyRow.idempotency_key.in_(keys))))

    def ensure_free(self, key: str) -> None:
        """For a key its kind's planner does not know: it must name no other record."""
        if key in self._taken:
            raise key_reused()

    def claim(self, key: str, kind: str, request_hash: str) -> None:
        self._taken.add(key)
        self.rows.append(dict(kiosk_id=self.kiosk_id, idempotency_key=key, kind=kind,
                              request_hash=request_hash, recorded_at=self._now))

    def write(self) -> None:
        if self.rows:
            self._session.execute(insert(RecordKeyRow), self.rows)


class PaymentPlanner:
    """Bill payments: never refused for a business reason (payments.py)."""

    def __init__(self, session: Session, now: datetime,
                 records: list[tuple[str, BillPaymentRecord]], keys: KeyRegistry) -> None:
        self._session, self._now, self._records = session, now, records
        self._keys = keys
        self._known: dict[str, tuple[str, str]] = {}  # key -> (request hash, central_ref)
        self._billers: dict[str, BillerRow] = {}
        self._accounts: dict[tuple[str, str], AccountRow] = {}
        self.rows: list[dict[str, Any]] = []

    def load(self) -> None:
        keys = {key for key, _ in self._records}
        self._known = {key: (digest, ref) for key, digest, ref in self._session.execute(
            select(PaymentRow.idempotency_key, PaymentRow.request_hash, PaymentRow.central_ref)
            .where(PaymentRow.kiosk_id == self._keys.kiosk_id,
                   PaymentRow.idempotency_key.in_(keys)))}
        biller_ids = {record.biller_id for _, record in self._records}
        self._billers = {row.id: row for row in self._session.scalars(
            select(BillerRow).where(BillerRow.id.in_(biller_ids)))}

    def load_locked(self) -> None:
        """The accounts, locked in id order on PostgreSQL (find_account's FOR UPDATE)."""
        pairs = {(r.biller_id, r.account_no) for key, r in self._records
                 if key not in self._known and r.biller_id in self._billers}
        if not pairs:
            return
        query = (select(AccountRow)
                 .where(tuple_(AccountRow.biller_id, AccountRow.account_no).in_(pairs))
                 .options(selectinload(AccountRow.bills)).order_by(AccountRow.id)
                 .with_for_update(of=AccountRow))
        self._accounts = {(row.biller_id, row.account_no): row
                          for row in self._session.scalars(query)}

    def plan(self, key: str, record: BillPaymentRecord) -> Answer:
        print_ = payments.fingerprint(record)
        known = self._known.get(key)
        if known is not None:
            digest, central_ref = known
            if digest != print_.digest:
                raise key_reused()
            return accepted(key, True, central_ref, None, {})
        self._keys.ensure_free(key)
        biller = self._billers.get(record.biller_id)
        account = self._accounts.get((record.biller_id, record.account_no))
        reasons = payments.settle_bills(biller, account, record, self._now)
        central_ref = payments.new_central_ref(self._now)
        self.rows.append(dict(
            central_ref=central_ref, idempotency_key=key, request_hash=print_.digest,
            reference=record.reference, kiosk_id=record.kiosk_id,
            biller_id=record.biller_id, account_no=record.account_no,
            amount_fen=to_fen(record.amount), currency=record.currency,
            paid_at=record.paid_at, recorded_at=self._now, channel=CHANNEL_OUTBOX,
            status="RECORDED", needs_review=bool(reasons),
            review_reason=",".join(reasons) or None, record=print_.canonical,
            verification_code=record.verification_code))
        self._keys.claim(key, payments.KIND, print_.digest)
        self._known[key] = (print_.digest, central_ref)
        return accepted(key, False, central_ref, None, {})

    def write(self) -> None:
        if self.rows:  # the settled bills and accounts are flushed with the batch
            self._session.execute(insert(PaymentRow), self.rows)


def _codes_in_use(session: Session, column: Any, codes: set[str]) -> set[str]:
    return set(session.scalars(select(column).where(column.in_(codes)))) if codes else set()


class StayPlanner:
    """Registrations of stay, with registrations.register's checks in its order."""

    def __init__(self, session: Session, now: datetime,
                 records: list[tuple[str, StayRegistrationRecord]], numbering: Numbering,
                 keys: KeyRegistry) -> None:
        self._session, self._now, self._records = session, now, records
        self._numbering, self._keys = numbering, keys
        self._known: dict[str, StayRegistrationRow | tuple[str, NewFiling]] = {}
        self._nodes: dict[str, AddressNodeRow] = {}
        self._stations: dict[str, PoliceStationRow] = {}
        self._codes: set[str] = set()
        # (nationality, doc_number) -> active stays as (arrival, planned departure)
        self._active: dict[tuple[str, str], list[tuple[date, date]]] = defaultdict(list)
        self.rows: list[dict[str, Any]] = []

    def load(self) -> None:
        keys = {key for key, _ in self._records}
        self._known = {row.idempotency_key: row for row in self._session.scalars(
            select(StayRegistrationRow).where(
                StayRegistrationRow.kiosk_id == self._keys.kiosk_id,
                StayRegistrationRow.idempotency_key.in_(keys)))}
        rooms = {r.address_room_id for _, r in self._fresh()}
        if rooms:  # the rooms and all their ancestors in one recursive query
            nodes = AddressNodeRow.__table__.c
            chain = select(nodes.id, nodes.parent_id).where(nodes.id.in_(rooms)).cte(
                "chain", recursive=True)
            chain = chain.union(  # UNION, not UNION ALL: a cycle in the tree ends too
                select(nodes.id, nodes.parent_id).join(chain, nodes.id == chain.c.parent_id))
            self._nodes = {node.id: node for node in self._session.scalars(
                select(AddressNodeRow).where(AddressNodeRow.id.in_(select(chain.c.id))))}
        station_ids = {node.police_station_id for node in self._nodes.values()
                       if node.police_station_id}
        station_ids |= {row.police_station_id for row in self._known.values()
                        if isinstance(row, StayRegistrationRow)}
        self._stations = {row.id: row for row in self._session.scalars(
            select(PoliceStationRow).where(PoliceStationRow.id.in_(station_ids)))}
        self._codes = _codes_in_use(self._session, StayRegistrationRow.verification_code,
                                    {r.verification_code for _, r in self._fresh()})

    def subjects(self) -> list[tuple[str, ...]]:
        return [("stay", r.nationality, r.doc_number) for _, r in self._fresh()]

    def load_locked(self) -> None:
        """The active stays of the batch's documents (after the subjects' locks)."""
        docs = {r.doc_number for _, r in self._fresh()}
        if not docs:
            return
        for nationality, doc, arrival, departure in self._session.execute(
                select(StayRegistrationRow.nationality, StayRegistrationRow.doc_number,
                       StayRegistrationRow.arrival_date, StayRegistrationRow.planned_departure)
                .where(StayRegistrationRow.doc_number.in_(docs),
                       StayRegistrationRow.status.in_(registrations.ACTIVE_STATUSES))):
            self._active[(nationality, doc)].append((arrival, departure))

    def _fresh(self) -> list[tuple[str, StayRegistrationRecord]]:
        return [(key, r) for key, r in self._records if key not in self._known]

    def _room_chain(self, room_id: str) -> list[AddressNodeRow]:
        """addresses.room_chain on the nodes loaded for the batch."""
        room = self._nodes.get(room_id)
        if room is None or room.level != "room":
            raise KioskError(ErrorCode.ADDRESS_UNRESOLVED, "not a room of the address book")
        nodes, seen = [room], {room.id}
        while nodes[-1].parent_id is not None:
            parent = self._nodes.get(nodes[-1].parent_id)
            if parent is None or parent.id in seen:
                raise KioskError(ErrorCode.ADDRESS_UNRESOLVED, "address tree broken")
            seen.add(parent.id)
            nodes.append(parent)
        return list(reversed(nodes))

    def _station(self, parts: list[AddressNodeRow]) -> PoliceStationRow:
        for node in reversed(parts):
            if node.police_station_id is not None:
                station = self._stations.get(node.police_station_id)
                if station is not None:
                    return station
        raise KioskError(ErrorCode.ADDRESS_UNRESOLVED, "no police station for this address")

    def plan(self, key: str, record: StayRegistrationRecord) -> Answer:
        print_ = fingerprint(record)
        known = self._known.get(key)
        if isinstance(known, StayRegistrationRow):
            ensure_same_request(known.request_hash, print_)
            station = self._stations[known.police_station_id]
            return accepted(key, True, known.registration_no, known.status,
                            _station_detail(station))
        if known is not None:
            digest, filing = known
            ensure_same_request(digest, print_)
            return filing, key, True
        self._keys.ensure_free(key)
        if record.nationality == "CHN":
            raise KioskError(ErrorCode.CHINESE_NATIONAL,
                             "Chinese nationals do not register here")
        parts = self._room_chain(record.address_room_id)
        if is_hotel(parts):
            raise KioskError(ErrorCode.HOTEL_ADDRESS,
                             "hotels register their guests themselves")
        division = division_of(parts)
        if not division.startswith(SHANGHAI_DIVISION_PREFIX):
            raise KioskError(ErrorCode.OUTSIDE_SHANGHAI, "address outside Shanghai")
        station = self._station(parts)
        arrival = in_shanghai(record.arrival_at).date()
        stays = self._active[(record.nationality, record.doc_number)]
        if any(registrations.stays_overlap(arrival, record.planned_departure, *other)
               for other in stays):
            raise KioskError(ErrorCode.DUPLICATE_ACTIVE_REGISTRATION,
                             "an active registration of this document overlaps the stay")
        if record.verification_code in self._codes:
            raise unique_conflict()
        late = WarningCode.LATE_REGISTRATION.value in record.warnings
        status = registrations.PENDING_VERIFICATION if late else registrations.SUBMITTED
        row = dict(
            idempotency_key=key, request_hash=print_.digest,
            reference=record.reference, verification_code=record.verification_code,
            kiosk_id=record.kiosk_id, doc_number=record.doc_number,
            nationality=record.nationality, arrival_date=arrival,
            planned_departure=record.planned_departure, room_id=record.address_room_id,
            police_station_id=station.id, status=status, channel=CHANNEL_OUTBOX,
            submitted_at=record.submitted_at, recorded_at=self._now, record=print_.canonical)
        filing = NewFiling(f"LS-{division}-{in_shanghai(self._now).year}",
                           "registration_no", row, status, _station_detail(station))
        self._numbering.add(filing)
        self.rows.append(row)
        self._keys.claim(key, registrations.KIND, print_.digest)
        self._known[key] = (print_.digest, filing)
        self._codes.add(record.verification_code)
        stays.append((arrival, record.planned_departure))
        return filing, key, False

    def write(self) -> None:
        if self.rows:
            self._session.execute(insert(StayRegistrationRow), self.rows)


def _station_detail(station: PoliceStationRow) -> dict[str, str]:
    return {"police_station": station.name_zh, "police_station_en": station.name_en,
            "police_phone": station.phone}


class ApplicationPlanner:
    """Labour arbitration applications, with arbitration.apply's checks in its order."""

    def __init__(self, session: Session, now: datetime,
                 records: list[tuple[str, ArbitrationApplicationRecord]],
                 numbering: Numbering, keys: KeyRegistry) -> None:
        self._session, self._now, self._records = session, now, records
        self._numbering, self._keys = numbering, keys
        self._known: dict[str, ArbitrationApplicationRow | tuple[str, NewFiling]] = {}
        self._companies: set[str] = set()
        self._codes: set[str] = set()
        self._pending: set[tuple[str, str]] = set()  # (applicant doc, respondent USCC)
        self.rows: list[dict[str, Any]] = []

    def load(self) -> None:
        keys = {key for key, _ in self._records}
        self._known = {row.idempotency_key: row for row in self._session.scalars(
            select(ArbitrationApplicationRow)
            .where(ArbitrationApplicationRow.kiosk_id == self._keys.kiosk_id,
                   ArbitrationApplicationRow.idempotency_key.in_(keys)))}
        usccs = {party.uscc.strip().upper() for _, r in self._fresh()
                 for party in (r.respondent, r.co_respondent) if party is not None}
        if usccs:
            self._companies = set(self._session.scalars(
                select(CompanyRow.uscc).where(CompanyRow.uscc.in_(usccs))))
        self._codes = _codes_in_use(self._session, ArbitrationApplicationRow.verification_code,
                                    {r.verification_code for _, r in self._fresh()})

    def subjects(self) -> list[tuple[str, ...]]:
        return [("case", r.applicant.doc_number, r.respondent.uscc) for _, r in self._fresh()]

    def load_locked(self) -> None:
        """The pending cases of the batch's applicants (after the subjects' locks)."""
        docs = {r.applicant.doc_number for _, r in self._fresh()}
        if docs:
            self._pending = {(doc, uscc) for doc, uscc in self._session.execute(
                select(ArbitrationApplicationRow.applicant_doc_number,
                       ArbitrationApplicationRow.respondent_uscc)
                .where(ArbitrationApplicationRow.applicant_doc_number.in_(docs),
                       ArbitrationApplicationRow.status == arbitration.PENDING))}

    def _fresh(self) -> list[tuple[str, ArbitrationApplicationRecord]]:
        return [(key, r) for key, r in self._records if key not in self._known]

    def plan(self, key: str, record: ArbitrationApplicationRecord) -> Answer:
        print_ = fingerprint(record)
        known = self._known.get(key)
        if isinstance(known, ArbitrationApplicationRow):
            ensure_same_request(known.request_hash, print_)
            return accepted(key, True, known.application_no, arbitration.PENDING,
                            arbitration.commission_detail(known))
        if known is not None:
            digest, filing = known
            ensure_same_request(digest, print_)
            return filing, key, True
        self._keys.ensure_free(key)
        for role, party in (("respondent", record.respondent),
                            ("co_respondent", record.co_respondent)):
            if party is not None and party.uscc.strip().upper() not in self._companies:
                raise KioskError(ErrorCode.RESPONDENT_NOT_FOUND, "no company with this USCC",
                                 party=role)
        case = (record.applicant.doc_number, record.respondent.uscc)
        if case in self._pending:
            raise KioskError(ErrorCode.DUPLICATE_PENDING_CASE,
                             "a case of this applicant against this respondent is pending")
        if record.verification_code in self._codes:
            raise unique_conflict()
        received = in_shanghai(self._now)
        commission = arbitration.CHANGNING_COMMISSION
        decision_due = received.date() + arbitration.DECISION_WITHIN
        row = dict(
            idempotency_key=key, request_hash=print_.digest,
            reference=record.reference, verification_code=record.verification_code,
            kiosk_id=record.kiosk_id, applicant_doc_number=record.applicant.doc_number,
            respondent_uscc=record.respondent.uscc, commission=commission.id,
            status=arbitration.PENDING, channel=CHANNEL_OUTBOX,
            submitted_at=record.submitted_at, received_at=self._now,
            decision_due=decision_due, record=print_.canonical)
        detail = {"commission": commission.name_zh, "commission_en": commission.name_en,
                  "commission_address": commission.address,
                  "commission_phone": commission.phone,
                  "decision_due": decision_due.isoformat()}
        filing = NewFiling(f"CNLA-{received.year}", "application_no", row,
                           arbitration.PENDING, detail)
        self._numbering.add(filing)
        self.rows.append(row)
        self._keys.claim(key, arbitration.KIND, print_.digest)
        self._known[key] = (print_.digest, filing)
        self._codes.add(record.verification_code)
        self._pending.add(case)
        return filing, key, False

    def write(self) -> None:
        if self.rows:
            self._session.execute(insert(ArbitrationApplicationRow), self.rows)
