"""Registrations of stay (境外人员临时住宿登记, DOMAIN.md 2.3): the one function both
POST /v1/stay-registrations and the outbox go through.

Once per idempotency key: the same key again answers the same registration number; the
same key with a different record is refused. Works inside the caller's transaction.
The rows hold personal data: nothing here logs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.addresses import division_of, is_hotel, police_station_of, room_chain
from central.models import PoliceStationRow, StayRegistrationRow
from central.records import (
    claim_key,
    ensure_key_free,
    ensure_same_request,
    fingerprint,
    forget_rejection,
    next_number,
    serialize_on,
)
from central.timeutil import in_shanghai
from kiosk.errors import ErrorCode, KioskError, WarningCode
from kiosk.sync.wire import StayRegistrationAck, StayRegistrationRecord

KIND = "stay_registration"  # the outbox kind, and the kind in record_keys
SUBMITTED = "SUBMITTED"
PENDING_VERIFICATION = "PENDING_VERIFICATION"  # late: the police look at it first
REGISTERED = "REGISTERED"
ACTIVE_STATUSES = (SUBMITTED, PENDING_VERIFICATION, REGISTERED)


def find_registration(session: Session, kiosk_id: str, idempotency_key: str
                      ) -> StayRegistrationRow | None:
    return session.scalars(select(StayRegistrationRow).where(
        StayRegistrationRow.kiosk_id == kiosk_id,
        StayRegistrationRow.idempotency_key == idempotency_key)).one_or_none()


def ack_of(session: Session, row: StayRegistrationRow, *, duplicate: bool
           ) -> StayRegistrationAck:
    station = session.get(PoliceStationRow, row.police_station_id)
    assert station is not None  # foreign key
    return StayRegistrationAck(
        reference=row.reference, registration_no=row.registration_no,
        status=row.status,  # type: ignore[arg-type]
        police_station=station.name_zh, police_station_en=station.name_en,
        police_phone=station.phone, recorded_at=in_shanghai(row.recorded_at),
        duplicate=duplicate)


def _nights(arrival: date, departure: date) -> tuple[date, date]:
    """The stay as a half-open range of days: leaving one room and arriving at the next
    on the same day is no overlap; a stay of zero nights still occupies its day."""
    return arrival, max(departure, arrival + timedelta(days=1))


def stays_overlap(arrival: date, departure: date, other_arrival: date,
                  other_departure: date) -> bool:
    """Whether two stays share a night (the rule overlapping_active applies)."""
    start, end = _nights(arrival, departure)
    other_start, other_end = _nights(other_arrival, other_departure)
    return other_start < end and start < other_end


def overlapping_active(session: Session, record: StayRegistrationRecord,
                       arrival: date) -> StayRegistrationRow | None:
    start, end = _nights(arrival, record.planned_departure)
    candidates = session.scalars(select(StayRegistrationRow).where(
        StayRegistrationRow.doc_number == record.doc_number,
        StayRegistrationRow.nationality == record.nationality,
        StayRegistrationRow.status.in_(ACTIVE_STATUSES)))
    for row in candidates:
        other_start, other_end = _nights(row.arrival_date, row.planned_departure)
        if other_start < end and start < other_end:
            return row
    return None


def register(session: Session, record: StayRegistrationRecord, idempotency_key: str,
             now: datetime, channel: str) -> tuple[StayRegistrationAck, bool]:
    """Returns the ack and whether a registration was created now. Raises KioskError:
    E_CHINESE_NATIONAL, E_ADDRESS_UNRESOLVED, E_HOTEL_ADDRESS, E_OUTSIDE_SHANGHAI,
    E_DUPLICATE_ACTIVE_REGISTRATION, E_REQUEST_REJECTED (key reused), in that order."""
    print_ = fingerprint(record)
    existing = find_registration(session, record.kiosk_id, idempotency_key)
    if existing is not None:
        ensure_same_request(existing.request_hash, print_)
        return ack_of(session, existing, duplicate=True), False
    ensure_key_free(session, record.kiosk_id, idempotency_key)
    if record.nationality == "CHN":
        raise KioskError(ErrorCode.CHINESE_NATIONAL, "Chinese nationals do not register here")
    parts = room_chain(session, record.address_room_id)
    if is_hotel(parts):
        raise KioskError(ErrorCode.HOTEL_ADDRESS, "hotels register their guests themselves")
    division = division_of(parts)
    if not division.startswith("31"):
        raise KioskError(ErrorCode.OUTSIDE_SHANGHAI, "address outside Shanghai")
    station = police_station_of(session, parts)
    arrival = in_shanghai(record.arrival_at).date()
    serialize_on(session, "stay", record.nationality, record.doc_number)
    if overlapping_active(session, record, arrival) is not None:
        raise KioskError(ErrorCode.DUPLICATE_ACTIVE_REGISTRATION,
                         "an active registration of this document overlaps the stay")
    year = in_shanghai(now).year
    number = next_number(session, f"LS-{division}-{year}")
    late = WarningCode.LATE_REGISTRATION.value in record.warnings
    row = StayRegistrationRow(
        registration_no=f"LS-{division}-{year}-{number:06d}",
        idempotency_key=idempotency_key, request_hash=print_.digest,
        reference=record.reference, verification_code=record.verification_code,
        kiosk_id=record.kiosk_id, doc_number=record.doc_number,
        nationality=record.nationality, arrival_date=arrival,
        planned_departure=record.planned_departure, room_id=record.address_room_id,
        police_station_id=station.id, status=PENDING_VERIFICATION if late else SUBMITTED,
        channel=channel, submitted_at=record.submitted_at, recorded_at=now,
        record=print_.canonical)
    session.add(row)
    claim_key(session, kiosk_id=record.kiosk_id, idempotency_key=idempotency_key,
              kind=KIND, request_hash=print_.digest, now=now)
    session.flush()  # unique keys are checked here, inside the caller's try
    forget_rejection(session, record.kiosk_id, idempotency_key)
    return ack_of(session, row, duplicate=False), True
