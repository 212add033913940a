"""Valid submission payloads for central's tests (a module, not the conftest, so test
files can import them by name)."""

from __future__ import annotations

import uuid
from typing import Any

ROOM = "310105-xianxia-l88-b3-1201"  # 上海市长宁区仙霞路88弄3号楼1201室
HOTEL_ROOM = "310105-hongqiao-n2270-hotel-808"
CHANGNING_USCC = "91310110666007217T"
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_code() -> str:
    """A fresh 10-character verification code, as the kiosk's store makes them."""
    digits = uuid.uuid4().int
    return "".join(_CODE_ALPHABET[(digits >> (5 * i)) & 31] for i in range(10))


def _own_reference(payload: dict[str, Any], changes: dict[str, Any]) -> None:
    """A payload given another kiosk gets one of that kiosk's references (central refuses
    a reference of another kiosk than the record's)."""
    if "kiosk_id" in changes and "reference" not in changes:
        payload["reference"] = f"{changes['kiosk_id']}-260115-{uuid.uuid4().int % 1_000_000:06d}"


def stay_payload(**changes: Any) -> dict[str, Any]:
    """A valid "stay_registration" payload (i4-payloads.md) for ERIKA MUSTERMANN, who
    arrived last night at a Changning flat; override any field with keyword arguments."""
    payload: dict[str, Any] = {
        "reference": f"SH-CN-0001-260115-{uuid.uuid4().int % 1_000_000:06d}",
        "verification_code": new_code(),
        "kiosk_id": "SH-CN-0001", "lang": "de", "submitted_at": "2026-01-15T10:29:00+08:00",
        "surname": "MUSTERMANN", "given_names": "ERIKA", "middle_name": None,
        "chinese_name": None, "sex": "F", "birth_date": "1964-08-12", "nationality": "DEU",
        "doc_type": "passport_ordinary", "doc_number": "C01X00T47", "doc_expiry": "2034-08-11",
        "entry_status_type": "Z", "entry_status_number": "Z12345678",
        "entry_status_valid_until": "2026-12-31", "number_of_entries": 1,
        "date_of_entry": "2026-01-14", "port_of_entry": "PVG",
        "arrival_at": "2026-01-14T20:00:00+08:00", "planned_departure": "2026-06-30",
        "address_room_id": ROOM, "accommodation_type": "rented",
        "host_name": "王小明", "host_id_type": "resident_id",
        "host_id_number": "11010519491231002X", "host_phone": "13900000000",
        "purpose": "employment", "phone": "13812348000", "lease_contract": True,
        "warnings": [],
    }
    payload.update(changes)
    _own_reference(payload, changes)
    return payload


def arbitration_payload(**changes: Any) -> dict[str, Any]:
    """A valid "arbitration_application" payload: ERIKA MUSTERMANN claims unpaid wages
    from the Changning demo company; override any field with keyword arguments."""
    payload: dict[str, Any] = {
        "reference": f"SH-CN-0001-260115-{uuid.uuid4().int % 1_000_000:06d}",
        "verification_code": new_code(),
        "kiosk_id": "SH-CN-0001", "lang": "en", "submitted_at": "2026-01-15T10:29:00+08:00",
        "applicant": {"surname": "MUSTERMANN", "given_names": "ERIKA", "sex": "F",
                      "birth_date": "1964-08-12", "nationality": "DEU",
                      "doc_type": "passport", "doc_number": "C01X00T47",
                      "occupation": "Software engineer",
                      "address": "上海市长宁区仙霞路88弄3号楼1201室",
                      "service_address": "上海市长宁区仙霞路88弄3号楼1201室",
                      "phone": "13812348000", "work_permit_no": "Z310000123456"},
        "agent": None,
        "respondent": {"uscc": CHANGNING_USCC, "name": "上海长宁示例科技有限公司",
                       "address": "上海市长宁区仙霞路350号18楼",
                       "legal_representative": "王建国",
                       "representative_title": "执行董事", "phone": "021-62001234"},
        "co_respondent": None,
        "employment": {"start": "2023-03-01", "end": None,
                       "workplace": "上海市长宁区仙霞路350号", "workplace_district": "长宁区"},
        "claims": [{"type": "unpaid_wages", "amount": "76000.00", "from": "2025-11-01",
                    "to": "2025-12-31", "basis": "Labour Contract Law Art. 30"}],
        "facts": "The employer has not paid my wages for November and December 2025 "
                 "despite repeated written requests.",
        "evidence": [{"name": "Labour contract", "source": "applicant",
                      "fact_proved": "employment relationship", "pages": 6}],
        "witnesses": [{"name": "LI Lei", "phone": None}],
        "knew_date": "2026-01-05",
        "warnings": [],
    }
    payload.update(changes)
    _own_reference(payload, changes)
    return payload
