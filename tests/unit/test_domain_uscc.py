"""Unified Social Credit Codes (GB 32100-2015, docs/spec/checks.md#unified-social-credit-code)
and the advisory GB 11714 organization-code check."""

from __future__ import annotations

import pytest

from kiosk.domain import checks
from kiosk.errors import ErrorCode, WarningCode

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def gb32100(body: str) -> str:
    """docs/spec/checks.md#unified-social-credit-code written out:
    C18 = alphabet[(31 - sum mod 31) mod 31]."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def test_worked_example_sums_to_966_and_is_valid() -> None:
    """GIVEN 91310110666007217T
    WHEN its weighted sum and check are computed
    THEN the sum is 966, the check T, and the code is ok with its parts."""
    assert tuple(3 ** i % 31 for i in range(17)) == WEIGHTS
    body = "91310110666007217"
    assert sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True)) == 966
    result = checks.uscc("91310110666007217T")
    assert result.ok and result.warnings == []
    assert result.fields == {"registration_authority": "9", "entity_type": "1",
                             "division": "310110", "organization_code": "666007217"}


def test_early_pilot_code_fails_and_staff_can_override() -> None:
    """GIVEN the pilot code 91350211M00013FA1N
    WHEN checked, then checked with the staff override
    THEN E_USCC_CHECK, then ok with W_USCC_CHECK_OVERRIDDEN."""
    assert checks.uscc("91350211M00013FA1N").code == ErrorCode.USCC_CHECK
    overridden = checks.uscc("91350211M00013FA1N", allow_override=True)
    assert overridden.ok and overridden.warnings == [WarningCode.USCC_CHECK_OVERRIDDEN]


def test_wrong_organization_code_check_is_only_a_warning() -> None:
    """GIVEN a code valid under GB 32100 whose organization code 666007218 fails GB 11714
    WHEN checked
    THEN ok with W_USCC_ORG_CODE."""
    body = "91310110666007218"
    result = checks.uscc(body + gb32100(body))
    assert result.ok and result.warnings == [WarningCode.USCC_ORG_CODE]


@pytest.mark.parametrize("code", ["", "91310110666007217", "91310110666007217TT",
                                  "9131011066600721IT", "91A10110666007217T", "9131011066600721ZT"])
def test_bad_length_or_alphabet_is_format(code: str) -> None:
    """GIVEN codes of the wrong length, with I or Z, or letters in the division
    WHEN checked
    THEN E_USCC_FORMAT."""
    assert checks.uscc(code).code == ErrorCode.USCC_FORMAT


def test_spaces_hyphens_and_lowercase_are_tolerated() -> None:
    """GIVEN the valid code typed as "9131-0110 666007217t"
    WHEN checked
    THEN it is ok."""
    assert checks.uscc("9131-0110 666007217t").ok
