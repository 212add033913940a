"""Permanent resident card numbers (docs/spec/checks.md#pr-card-numbers) and the GB 11643
MOD 11-2 check."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from kiosk.domain import checks
from kiosk.domain.mrz import check_digit
from kiosk.errors import ErrorCode, WarningCode

MOD_11_2_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def mod_11_2(body: str) -> str:
    """docs/spec/checks.md#resident-identity-numbers, written out independently of stdnum."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, MOD_11_2_WEIGHTS, strict=True)) % 11]


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_standard_mod_11_2_examples_verify(number: str) -> None:
    """GIVEN the GB 11643 standard examples
    WHEN their check character is computed by the table of
    docs/spec/checks.md#resident-identity-numbers and by stdnum
    THEN both give the printed last character."""
    assert mod_11_2(number[:17]) == number[17]
    assert ric.calc_check_digit(number) == number[17]


def test_2023_card_reads_all_fields() -> None:
    """GIVEN the 2023 specimen 93127619640812124X (Shanghai, Germany, 1964-08-12, 124)
    WHEN checked
    THEN ok with version, province, nationality DEU, birth date and sex F (even)."""
    result = checks.pr_card("93127619640812124X")
    assert result.ok and result.warnings == []
    assert result.fields == {"version": "2023", "province_code": "31", "nationality": "DEU",
                             "nationality_numeric": "276", "birth_date": date(1964, 8, 12),
                             "sex": "F"}


def test_2023_card_odd_sequence_is_male_and_spaces_and_lowercase_x_are_tolerated() -> None:
    """GIVEN a card with sequence 123 typed with spaces and a lowercase x
    WHEN checked
    THEN it is ok and male."""
    body = "93184019800101123"  # Shanghai, USA (840), 1980-01-01, 123
    number = body + mod_11_2(body)
    typed = f"{number[:6]} {number[6:14]} {number[14:]}".lower()
    result = checks.pr_card(typed)
    assert result.ok and result.fields["sex"] == "M" and result.fields["nationality"] == "USA"


def test_2023_wrong_check_character_is_pr_check() -> None:
    """GIVEN the specimen with its check character changed
    WHEN checked
    THEN E_PR_CHECK, with the fields still read."""
    result = checks.pr_card("931276196408121240")
    assert result.code == ErrorCode.PR_CHECK and result.fields["nationality"] == "DEU"


@pytest.mark.parametrize("body", [
    "93199919640812124",  # no country 999
    "93127619641312124",  # month 13
])
def test_2023_impossible_parts_are_pr_format(body: str) -> None:
    """GIVEN numbers with a valid check character but no such country or date
    WHEN checked
    THEN E_PR_FORMAT."""
    assert checks.pr_card(body + mod_11_2(body)).code == ErrorCode.PR_FORMAT


@pytest.mark.parametrize("number", ["", "83127619640812124X", "9312761964081212X4",
                                    "9312761964081212", "USA31001234567", "US1310012345678"])
def test_other_shapes_are_pr_format(number: str) -> None:
    """GIVEN strings of neither the 2023 nor the 2017 shape
    WHEN checked
    THEN E_PR_FORMAT."""
    assert checks.pr_card(number).code == ErrorCode.PR_FORMAT


def test_2017_card_check_is_only_a_warning() -> None:
    """GIVEN a 2017 number whose 7-3-1 check holds and one where it does not
    WHEN checked
    THEN both are ok; the second carries W_PR2017_CHECK."""
    body = "USA31008001011"
    good = checks.pr_card(body + check_digit(body))
    assert good.ok and good.warnings == [] and good.fields["version"] == "2017"
    assert good.fields["nationality"] == "USA" and good.fields["province_code"] == "31"
    wrong = str((int(check_digit(body)) + 1) % 10)
    bad = checks.pr_card(body + wrong)
    assert bad.ok and bad.warnings == [WarningCode.PR2017_CHECK]
