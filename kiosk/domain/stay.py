"""Accommodation registration of a foreigner staying outside a hotel (境外人员临时住宿登记,
docs/spec/accommodation.md): the form, its choice lists, its checks and the record for central.

Exit-Entry Administration Law Art. 39: register within 24 hours of moving in. A late
registration is accepted and flagged (W_LATE_REGISTRATION); an expired document or an
expired entry status is refused. Address rules need central's address book, so the
service passes the address's flags to ``check_address``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from stdnum.cn import ric

from kiosk.domain import checks, nationality
from kiosk.domain.phone import check_phone, normalize_phone
from kiosk.domain.results import Choice, FormCheck
from kiosk.domain.stay_choices import (
    ACCOMMODATION_TYPES,
    DOC_TYPES,
    HOST_ID_TYPES,
    PORTS_OF_ENTRY,
    PURPOSES,
    SEXES,
    VISA_TYPES,
    AccommodationType,
    DocType,
    EntryStatusType,
    HostIdType,
    Purpose,
    Sex,
    codes,
)
from kiosk.errors import ErrorCode, WarningCode

__all__ = [
    "ACCOMMODATION_TYPES", "DOC_TYPES", "HOST_ID_TYPES", "PORTS_OF_ENTRY", "PURPOSES",
    "SEXES", "SHANGHAI_DIVISION_PREFIX", "VISA_TYPES", "AccommodationType", "DocType",
    "EntryStatusType", "HostIdType", "Purpose", "Sex", "StayForm", "check_address",
    "check_stay", "doc_type_from_mrz", "in_shanghai_division", "names_match",
    "required_fields", "to_payload",
]

Fail = Callable[[str, ErrorCode], None]  # records one (field, code) error

REGISTRATION_WINDOW = timedelta(hours=24)  # Art. 39
NAME = re.compile(r"[A-Z]+(?:[ -][A-Z]+)*")  # MRZ-style Latin capitals, space, hyphen
DOCUMENT_NUMBER = re.compile(r"[A-Z0-9]{1,17}")
MAX_TEXT = 200  # characters of any one text answer (central's limit too)


@dataclass
class StayForm:
    """Every field of the registration (docs/spec/accommodation.md), None until answered."""

    surname: str | None = None
    given_names: str | None = None
    middle_name: str | None = None
    chinese_name: str | None = None
    sex: Sex | None = None
    birth_date: date | None = None
    nationality: str | None = None  # ISO alpha-3
    doc_type: DocType | None = None
    doc_number: str | None = None
    doc_expiry: date | None = None
    entry_status_type: EntryStatusType | None = None
    entry_status_number: str | None = None  # not for VISA_FREE
    entry_status_valid_until: date | None = None
    number_of_entries: int | None = None
    date_of_entry: date | None = None
    port_of_entry: str | None = None  # a code of PORTS_OF_ENTRY
    arrival_at: datetime | None = None  # aware, +08:00
    planned_departure: date | None = None
    address_room_id: str | None = None  # central's address book
    accommodation_type: AccommodationType | None = None
    host_name: str | None = None
    host_id_type: HostIdType | None = None
    host_id_number: str | None = None
    host_phone: str | None = None
    purpose: Purpose | None = None
    phone: str | None = None
    lease_contract: bool | None = None  # asked when rented


BASE_REQUIRED: tuple[str, ...] = (
    "surname", "given_names", "sex", "birth_date", "nationality", "doc_type", "doc_number",
    "doc_expiry", "entry_status_type", "entry_status_valid_until", "date_of_entry",
    "port_of_entry", "arrival_at", "planned_departure", "address_room_id",
    "accommodation_type", "purpose", "phone")
HOST_FIELDS = ("host_name", "host_id_type", "host_id_number", "host_phone")


def required_fields(form: StayForm) -> tuple[str, ...]:
    """The fields this form must have, given what was already answered."""
    required = BASE_REQUIRED
    if form.entry_status_type not in (None, EntryStatusType.VISA_FREE):
        required += ("entry_status_number",)
    if form.accommodation_type not in (None, AccommodationType.OWN):
        required += HOST_FIELDS
    if form.accommodation_type == AccommodationType.RENTED:
        required += ("lease_contract",)
    return required


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def name_ok(text: str) -> bool:
    return NAME.fullmatch(" ".join(text.upper().split())) is not None


def too_long(value: object, limit: int = MAX_TEXT) -> bool:
    return isinstance(value, str) and len(value.strip()) > limit


def compact_id(text: str) -> str:
    return re.sub(r"[\s-]", "", text).upper()


def check_stay(form: StayForm, today: date, now: datetime) -> FormCheck:
    """All the errors (field, code) and warnings of the form. ``now`` is the kiosk's
    aware clock time. Never raises for what the user answered."""
    errors: list[tuple[str, ErrorCode]] = []
    warnings: list[WarningCode] = []

    def fail(field_name: str, code: ErrorCode) -> None:
        if (field_name, code) not in errors:
            errors.append((field_name, code))

    for field_name in required_fields(form):
        if is_blank(getattr(form, field_name)):
            fail(field_name, ErrorCode.FIELD_REQUIRED)

    for field_name in ("surname", "given_names", "middle_name"):
        value = getattr(form, field_name)
        if not is_blank(value) and not name_ok(value):
            fail(field_name, ErrorCode.FIELD_FORMAT)
    for field_name in ("surname", "given_names", "middle_name", "chinese_name", "host_name",
                       "address_room_id"):
        if too_long(getattr(form, field_name)):
            fail(field_name, ErrorCode.FIELD_FORMAT)
    _check_choices(form, fail)
    _check_identity(form, today, fail)
    _check_dates(form, today, now, fail, warnings)
    for field_name in ("phone", "host_phone"):
        value = getattr(form, field_name)
        if not is_blank(value) and check_phone(value) is not None:
            fail(field_name, ErrorCode.PHONE_FORMAT)
    if form.accommodation_type not in (None, AccommodationType.OWN):
        _check_host_id(form, fail)
    return FormCheck(errors, warnings)


_CHOICE_FIELDS: dict[str, tuple[Choice, ...]] = {
    "sex": SEXES, "doc_type": DOC_TYPES, "entry_status_type": VISA_TYPES,
    "port_of_entry": PORTS_OF_ENTRY, "accommodation_type": ACCOMMODATION_TYPES,
    "host_id_type": HOST_ID_TYPES, "purpose": PURPOSES,
}


def _check_choices(form: StayForm, fail: Fail) -> None:
    for field_name, choices in _CHOICE_FIELDS.items():
        value = getattr(form, field_name)
        if value is not None and value not in codes(choices):
            fail(field_name, ErrorCode.FIELD_FORMAT)
    if form.number_of_entries is not None and not 1 <= form.number_of_entries <= 99:
        fail("number_of_entries", ErrorCode.FIELD_FORMAT)


def _check_identity(form: StayForm, today: date, fail: Fail) -> None:
    if not is_blank(form.nationality):
        code = str(form.nationality).strip().upper()
        if code == nationality.CHINA:
            fail("nationality", ErrorCode.CHINESE_NATIONAL)
        elif not nationality.is_known(code):
            fail("nationality", ErrorCode.FIELD_FORMAT)
    if not is_blank(form.doc_number):
        number = compact_id(str(form.doc_number))
        if form.doc_type == DocType.PR_CARD:
            result = checks.pr_card(number)
            if not result.ok:
                fail("doc_number", ErrorCode(result.code or ErrorCode.PR_FORMAT))
        elif not DOCUMENT_NUMBER.fullmatch(number):
            fail("doc_number", ErrorCode.FIELD_FORMAT)
    if form.doc_expiry is not None and form.doc_expiry < today:
        fail("doc_expiry", ErrorCode.DOC_EXPIRED)
    if (form.entry_status_type not in (None, EntryStatusType.VISA_FREE)
            and not is_blank(form.entry_status_number)
            and not DOCUMENT_NUMBER.fullmatch(compact_id(str(form.entry_status_number)))):
        fail("entry_status_number", ErrorCode.FIELD_FORMAT)


def _check_dates(form: StayForm, today: date, now: datetime, fail: Fail,
                 warnings: list[WarningCode]) -> None:
    if form.entry_status_valid_until is not None and form.entry_status_valid_until < today:
        fail("entry_status_valid_until", ErrorCode.OVERSTAY)
    if form.birth_date is not None and form.birth_date > today:
        fail("birth_date", ErrorCode.DATES_INVALID)
    if form.date_of_entry is not None and form.date_of_entry > today:
        fail("date_of_entry", ErrorCode.DATES_INVALID)
    arrival = form.arrival_at
    if arrival is not None and arrival.utcoffset() is None:
        fail("arrival_at", ErrorCode.FIELD_FORMAT)  # a time without its zone is no time
        arrival = None
    if arrival is not None:
        arrival_day = arrival.astimezone(now.tzinfo).date() if now.tzinfo else arrival.date()
        if arrival > now:
            fail("arrival_at", ErrorCode.DATES_INVALID)
        elif now - arrival > REGISTRATION_WINDOW:
            warnings.append(WarningCode.LATE_REGISTRATION)
        if form.date_of_entry is not None and form.date_of_entry > arrival_day:
            fail("date_of_entry", ErrorCode.DATES_INVALID)
        if form.planned_departure is not None and form.planned_departure < arrival_day:
            fail("planned_departure", ErrorCode.DATES_INVALID)
    if (form.planned_departure is not None and form.entry_status_valid_until is not None
            and form.planned_departure > form.entry_status_valid_until):
        warnings.append(WarningCode.DEPARTURE_AFTER_VALIDITY)


def _check_host_id(form: StayForm, fail: Fail) -> None:
    if is_blank(form.host_id_number):
        return
    number = compact_id(str(form.host_id_number))
    if form.host_id_type == HostIdType.RESIDENT_ID:
        ok = _resident_id_ok(number)
    elif form.host_id_type == HostIdType.PR_CARD:
        ok = checks.pr_card(number).ok
    elif form.host_id_type == HostIdType.USCC:
        ok = checks.uscc(number).ok
    else:
        ok = DOCUMENT_NUMBER.fullmatch(number) is not None
    if not ok:
        fail("host_id_number", ErrorCode.FIELD_FORMAT)


def _resident_id_ok(number: str) -> bool:
    """GB 11643 shape, check character and birth date (stdnum.cn.ric). The birth place
    is not looked up: stdnum's county list lags behind new divisions."""
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        return False
    try:
        ric.get_birth_date(number)
    except ValueError:
        return False
    return ric.calc_check_digit(number) == number[17]


SHANGHAI_DIVISION_PREFIX = "31"  # GB/T 2260: 310000 上海市, every district 31xxxx


def in_shanghai_division(division_code: str) -> bool:
    """Whether a GB/T 2260 administrative division code is one of Shanghai's."""
    return division_code.startswith(SHANGHAI_DIVISION_PREFIX)


def check_address(node_is_hotel: bool, resolved: bool, in_shanghai: bool) -> ErrorCode | None:
    """The chosen address, as central's address book describes it: it must resolve to a
    room in Shanghai that is not a hotel. The kiosk and central ask in this one order: a
    hotel first (hotels register their guests themselves, in Shanghai or elsewhere, so
    "outside Shanghai" would send a hotel guest to register for nothing)."""
    if not resolved:
        return ErrorCode.ADDRESS_UNRESOLVED
    if node_is_hotel:
        return ErrorCode.HOTEL_ADDRESS
    if not in_shanghai:
        return ErrorCode.OUTSIDE_SHANGHAI
    return None


def doc_type_from_mrz(doc_code: str) -> DocType:
    """ICAO document code to the form's document type: "P"/"PP"/"PO" ordinary, "PD"
    diplomatic, "PS" service; anything else (ID cards) is "other"."""
    code = doc_code.rstrip("<")
    if code.startswith("P"):
        return {"PD": DocType.PASSPORT_DIPLOMATIC, "PS": DocType.PASSPORT_SERVICE}.get(
            code, DocType.PASSPORT_ORDINARY)
    return DocType.OTHER


def _name_key(text: str) -> str:
    """Names as the MRZ writes them: capitals, hyphens and runs of spaces as one space."""
    return " ".join(text.upper().replace("-", " ").split())


def names_match(form: StayForm, mrz_fields: Mapping[str, Any]) -> bool:
    """The typed (or confirmed) name equals the MRZ name: surname to surname, given and
    middle names to the MRZ's given names. A name the MRZ had to truncate only has to
    begin the typed one."""
    typed_surname = _name_key(form.surname or "")
    typed_given = _name_key(" ".join(n for n in (form.given_names, form.middle_name) if n))
    mrz_surname = _name_key(str(mrz_fields.get("surname", "")))
    mrz_given = _name_key(str(mrz_fields.get("given_names", "")))
    if not typed_surname or not mrz_surname:
        return False
    if mrz_fields.get("name_truncated"):
        typed = f"{typed_surname}  {typed_given}".replace(" ", "")
        read = f"{mrz_surname}  {mrz_given}".replace(" ", "")
        return typed.startswith(read)
    return typed_surname == mrz_surname and typed_given == mrz_given


def _need(value: Any, field_name: str) -> Any:
    if is_blank(value):
        raise ValueError(f"the form is incomplete: {field_name}")
    return value


def _aware(moment: datetime, field_name: str) -> str:
    if moment.utcoffset() is None:
        raise ValueError(f"{field_name} needs its UTC offset")
    return moment.isoformat(timespec="seconds")


def to_payload(form: StayForm, kiosk_id: str, lang: str, submitted_at: datetime,
               warnings: list[WarningCode] | list[str]) -> dict[str, Any]:
    """The outbox record of kind "stay_registration" (the store adds reference and
    verification_code). Call it only for a form check_stay passed: raises ValueError
    on a missing required field."""
    for field_name in required_fields(form):
        _need(getattr(form, field_name), field_name)
    code = str(form.nationality).strip().upper()
    if code == nationality.CHINA:
        raise ValueError("Chinese nationals do not register here")
    own = form.accommodation_type == AccommodationType.OWN
    visa_free = form.entry_status_type == EntryStatusType.VISA_FREE
    assert form.birth_date and form.doc_expiry and form.entry_status_valid_until
    assert form.date_of_entry and form.arrival_at and form.planned_departure
    return {
        "kiosk_id": kiosk_id,
        "lang": lang,
        "submitted_at": _aware(submitted_at, "submitted_at"),
        "surname": _name_key(str(form.surname)),
        "given_names": _name_key(str(form.given_names)),
        "middle_name": (_name_key(form.middle_name or "")
                        if not is_blank(form.middle_name) else None),
        "chinese_name": (form.chinese_name or "").strip() or None,
        "sex": str(form.sex),
        "birth_date": form.birth_date.isoformat(),
        "nationality": code,
        "doc_type": str(form.doc_type),
        "doc_number": compact_id(str(form.doc_number)),
        "doc_expiry": form.doc_expiry.isoformat(),
        "entry_status_type": str(form.entry_status_type),
        "entry_status_number": None if visa_free else compact_id(str(form.entry_status_number)),
        "entry_status_valid_until": form.entry_status_valid_until.isoformat(),
        "number_of_entries": form.number_of_entries,
        "date_of_entry": form.date_of_entry.isoformat(),
        "port_of_entry": str(form.port_of_entry),
        "arrival_at": _aware(form.arrival_at, "arrival_at"),
        "planned_departure": form.planned_departure.isoformat(),
        "address_room_id": str(form.address_room_id),
        "accommodation_type": str(form.accommodation_type),
        "host_name": None if own else str(form.host_name).strip(),
        "host_id_type": None if own else str(form.host_id_type),
        "host_id_number": None if own else compact_id(str(form.host_id_number)),
        "host_phone": None if own else normalize_phone(str(form.host_phone)),
        "purpose": str(form.purpose),
        "phone": normalize_phone(str(form.phone)),
        "lease_contract": bool(form.lease_contract),
        "warnings": [str(w) for w in warnings],
    }
