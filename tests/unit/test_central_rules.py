"""Central's pure rules: masking, demo periods and due dates, payment fingerprints."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from central.demo_data import due_date_of, months_back, period_of
from central.masking import mask_account, mask_address, mask_holder
from central.payments.bill_records import fingerprint
from kiosk.sync.wire import BillPaymentRecord


@pytest.mark.parametrize(("name", "masked"), [("王小明", "王*"), ("王明", "王*"),
                                              ("Smith John", "S*"), ("", "")])
def test_holder_keeps_the_first_character_only(name, masked):
    """GIVEN a holder's name  WHEN it is masked  THEN only its first character shows."""
    assert mask_holder(name) == masked


@pytest.mark.parametrize(("address", "masked"), [
    ("长宁区仙霞路88号", "长宁区仙霞路***号"),
    ("徐汇区漕溪北路200号3号楼1201室", "徐汇区漕溪北路***号***号楼***室"),
    ("长宁区某小区", "长宁区****"),
])
def test_address_hides_numbers(address, masked):
    """GIVEN an address  WHEN it is masked  THEN every number is hidden (or, without
    numbers, all but the district)."""
    assert mask_address(address) == masked


def test_account_shows_last_four():
    """GIVEN an account number  WHEN masked for listings  THEN only the last four show."""
    assert mask_account("3100012345") == "******2345"


@pytest.mark.parametrize(("today", "months", "expected"), [
    (date(2026, 1, 15), 2, date(2025, 11, 1)),
    (date(2026, 1, 31), 1, date(2025, 12, 1)),
    (date(2026, 3, 1), 0, date(2026, 3, 1)),
    (date(2026, 12, 9), -1, date(2027, 1, 1)),
])
def test_months_back_crosses_year_boundaries(today, months, expected):
    """GIVEN a day  WHEN going some months back  THEN the first of the right month."""
    assert months_back(today, months) == expected


def test_period_and_due_date_of_december():
    """GIVEN the period December 2025  WHEN labelled and given a due date
    THEN "2025-12", due on 25 January 2026."""
    assert period_of(date(2025, 12, 1)) == "2025-12"
    assert due_date_of(date(2025, 12, 1)) == date(2026, 1, 25)


def _record(**changes: object) -> BillPaymentRecord:
    fields: dict[str, object] = {
        "reference": "R-1", "kiosk_id": "K", "session_id": "S", "lang": "en",
        "biller_id": "sh-water", "account_no": "3100012345", "bill_ids": ["b1"],
        "amount": "128.96",
        "paid_at": datetime(2026, 1, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
        "response_code": "00"}
    fields.update(changes)
    return BillPaymentRecord.model_validate(fields)


def test_fingerprint_ignores_spelling_but_not_content():
    """GIVEN one payment spelled two ways (128.960, UTC time) and a different payment
    WHEN fingerprinted
    THEN the two spellings hash the same and the different payment does not."""
    same = _record(amount=Decimal("128.960"),
                   paid_at=datetime(2026, 1, 15, 2, 0, tzinfo=UTC))
    assert fingerprint(_record()).digest == fingerprint(same).digest
    assert fingerprint(_record()).digest != fingerprint(_record(amount="128.95")).digest


def test_a_payment_hashes_as_central_stored_it_before():
    """GIVEN a payment without a verification code (an older kiosk's) and one with a code
    WHEN fingerprinted now that payments share the records' canonical form
    THEN each hashes exactly as central stored it before, so a payment sent again after
    central's upgrade still replays instead of being refused as a reused key."""
    assert fingerprint(_record()).digest == (
        "2e04fcf9a41297c8077dfa538ada6f76d71a7c450eeab79bf6eba35c37c10675")
    assert fingerprint(_record(verification_code="ABCDEFGHJK", amount="82.9")).digest == (
        "61b06ac89a38e04b4c50ed4f9e6602b761d88afd571edc3898a6a83aa49c6d28")
    assert "verification_code" not in fingerprint(_record()).canonical
