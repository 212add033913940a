"""Registrations of stay (境外人员临时住宿登记, docs/spec/accommodation.md#central): StayRules,
applied by central.recording for POST /v1/stay-registrations and the outbox alike.

Once per idempotency key: the same key again answers the same registration number; the
same key with a different record is refused (central.recording). The rows hold personal
data: nothing here logs.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.addresses import chain_to_room, division_of, is_hotel, station_of as station_of_parts
from central.models import AddressNodeRow, PoliceStationRow, StayRegistrationRow
from central.records import (
    Filing,
    Fingerprint,
    Stored,
    codes_in_use,
    fingerprint,
    unique_conflict,
)
from central.timeutil import in_shanghai
from kiosk.domain.stay import check_address, in_shanghai_division
from kiosk.errors import ErrorCode, KioskError, WarningCode
from kiosk.sync.wire import StayRegistrationAck, StayRegistrationRecord

KIND = "stay_registration"  # the outbox kind, and the kind in record_keys
SUBMITTED = "SUBMITTED"
PENDING_VERIFICATION = "PENDING_VERIFICATION"  # late: the police look at it first
REGISTERED = "REGISTERED"
ACTIVE_STATUSES = (SUBMITTED, PENDING_VERIFICATION, REGISTERED)


def ack_of(filing: Filing, *, duplicate: bool) -> StayRegistrationAck:
    """The direct route's answer, from what the outbox's result says too."""
    assert filing.number is not None
    return StayRegistrationAck(
        reference=filing.reference, registration_no=filing.number,
        status=filing.record_status,  # type: ignore[arg-type]
        police_station=filing.detail["police_station"],
        police_station_en=filing.detail["police_station_en"],
        police_phone=filing.detail["police_phone"],
        recorded_at=in_shanghai(filing.recorded_at), duplicate=duplicate)


def station_detail(station: PoliceStationRow) -> dict[str, str]:
    """What a registration's slip shows of its police station."""
    return {"police_station": station.name_zh, "police_station_en": station.name_en,
            "police_phone": station.phone}


def status_of(record: StayRegistrationRecord) -> str:
    """A late registration (more than 24 h after moving in: the kiosk's W_LATE_REGISTRATION)
    is accepted and waits for the police to verify it."""
    if WarningCode.LATE_REGISTRATION.value in record.warnings:
        return PENDING_VERIFICATION
    return SUBMITTED


def _nights(arrival: date, departure: date) -> tuple[date, date]:
    """The stay as a half-open range of days: leaving one room and arriving at the next
    on the same day is no overlap; a stay of zero nights still occupies its day."""
    return arrival, max(departure, arrival + timedelta(days=1))


def stays_overlap(arrival: date, departure: date, other_arrival: date,
                  other_departure: date) -> bool:
    """Whether two stays share a night (one passport has one active stay a night)."""
    start, end = _nights(arrival, departure)
    other_start, other_end = _nights(other_arrival, other_departure)
    return other_start < end and start < other_end


class StayRules:
    """Registrations of stay of one kiosk (one, or a batch): what they read, loaded at
    once, and the rules deciding each (central.recording applies them)."""

    kind = KIND
    table = StayRegistrationRow
    keeps_refusals = True

    def __init__(self, session: Session, kiosk_id: str, now: datetime,
                 records: list[tuple[str, StayRegistrationRecord]]) -> None:
        self._session, self._kiosk_id, self._now = session, kiosk_id, now
        self._records = records
        self._nodes: dict[str, AddressNodeRow] = {}
        self._stations: dict[str, PoliceStationRow] = {}
        self._codes: set[str] = set()
        # (nationality, doc_number) -> active stays as (arrival, planned departure)
        self._active: dict[tuple[str, str], list[tuple[date, date]]] = defaultdict(list)

    def fingerprint(self, record: StayRegistrationRecord) -> Fingerprint:
        return fingerprint(record)

    def subjects(self) -> list[tuple[str, ...]]:
        return [("stay", record.nationality, record.doc_number) for _, record in self._records]

    def load(self) -> None:
        """The rooms with every ancestor (one recursive query), their police stations,
        the codes in use, and the active stays of the records' documents (under the
        subjects' locks)."""
        records = [record for _, record in self._records]
        nodes = AddressNodeRow.__table__.c
        chain = select(nodes.id, nodes.parent_id).where(
            nodes.id.in_({record.address_room_id for record in records})).cte(
                "chain", recursive=True)
        chain = chain.union(  # UNION, not UNION ALL: a cycle in the tree ends too
            select(nodes.id, nodes.parent_id).join(chain, nodes.id == chain.c.parent_id))
        self._nodes = {node.id: node for node in self._session.scalars(
            select(AddressNodeRow).where(AddressNodeRow.id.in_(select(chain.c.id))))}
        self._load_stations({node.police_station_id for node in self._nodes.values()
                             if node.police_station_id})
        self._codes = codes_in_use(self._session, StayRegistrationRow.verification_code,
                                   {record.verification_code for record in records})
        for nationality, doc, arrival, departure in self._session.execute(
                select(StayRegistrationRow.nationality, StayRegistrationRow.doc_number,
                       StayRegistrationRow.arrival_date, StayRegistrationRow.planned_departure)
                .where(StayRegistrationRow.doc_number.in_({r.doc_number for r in records}),
                       StayRegistrationRow.status.in_(ACTIVE_STATUSES))):
            self._active[(nationality, doc)].append((arrival, departure))

    def load_stored(self) -> dict[str, Stored]:
        known = list(self._session.scalars(select(StayRegistrationRow).where(
            StayRegistrationRow.kiosk_id == self._kiosk_id,
            StayRegistrationRow.idempotency_key.in_({key for key, _ in self._records}))))
        self._load_stations({row.police_station_id for row in known})
        return {row.idempotency_key: Stored(row.request_hash, Filing(
            row.reference, row.recorded_at, row.registration_no, row.status,
            station_detail(self._stations[row.police_station_id]))) for row in known}

    def _load_stations(self, ids: set[str]) -> None:
        missing = ids - set(self._stations)
        if missing:
            self._stations.update((row.id, row) for row in self._session.scalars(
                select(PoliceStationRow).where(PoliceStationRow.id.in_(missing))))

    def decide(self, record: StayRegistrationRecord, print_: Fingerprint) -> Filing:
        """E_CHINESE_NATIONAL, E_ADDRESS_UNRESOLVED, E_HOTEL_ADDRESS, E_OUTSIDE_SHANGHAI,
        E_DUPLICATE_ACTIVE_REGISTRATION, in that order; then a verification code in use
        (unique_conflict); else the registration, numbered per district and year."""
        if record.nationality == "CHN":
            raise KioskError(ErrorCode.CHINESE_NATIONAL,
                             "Chinese nationals do not register here")
        parts = chain_to_room(record.address_room_id, self._nodes.get)
        division = division_of(parts)
        refused = check_address(node_is_hotel=is_hotel(parts), resolved=True,
                                in_shanghai=in_shanghai_division(division))
        if refused is ErrorCode.HOTEL_ADDRESS:
            raise KioskError(refused, "hotels register their guests themselves")
        if refused is ErrorCode.OUTSIDE_SHANGHAI:
            raise KioskError(refused, "address outside Shanghai")
        station = station_of_parts(parts, self._stations.get)
        arrival = in_shanghai(record.arrival_at).date()
        stays = self._active[(record.nationality, record.doc_number)]
        if any(stays_overlap(arrival, record.planned_departure, *other) for other in stays):
            raise KioskError(ErrorCode.DUPLICATE_ACTIVE_REGISTRATION,
                             "an active registration of this document overlaps the stay")
        if record.verification_code in self._codes:
            raise unique_conflict()
        self._codes.add(record.verification_code)
        stays.append((arrival, record.planned_departure))
        status = status_of(record)
        row: dict[str, Any] = dict(
            doc_number=record.doc_number, nationality=record.nationality,
            arrival_date=arrival, planned_departure=record.planned_departure,
            room_id=record.address_room_id, police_station_id=station.id, status=status,
            submitted_at=record.submitted_at, recorded_at=self._now)
        return Filing(record.reference, self._now, None, status, station_detail(station),
                      row=row, counter=f"LS-{division}-{in_shanghai(self._now).year}",
                      number_column="registration_no")
