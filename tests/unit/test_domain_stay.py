"""Accommodation registration (docs/spec/accommodation.md#errors-and-warnings): required
fields, every error and warning, the address flags, the name comparison with the MRZ, and
the record for central."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from kiosk.domain import stay
from kiosk.domain.stay import (
    AccommodationType,
    DocType,
    EntryStatusType,
    HostIdType,
    Purpose,
    Sex,
    StayForm,
    check_address,
    check_stay,
    names_match,
    to_payload,
)
from kiosk.errors import ErrorCode, WarningCode

CST = timezone(timedelta(hours=8))
TODAY = date(2026, 5, 1)
NOW = datetime(2026, 5, 1, 10, 0, tzinfo=CST)

PAYLOAD_KEYS = {
    "kiosk_id", "lang", "submitted_at", "surname", "given_names", "middle_name",
    "chinese_name", "sex", "birth_date", "nationality", "doc_type", "doc_number", "doc_expiry",
    "entry_status_type", "entry_status_number", "entry_status_valid_until",
    "number_of_entries", "date_of_entry", "port_of_entry", "arrival_at", "planned_departure",
    "address_room_id", "accommodation_type", "host_name", "host_id_type", "host_id_number",
    "host_phone", "purpose", "phone", "lease_contract", "warnings",
}  # i4-payloads.md, less reference and verification_code (the store adds them)


def valid_form() -> StayForm:
    return StayForm(
        surname="MUSTERMANN", given_names="ERIKA", sex=Sex.F, birth_date=date(1964, 8, 12),
        nationality="DEU", doc_type=DocType.PASSPORT_ORDINARY, doc_number="C01X00T47",
        doc_expiry=date(2034, 8, 11), entry_status_type=EntryStatusType.Z,
        entry_status_number="Z12345678", entry_status_valid_until=date(2027, 1, 31),
        number_of_entries=1, date_of_entry=date(2026, 4, 30), port_of_entry="PVG",
        arrival_at=datetime(2026, 4, 30, 20, 0, tzinfo=CST),
        planned_departure=date(2026, 12, 31), address_room_id="cn-xianxia-88-3-1201",
        accommodation_type=AccommodationType.RENTED, host_name="王伟",
        host_id_type=HostIdType.RESIDENT_ID, host_id_number="11010519491231002X",
        host_phone="021 6234 5678", purpose=Purpose.EMPLOYMENT, phone="138 0013 8000",
        lease_contract=True)


def test_complete_form_passes() -> None:
    """GIVEN a complete registration made within 24 hours of arrival
    WHEN checked
    THEN no errors and no warnings."""
    result = check_stay(valid_form(), TODAY, NOW)
    assert result.ok and result.errors == [] and result.warnings == []


def test_empty_form_names_every_required_field() -> None:
    """GIVEN an empty form
    WHEN checked
    THEN E_FIELD_REQUIRED for exactly the always-required fields."""
    result = check_stay(StayForm(), TODAY, NOW)
    assert result.errors == [(name, ErrorCode.FIELD_REQUIRED) for name in stay.BASE_REQUIRED]


def test_host_details_are_required_unless_own_home() -> None:
    """GIVEN a rented home without host details, then an own home without them
    WHEN checked
    THEN the four host fields are required for the first, none for the second."""
    no_host = replace(valid_form(), host_name=None, host_id_type=None, host_id_number=" ",
                      host_phone=None)
    assert check_stay(no_host, TODAY, NOW).errors == [
        (name, ErrorCode.FIELD_REQUIRED) for name in stay.HOST_FIELDS]
    own = replace(no_host, accommodation_type=AccommodationType.OWN, lease_contract=None)
    assert check_stay(own, TODAY, NOW).ok


def test_entry_status_number_required_unless_visa_free_and_lease_when_rented() -> None:
    """GIVEN no entry status number, and a rented home without the lease answer
    WHEN checked
    THEN both are E_FIELD_REQUIRED; visa-free entry needs no number."""
    form = replace(valid_form(), entry_status_number="", lease_contract=None)
    assert check_stay(form, TODAY, NOW).errors == [
        ("entry_status_number", ErrorCode.FIELD_REQUIRED),
        ("lease_contract", ErrorCode.FIELD_REQUIRED)]
    visa_free = replace(valid_form(), entry_status_type=EntryStatusType.VISA_FREE,
                        entry_status_number=None)
    assert check_stay(visa_free, TODAY, NOW).ok


@pytest.mark.parametrize("changes, error", [
    ({"nationality": "CHN"}, ("nationality", ErrorCode.CHINESE_NATIONAL)),
    ({"nationality": "QQQ"}, ("nationality", ErrorCode.FIELD_FORMAT)),
    ({"doc_expiry": date(2026, 4, 30)}, ("doc_expiry", ErrorCode.DOC_EXPIRED)),
    ({"entry_status_valid_until": date(2026, 4, 30)},
     ("entry_status_valid_until", ErrorCode.OVERSTAY)),
    ({"birth_date": date(2026, 5, 2)}, ("birth_date", ErrorCode.DATES_INVALID)),
    ({"date_of_entry": date(2026, 5, 1)}, ("date_of_entry", ErrorCode.DATES_INVALID)),
    ({"arrival_at": datetime(2026, 5, 1, 10, 1, tzinfo=CST)},
     ("arrival_at", ErrorCode.DATES_INVALID)),
    ({"arrival_at": datetime(2026, 4, 30, 20, 0)},  # noqa: DTZ001 - naive: refused
     ("arrival_at", ErrorCode.FIELD_FORMAT)),
    ({"planned_departure": date(2026, 4, 29)}, ("planned_departure", ErrorCode.DATES_INVALID)),
    ({"phone": "1380013800"}, ("phone", ErrorCode.PHONE_FORMAT)),
    ({"host_phone": "02102345678"}, ("host_phone", ErrorCode.PHONE_FORMAT)),
    ({"surname": "MÜLLER"}, ("surname", ErrorCode.FIELD_FORMAT)),
    ({"given_names": "JOHN O'NEIL"}, ("given_names", ErrorCode.FIELD_FORMAT)),
    ({"middle_name": "J."}, ("middle_name", ErrorCode.FIELD_FORMAT)),
    ({"host_name": "王" * 201}, ("host_name", ErrorCode.FIELD_FORMAT)),
    ({"doc_number": "C01X-00T47!"}, ("doc_number", ErrorCode.FIELD_FORMAT)),
    ({"doc_type": DocType.PR_CARD, "doc_number": "931276196408121240"},
     ("doc_number", ErrorCode.PR_CHECK)),
    ({"host_id_number": "110105194912310021"}, ("host_id_number", ErrorCode.FIELD_FORMAT)),
    ({"host_id_type": HostIdType.USCC, "host_id_number": "91350211M00013FA1N"},
     ("host_id_number", ErrorCode.FIELD_FORMAT)),
    ({"port_of_entry": "JFK"}, ("port_of_entry", ErrorCode.FIELD_FORMAT)),
    ({"purpose": "smuggling"}, ("purpose", ErrorCode.FIELD_FORMAT)),
    ({"number_of_entries": 0}, ("number_of_entries", ErrorCode.FIELD_FORMAT)),
    # The wire holds at most 99 (central refuses more): the kiosk asks again instead.
    ({"number_of_entries": 100}, ("number_of_entries", ErrorCode.FIELD_FORMAT)),
])
def test_each_rule_gives_its_code_on_its_field(changes: dict[str, object],
                                              error: tuple[str, ErrorCode]) -> None:
    """GIVEN a complete form with one answer breaking one rule
    WHEN checked
    THEN exactly that (field, code) error."""
    result = check_stay(replace(valid_form(), **changes), TODAY, NOW)  # type: ignore[arg-type]
    assert result.errors == [error]


def test_lenient_but_correct_answers_pass() -> None:
    """GIVEN lowercase names with a hyphen and double spaces, a PR card, a company host
    WHEN checked
    THEN no errors."""
    form = replace(valid_form(), surname="van  der-berg", given_names="anna maria",
                   doc_type=DocType.PR_CARD, doc_number="93127619640812124X",
                   host_id_type=HostIdType.USCC, host_id_number="91310110666007217T",
                   accommodation_type=AccommodationType.EMPLOYER, lease_contract=None)
    assert check_stay(form, TODAY, NOW).errors == []


def test_late_registration_after_24_hours_is_a_warning() -> None:
    """GIVEN arrival exactly 24 hours ago, then 24 hours and a minute ago
    WHEN checked
    THEN the first has no warning, the second W_LATE_REGISTRATION and no error."""
    on_time = replace(valid_form(), arrival_at=NOW - timedelta(hours=24))
    assert check_stay(on_time, TODAY, NOW).warnings == []
    late = replace(valid_form(), arrival_at=NOW - timedelta(hours=24, minutes=1))
    result = check_stay(late, TODAY, NOW)
    assert result.ok and result.warnings == [WarningCode.LATE_REGISTRATION]


def test_departure_after_validity_is_a_warning() -> None:
    """GIVEN a planned departure after the entry status's validity
    WHEN checked
    THEN ok with W_DEPARTURE_AFTER_VALIDITY."""
    form = replace(valid_form(), planned_departure=date(2027, 2, 1))
    result = check_stay(form, TODAY, NOW)
    assert result.ok and result.warnings == [WarningCode.DEPARTURE_AFTER_VALIDITY]


def test_arrival_in_another_zone_is_compared_as_an_instant() -> None:
    """GIVEN an arrival of 2026-04-30 13:00 UTC (21:00 in Shanghai) and entry that day
    WHEN checked
    THEN no error: the arrival day is taken in the kiosk's zone."""
    form = replace(valid_form(), arrival_at=datetime(2026, 4, 30, 13, 0, tzinfo=UTC))
    assert check_stay(form, TODAY, NOW).ok


@pytest.mark.parametrize("hotel, resolved, shanghai, code", [
    (False, True, True, None),
    (True, True, True, ErrorCode.HOTEL_ADDRESS),
    (False, False, True, ErrorCode.ADDRESS_UNRESOLVED),
    (False, True, False, ErrorCode.OUTSIDE_SHANGHAI),
    (True, True, False, ErrorCode.HOTEL_ADDRESS),  # central asks in the same order
])
def test_address_flags(hotel: bool, resolved: bool, shanghai: bool,
                       code: ErrorCode | None) -> None:
    """GIVEN an address's flags from the address book
    WHEN checked
    THEN hotels, unresolved and non-Shanghai addresses are refused with their code; a
    hotel outside Shanghai is a hotel (its guests are registered by it, wherever it is)."""
    assert check_address(hotel, resolved, shanghai) == code


def test_names_must_equal_the_mrz_name() -> None:
    """GIVEN the MRZ name ERIKSSON / ANNA MARIA
    WHEN compared with typed names
    THEN equal, hyphenated or middle-name-split forms match; another name does not."""
    mrz = {"surname": "ERIKSSON", "given_names": "ANNA MARIA", "name_truncated": False}
    assert names_match(replace(valid_form(), surname="Eriksson", given_names="ANNA-MARIA"), mrz)
    assert names_match(replace(valid_form(), surname="ERIKSSON", given_names="ANNA",
                               middle_name="MARIA"), mrz)
    assert not names_match(replace(valid_form(), surname="ERIKSSON", given_names="ANNA"), mrz)
    assert not names_match(replace(valid_form(), surname="ERIKSON",
                                   given_names="ANNA MARIA"), mrz)
    assert not names_match(StayForm(), mrz)


def test_truncated_mrz_name_only_has_to_begin_the_typed_name() -> None:
    """GIVEN an MRZ name that filled its field (maybe truncated)
    WHEN compared with the full typed name
    THEN it matches when the MRZ text begins the typed name."""
    mrz = {"surname": "WOLFESCHLEGELSTEINHAUSEN", "given_names": "HUBERT BLAI",
           "name_truncated": True}
    form = replace(valid_form(), surname="WOLFESCHLEGELSTEINHAUSEN", given_names="HUBERT BLAINE")
    assert names_match(form, mrz)
    assert not names_match(replace(form, given_names="HUBERT"), mrz)


def test_document_types_from_mrz_codes() -> None:
    """GIVEN ICAO document codes
    WHEN mapped to the form's document type
    THEN P and PP are ordinary, PD diplomatic, PS service, ID cards other."""
    assert [stay.doc_type_from_mrz(c) for c in ("P", "PP", "PD", "PS", "I", "AC")] == [
        DocType.PASSPORT_ORDINARY, DocType.PASSPORT_ORDINARY, DocType.PASSPORT_DIPLOMATIC,
        DocType.PASSPORT_SERVICE, DocType.OTHER, DocType.OTHER]


def test_payload_has_exactly_the_agreed_keys_and_formats() -> None:
    """GIVEN a complete late registration
    WHEN turned into the outbox record
    THEN it has the agreed keys, dates as YYYY-MM-DD, datetimes with +08:00, normalized
    phones and codes, and the accepted warning."""
    form = replace(valid_form(), surname="van der berg", middle_name="",
                   doc_number="c01x 00t47")
    submitted = datetime(2026, 5, 1, 10, 0, 5, 123456, tzinfo=CST)
    payload = to_payload(form, "HQ-01", "de", submitted, [WarningCode.LATE_REGISTRATION])
    assert set(payload) == PAYLOAD_KEYS
    assert payload["submitted_at"] == "2026-05-01T10:00:05+08:00"
    assert payload["arrival_at"] == "2026-04-30T20:00:00+08:00"
    assert payload["birth_date"] == "1964-08-12" and payload["doc_expiry"] == "2034-08-11"
    assert payload["surname"] == "VAN DER BERG" and payload["middle_name"] is None
    assert payload["doc_number"] == "C01X00T47"
    assert payload["phone"] == "13800138000" and payload["host_phone"] == "02162345678"
    assert payload["sex"] == "F" and payload["entry_status_type"] == "Z"
    assert payload["accommodation_type"] == "rented" and payload["purpose"] == "employment"
    assert payload["host_id_type"] == "resident_id" and payload["lease_contract"] is True
    assert payload["warnings"] == ["W_LATE_REGISTRATION"]
    assert all(type(v) in (str, int, bool, list, type(None)) for v in payload.values())


def test_payload_nulls_for_own_home_and_visa_free() -> None:
    """GIVEN an own home with stale host answers and a visa-free entry with a number
    WHEN turned into the record
    THEN the four host fields and the entry status number are null."""
    form = replace(valid_form(), accommodation_type=AccommodationType.OWN,
                   entry_status_type=EntryStatusType.VISA_FREE, lease_contract=None)
    payload = to_payload(form, "HQ-01", "en", NOW, [])
    assert [payload[k] for k in stay.HOST_FIELDS] == [None] * 4
    assert payload["entry_status_number"] is None and payload["lease_contract"] is False


def test_payload_refuses_an_incomplete_form_or_a_naive_time() -> None:
    """GIVEN a form without a phone, and a submission time without its offset
    WHEN turned into the record
    THEN ValueError (a programming error: check_stay comes first)."""
    with pytest.raises(ValueError):
        to_payload(replace(valid_form(), phone=None), "HQ-01", "en", NOW, [])
    with pytest.raises(ValueError):
        to_payload(valid_form(), "HQ-01", "en", datetime(2026, 5, 1, 10, 0), [])  # noqa: DTZ001


def test_choice_lists_cover_the_payload_codes() -> None:
    """GIVEN the choice lists
    WHEN their codes are read
    THEN they are the codes of i4-payloads.md, each with an English label."""
    assert [c.code for c in stay.VISA_TYPES] == [
        "C", "D", "F", "G", "J1", "J2", "L", "M", "Q1", "Q2", "R", "S1", "S2", "X1", "X2", "Z",
        "RESIDENCE_PERMIT", "STAY_PERMIT", "VISA_FREE"]
    assert [c.code for c in stay.DOC_TYPES] == [
        "passport_ordinary", "passport_diplomatic", "passport_service", "pr_card", "other"]
    assert [c.code for c in stay.ACCOMMODATION_TYPES] == ["rented", "own", "relative_friend",
                                                         "employer"]
    assert [c.code for c in stay.PURPOSES] == [
        "investment", "employment", "study", "exchange", "business", "performance",
        "visiting", "touring", "real_estate", "medical", "other"]
    assert {"PVG", "SHA", "WGQ", "PEK", "PKX", "CAN", "SZX", "HKG-land", "other"} == {
        c.code for c in stay.PORTS_OF_ENTRY}
    everything = (stay.VISA_TYPES + stay.DOC_TYPES + stay.ACCOMMODATION_TYPES + stay.PURPOSES
                  + stay.PORTS_OF_ENTRY + stay.HOST_ID_TYPES + stay.SEXES)
    assert all(c.label and c.label.isascii() for c in everything)
