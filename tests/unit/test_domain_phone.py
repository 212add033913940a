"""Phone numbers typed at the kiosk: mainland mobiles and Shanghai landlines."""

from __future__ import annotations

import pytest

from kiosk.domain.phone import check_china_phone, check_phone, normalize_phone
from kiosk.errors import ErrorCode


@pytest.mark.parametrize("typed, normalized", [
    ("13800138000", "13800138000"),
    ("+86 138 0013 8000", "13800138000"),
    ("0086 13800138000", "13800138000"),
    ("62345678", "02162345678"),
    ("021-6234 5678", "02162345678"),
    ("(021) 6234 5678", "02162345678"),
])
def test_mobiles_and_shanghai_landlines_are_accepted(typed: str, normalized: str) -> None:
    """GIVEN numbers typed the usual ways
    WHEN normalized
    THEN 11-digit mobiles and 021 + 8-digit landlines come out."""
    assert normalize_phone(typed) == normalized
    assert check_phone(typed) is None


@pytest.mark.parametrize("typed", ["", "1380013800", "12800138000", "138001380001",
                                   "02102345678", "6234567", "abc", "13800138000x",
                                   "+1 212 555 0100", "010 6512 3456", "１３８００１３８０００"])
def test_everything_else_is_phone_format(typed: str) -> None:
    """GIVEN short, long, impossible, lettered, foreign, other-city or full-width numbers
    WHEN checked by the kiosk rule
    THEN E_PHONE_FORMAT."""
    assert check_phone(typed) == ErrorCode.PHONE_FORMAT


def test_china_rule_also_accepts_other_cities() -> None:
    """GIVEN a Beijing landline and a US number
    WHEN checked by the China-wide rule (employers, witnesses)
    THEN Beijing is accepted, the US number is E_PHONE_FORMAT."""
    assert check_china_phone("010 6512 3456") is None
    assert check_china_phone("+1 212 555 0100") == ErrorCode.PHONE_FORMAT
