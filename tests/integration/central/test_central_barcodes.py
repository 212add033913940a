"""Bill look-up by barcode over real HTTP (docs/spec/bills.md#barcode): the biller parses it."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.iso7064 import mod_37_36

from central.barcodes import make_barcode
from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S
WATER = "SW31000123452025127"  # sh-water 3100012345, statement 2025-12 (clock: 2026-01-15)
MONTH_13 = "SW3100012345202513" + mod_37_36.calc_check_digit("SW3100012345202513")


def by_barcode(http, url, biller_id, barcode, kiosk_id="SH-CN-0001"):
    return http.post(f"{url}/v1/bills/lookup", timeout=TIMEOUT, headers={"X-Kiosk-Id": kiosk_id},
                     json={"biller_id": biller_id, "barcode": barcode})


def test_barcode_finds_the_statement_bills(http, central_url):
    """GIVEN the water statement's barcode for 2025-12
    WHEN the kiosk looks it up
    THEN the account's two unpaid bills (2025-11 with late fee, 2025-12) come back locked,
    as with the account number."""
    answer = by_barcode(http, central_url, "sh-water", WATER)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["account_no"] == "3100012345"
    assert [b["id"] for b in body["bills"]] == ["sh-water-202511-01", "sh-water-202512-01"]
    assert body["lock_token"]


def test_older_statement_shows_only_bills_up_to_its_month(http, central_url):
    """GIVEN the barcode of the water account's 2025-11 statement
    WHEN looked up
    THEN only the 2025-11 bill comes back."""
    barcode = make_barcode("sh-water", "3100012345", date(2025, 11, 1))
    bills = by_barcode(http, central_url, "sh-water", barcode).json()["bills"]
    assert [b["period"] for b in bills] == ["2025-11"]


def test_demo_barcodes_list_matches_the_lookups(http, central_url):
    """GIVEN the demo barcode list
    WHEN each barcode is looked up
    THEN each names its account: bills, or E_NO_BILL_DUE for the paid-up one."""
    listed = http.get(f"{central_url}/v1/demo/barcodes", timeout=TIMEOUT).json()["barcodes"]
    assert {"sh-water", "sh-power", "sh-gas", "cm-mobile"} <= {b["biller_id"] for b in listed}
    for item in listed:
        answer = by_barcode(http, central_url, item["biller_id"], item["barcode"])
        if item["account_no"] == "3100099999":
            assert answer.json()["code"] == "E_NO_BILL_DUE"
        else:
            assert answer.status_code == 200, (item, answer.text)
            assert answer.json()["account_no"] == item["account_no"]


@pytest.mark.parametrize(("biller", "barcode", "expected"), [
    ("sh-water", "sw31000123452025127", (422, "E_BARCODE_FORMAT")),  # lower case
    ("sh-water", "SW3100", (422, "E_BARCODE_FORMAT")),  # too short
    ("sh-water", "S" * 49, (422, "E_BARCODE_FORMAT")),  # too long
    ("sh-water", "SW31000123452025128", (422, "E_BARCODE_FORMAT")),  # check character
    ("sh-gas", WATER, (422, "E_BARCODE_FORMAT")),  # another biller's prefix
    ("sh-water", MONTH_13, (422, "E_BARCODE_FORMAT")),  # valid check, month 13
    ("xx-none", WATER, (404, "E_BILLER_UNKNOWN")),
])
def test_bad_barcodes_are_refused(http, central_url, biller, barcode, expected):
    """GIVEN a barcode of the wrong shape, check character, biller or month
    WHEN looked up
    THEN E_BARCODE_FORMAT (422), or E_BILLER_UNKNOWN for an unknown biller."""
    answer = by_barcode(http, central_url, biller, barcode)
    assert (answer.status_code, answer.json()["code"]) == expected


def test_barcode_of_a_month_without_a_bill_is_account_not_found(http, central_url):
    """GIVEN a well-formed water barcode for a month the account had no bill
    WHEN looked up
    THEN 404 E_ACCOUNT_NOT_FOUND (the barcode is not this account's statement)."""
    barcode = make_barcode("sh-water", "3100012345", date(2024, 1, 1))
    answer = by_barcode(http, central_url, "sh-water", barcode)
    assert (answer.status_code, answer.json()["code"]) == (404, "E_ACCOUNT_NOT_FOUND")


@pytest.mark.parametrize("body", [
    {"biller_id": "sh-water"},
    {"biller_id": "sh-water", "account_no": "3100012345", "barcode": WATER},
])
def test_exactly_one_of_account_and_barcode(http, central_url, body):
    """GIVEN a look-up with neither or both of account_no and barcode
    WHEN posted
    THEN 422 E_REQUEST_REJECTED."""
    answer = http.post(f"{central_url}/v1/bills/lookup", json=body, timeout=TIMEOUT,
                       headers={"X-Kiosk-Id": "SH-CN-0001"})
    assert (answer.status_code, answer.json()["code"]) == (422, "E_REQUEST_REJECTED")
