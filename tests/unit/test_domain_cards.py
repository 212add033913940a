"""Bank card numbers (docs/spec/checks.md#bank-cards): shape, Luhn, the UnionPay exception,
brand, mask."""

from __future__ import annotations

import pytest

from kiosk.domain import checks
from kiosk.errors import ErrorCode, WarningCode


@pytest.mark.parametrize("number, brand", [
    ("4111 1111 1111 1111", "Visa"),
    ("5555555555554444", "Mastercard"),
    ("2223003122003222", "Mastercard"),
    ("3530111333300000", "JCB"),
    ("378282246310005", "Amex"),
    ("6212345678901232", "UnionPay"),
    ("8171999927660000", "UnionPay"),
    ("6011111111111117", "other"),
])
def test_valid_cards_are_ok_with_brand_and_mask(number: str, brand: str) -> None:
    """GIVEN test card numbers that pass Luhn
    WHEN checked
    THEN ok, with the brand and the PAN masked to first 6 and last 4."""
    result = checks.bank_card(number)
    digits = number.replace(" ", "")
    assert result.ok and result.warnings == []
    assert result.fields == {"brand": brand,
                             "masked": digits[:6] + "*" * (len(digits) - 10) + digits[-4:]}


def test_unionpay_failing_luhn_is_a_warning() -> None:
    """GIVEN a 16-digit 62 card and a 19-digit 81 card that fail Luhn
    WHEN checked
    THEN both are ok with W_CARD_LUHN."""
    for number in ("6212345678901234", "8100000000000000001"):
        result = checks.bank_card(number)
        assert result.ok and result.warnings == [WarningCode.CARD_LUHN], number


def test_other_cards_failing_luhn_are_refused() -> None:
    """GIVEN a Visa number failing Luhn, and a 15-digit 62 number failing it (too short
    for the UnionPay exception)
    WHEN checked
    THEN E_CARD_LUHN."""
    assert checks.bank_card("4111111111111112").code == ErrorCode.CARD_LUHN
    assert checks.bank_card("621234567890123").code == ErrorCode.CARD_LUHN


@pytest.mark.parametrize("number", ["", "41111111111", "41111111111111111111",
                                    "4111-1111-1111-1111", "4111111111111a11",
                                    "４１１１１１１１１１１１１１１１"])
def test_wrong_shape_is_card_format(number: str) -> None:
    """GIVEN too short, too long, hyphenated, lettered or full-width numbers
    WHEN checked
    THEN E_CARD_FORMAT."""
    assert checks.bank_card(number).code == ErrorCode.CARD_FORMAT
