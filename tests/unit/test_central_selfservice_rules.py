"""Central's pure rules for the self-services: demo barcodes, USCC generation, the
cumulative wage tax, masks, tax periods, name matching, stay overlap."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from stdnum.cn import uscc as stdnum_uscc

from central.barcodes import make_barcode, parse_barcode
from central.demo_people import annual_tax, monthly_tax
from central.demo_places import COMPANIES, make_uscc, org_code_check
from central.masking import mask_middle, mask_phone
from central.registrations import _nights
from central.tax import _name_key, check_period
from kiosk.errors import ErrorCode, KioskError


def test_barcode_round_trip_and_documented_example():
    """GIVEN the water account and the statement month 2025-12
    WHEN the barcode is made and parsed back
    THEN it is the documented SW31000123452025127 and parses to account and period."""
    barcode = make_barcode("sh-water", "3100012345", date(2025, 12, 1))
    assert barcode == "SW31000123452025127"
    parsed = parse_barcode("sh-water", barcode)
    assert (parsed.account_no, parsed.period) == ("3100012345", "2025-12")


@pytest.mark.parametrize(("biller", "barcode", "code"), [
    ("sh-water", "SW31000123452025126", ErrorCode.BARCODE_FORMAT),
    ("sh-power", "SW31000123452025127", ErrorCode.BARCODE_FORMAT),
    ("sh-water", "SW3100012345202512", ErrorCode.BARCODE_FORMAT),  # check missing
    ("sh-water", "SW-3100012345-202512", ErrorCode.BARCODE_FORMAT),
    ("nobody", "SW31000123452025127", ErrorCode.BILLER_UNKNOWN),
])
def test_barcode_refusals(biller, barcode, code):
    """GIVEN a wrong check character, another biller, a cut or punctuated barcode, or a
    biller without a format  WHEN parsed  THEN the matching code."""
    with pytest.raises(KioskError) as failure:
        parse_barcode(biller, barcode)
    assert failure.value.code is code


def test_org_code_check_matches_the_worked_example():
    """GIVEN the worked example 91310110666007217T of
    docs/spec/checks.md#unified-social-credit-code
    WHEN the GB 11714 check of its organization code body 66600721 is computed
    THEN it is its ninth-from-last character, 7."""
    assert org_code_check("66600721") == "7"


def test_generated_usccs_pass_stdnum_and_differ():
    """GIVEN the generator and the demo companies
    WHEN codes are made
    THEN python-stdnum validates every one, and they are all different."""
    made = make_uscc("91", "310105", "MA1G2K4P")
    assert stdnum_uscc.is_valid(made) and made.startswith("91310105MA1G2K4P")
    codes = [company.uscc for company in COMPANIES]
    assert all(stdnum_uscc.is_valid(code) for code in codes)
    assert len(set(codes)) == len(codes)


def test_cumulative_withholding():
    """GIVEN a monthly wage of 38,000 with 3,420 of special deductions
    WHEN the tax of each month is computed by the cumulative method
    THEN January is 3% of 29,580 (887.40), the year adds up to the annual tax on
    354,960 (25% less 31,920), and the monthly amounts never fall."""
    months = [monthly_tax(Decimal(38000), Decimal(3420), m) for m in range(1, 13)]
    assert months[0] == Decimal("887.40")
    assert sum(months) == annual_tax(Decimal(29580) * 12) == Decimal("56820.00")  # 25% - 31,920
    assert months == sorted(months)


@pytest.mark.parametrize(("value", "head", "tail", "masked"), [
    ("93127619640812124X", 4, 2, "9312************4X"),
    ("C01X00T47", 3, 2, "C01****47"),
    ("AB", 3, 2, "*B"),
])
def test_mask_middle(value, head, tail, masked):
    """GIVEN an identifier  WHEN masked  THEN only head and tail show."""
    assert mask_middle(value, head, tail) == masked


def test_mask_phone():
    """GIVEN a mobile number  WHEN masked  THEN 138****8000."""
    assert mask_phone("13812348000") == "138****8000"


@pytest.mark.parametrize(("start", "end", "code"), [
    ("2018-12", "2019-01", ErrorCode.PRE2019_COUNTER),
    ("2019-01", "2019-12", None),
    ("2025-02", "2026-01", None),  # 12 months up to this month
    ("2025-01", "2026-01", ErrorCode.PERIOD_INVALID),  # 13 months
    ("2026-01", "2026-02", ErrorCode.PERIOD_INVALID),  # next month
    ("2025-05", "2025-04", ErrorCode.PERIOD_INVALID),
    ("2025-00", "2025-04", ErrorCode.PERIOD_INVALID),
    ("2025/01", "2025-04", ErrorCode.PERIOD_INVALID),
])
def test_period_rules(start, end, code):
    """GIVEN a period asked on 2026-01-15
    WHEN checked
    THEN pre-2019 starts go to the counter; reversed, future, too long or malformed
    periods are invalid; the rest pass."""
    if code is None:
        check_period(start, end, date(2026, 1, 15))
        return
    with pytest.raises(KioskError) as failure:
        check_period(start, end, date(2026, 1, 15))
    assert failure.value.code is code


@pytest.mark.parametrize(("a", "b", "same"), [
    ("MARIA<ANNA", "maria anna", True),
    ("Maria-Anna", "MARIA ANNA", True),
    ("MARIA", "MARIA ANNA", False),
])
def test_names_compare_as_the_mrz_writes_them(a, b, same):
    """GIVEN two spellings of given names  WHEN compared  THEN fillers and case do not
    matter, missing names do."""
    assert (_name_key(a) == _name_key(b)) is same


def test_stay_nights_are_half_open():
    """GIVEN stays as ranges of nights
    WHEN one ends the day another starts, or a stay has no night
    THEN they touch without overlapping, and the zero-night stay still takes its day."""
    first = _nights(date(2026, 1, 1), date(2026, 1, 10))
    second = _nights(date(2026, 1, 10), date(2026, 1, 20))
    assert first[1] == second[0]
    assert _nights(date(2026, 1, 5), date(2026, 1, 5)) == (date(2026, 1, 5), date(2026, 1, 6))
