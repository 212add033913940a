"""The issue-4 wire models: the registration and application payloads of
i4-payloads.md, the look-up's one-of rule, and canonical fingerprints."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from central.records import fingerprint
from kiosk.sync.wire import (
    ArbitrationApplicationRecord,
    BillLookupRequest,
    OutboxRecordIn,
    StayRegistrationRecord,
)

HEADER = {"reference": "K-260115-000001", "verification_code": "7K3M9QXR2D",
          "kiosk_id": "K", "lang": "en", "submitted_at": "2026-01-15T10:29:00+08:00"}
STAY: dict[str, Any] = {
    **HEADER, "surname": "MUSTERMANN", "given_names": "ERIKA", "middle_name": None,
    "chinese_name": None, "sex": "F", "birth_date": "1964-08-12", "nationality": "DEU",
    "doc_type": "passport_ordinary", "doc_number": "C01X00T47", "doc_expiry": "2034-08-11",
    "entry_status_type": "Z", "entry_status_number": "Z1", "entry_status_valid_until":
    "2026-12-31", "number_of_entries": None, "date_of_entry": "2026-01-14",
    "port_of_entry": "PVG", "arrival_at": "2026-01-14T20:00:00+08:00",
    "planned_departure": "2026-06-30", "address_room_id": "r", "accommodation_type":
    "employer", "host_name": "H", "host_id_type": "uscc", "host_id_number": "9131",
    "host_phone": "02162001234", "purpose": "employment", "phone": "13812348000",
    "lease_contract": False, "warnings": ["W_LATE_REGISTRATION"]}
CLAIM = {"type": "unpaid_wages", "amount": "100.5", "from": "2025-11-01", "to": None,
         "basis": "Art. 30"}
PARTY = {"uscc": "91310110666007217T", "name": "n", "address": "a",
         "legal_representative": "l", "representative_title": "t", "phone": "p"}
APPLICATION: dict[str, Any] = {
    **HEADER,
    "applicant": {"surname": "S", "given_names": "G", "sex": "M", "birth_date": "1980-01-01",
                  "nationality": "FRA", "doc_type": "passport", "doc_number": "1",
                  "occupation": "o", "address": "a", "service_address": "s", "phone": "p",
                  "work_permit_no": None},
    "agent": None, "respondent": PARTY, "co_respondent": None,
    "employment": {"start": "2020-01-01", "end": None, "workplace": "w",
                   "workplace_district": "长宁区"},
    "claims": [CLAIM], "facts": "x" * 50, "evidence": [], "witnesses": [],
    "knew_date": "2025-12-01", "warnings": []}


def test_stay_payload_of_the_note_validates():
    """GIVEN the payload shape of i4-payloads.md  WHEN validated  THEN it is accepted."""
    record = StayRegistrationRecord.model_validate(STAY)
    assert record.warnings == ["W_LATE_REGISTRATION"]


@pytest.mark.parametrize("changes", [
    {"entry_status_number": None},  # only VISA_FREE may omit it
    {"host_id_number": None},  # only "own" may omit the host
    {"nationality": "DE"},
    {"submitted_at": "2026-01-15T10:29:00"},  # no offset
    {"verification_code": "7K3M9QXR2"},  # 9 characters
    {"unexpected": 1},
])
def test_stay_payload_rules(changes):
    """GIVEN a registration breaking one rule of the note
    WHEN validated
    THEN it is refused."""
    with pytest.raises(ValidationError):
        StayRegistrationRecord.model_validate({**STAY, **changes})


def test_claim_from_travels_under_its_wire_name():
    """GIVEN a claim with "from"
    WHEN validated and dumped by alias
    THEN "from" survives the round trip (Python holds it as from_)."""
    record = ArbitrationApplicationRecord.model_validate(APPLICATION)
    assert str(record.claims[0].from_) == "2025-11-01"
    dumped = record.model_dump(mode="json", by_alias=True)
    assert dumped["claims"][0]["from"] == "2025-11-01"
    assert ArbitrationApplicationRecord.model_validate(dumped) == record


@pytest.mark.parametrize("changes", [
    {"claims": []}, {"facts": "x" * 49}, {"facts": "x" * 5001},
    {"claims": [{**CLAIM, "amount": "0"}]}, {"claims": [{**CLAIM, "amount": "1.001"}]},
    {"respondent": {**PARTY, "uscc": "9131011066600721"}},
])
def test_application_payload_rules(changes):
    """GIVEN an application with no claims, facts too short or long, a zero or
    three-decimal amount, or a short USCC
    WHEN validated
    THEN it is refused."""
    with pytest.raises(ValidationError):
        ArbitrationApplicationRecord.model_validate({**APPLICATION, **changes})


def test_fingerprint_ignores_spelling_not_content():
    """GIVEN an application with amount "100.5" at +08:00 and the same one with "100.50"
    at UTC, and one with another amount
    WHEN fingerprinted
    THEN the first two hash the same and the third does not."""
    same = {**APPLICATION, "submitted_at": "2026-01-15T02:29:00Z",
            "claims": [{**CLAIM, "amount": "100.50"}]}
    other = {**APPLICATION, "claims": [{**CLAIM, "amount": "100.51"}]}
    digest = fingerprint(ArbitrationApplicationRecord.model_validate(APPLICATION)).digest
    assert fingerprint(ArbitrationApplicationRecord.model_validate(same)).digest == digest
    assert fingerprint(ArbitrationApplicationRecord.model_validate(other)).digest != digest


@pytest.mark.parametrize(("body", "ok"), [
    ({"biller_id": "b", "account_no": "1"}, True),
    ({"biller_id": "b", "barcode": "SW31000123452025127"}, True),
    ({"biller_id": "b"}, False),
    ({"biller_id": "b", "account_no": "1", "barcode": "SW31000123452025127"}, False),
])
def test_lookup_takes_exactly_one_key(body, ok):
    """GIVEN a look-up with an account, a barcode, neither or both
    WHEN validated  THEN only exactly one is accepted."""
    if ok:
        BillLookupRequest.model_validate(body)
    else:
        with pytest.raises(ValidationError):
            BillLookupRequest.model_validate(body)


@pytest.mark.parametrize("kind", ["bill_payment", "stay_registration",
                                  "arbitration_application"])
def test_outbox_kinds(kind):
    """GIVEN each outbox kind  WHEN an envelope is validated  THEN it is accepted."""
    OutboxRecordIn.model_validate({"idempotency_key": "k" * 8, "kind": kind,
                                   "created_at": "2026-01-15T10:29:00+08:00", "payload": {}})
