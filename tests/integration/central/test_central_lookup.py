"""Bill look-up over real HTTP: demo accounts, error codes, the per-kiosk lock, and the
biller maintenance switch."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from central import admin
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

ACCOUNTS = [
    # biller, account, holder, address, [(period, amount, late fee, due date)], partial
    ("sh-water", "3100012345", "王*", "长宁区仙霞路***号",
     [("2025-11", "45.60", "0.46", "2025-12-25"), ("2025-12", "82.90", "0.00", "2026-01-25")],
     False),
    ("sh-power", "0123456789", "李*", "闵行区申长路***号",
     [("2025-12", "256.30", "0.00", "2026-01-25")], False),
    ("sh-gas", "20123456", "张*", "徐汇区漕溪北路***号",
     [("2025-12", "63.00", "0.00", "2026-01-25")], False),
    ("cm-mobile", "13800138000", "刘*", "长宁区延安西路***号",
     [("2026-01", "88.00", "0.00", "2026-02-25")], True),
]


@pytest.mark.parametrize(("biller", "account", "holder", "address", "bills", "partial"), ACCOUNTS)
def test_lookup_returns_each_demo_account_masked_with_its_bills(
        do_lookup, biller, account, holder, address, bills, partial):
    """GIVEN central seeded with the demo on 2026-01-15 (Shanghai)
    WHEN a kiosk looks up a demo account
    THEN it gets the unpaid bills with periods relative to that month, masked holder and
    address, the partial flag and a lock token valid for 10 minutes."""
    response = do_lookup(biller, account)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["biller_id"], body["account_no"]) == (biller, account)
    assert body["holder_masked"] == holder
    assert body["address_masked"] == address
    assert [(b["period"], b["amount"], b["late_fee"], b["due_date"])
            for b in body["bills"]] == bills
    assert body["partial_allowed"] is partial
    assert body["lock_token"]
    assert body["lock_expires_at"] == "2026-01-15T10:40:00+08:00"


def test_water_demo_account_totals_128_96(do_lookup):
    """GIVEN the demo water account 3100012345
    WHEN it is looked up
    THEN amounts plus late fees total 128.96."""
    bills = do_lookup("sh-water", "3100012345").json()["bills"]
    assert sum(Decimal(b["amount"]) + Decimal(b["late_fee"]) for b in bills) == Decimal("128.96")


@pytest.mark.parametrize(("biller", "account", "status", "code"), [
    ("sh-water", "3100000000", 404, "E_ACCOUNT_NOT_FOUND"),
    ("sh-water", "3100099999", 409, "E_NO_BILL_DUE"),
    ("xx-nothing", "3100012345", 404, "E_BILLER_UNKNOWN"),
    ("sh-gas", "20999999", 404, "E_ACCOUNT_NOT_FOUND"),
])
def test_lookup_errors_answer_error_body_with_code(do_lookup, biller, account, status, code):
    """GIVEN the demo data
    WHEN an unknown account, an account with nothing due or an unknown biller is looked up
    THEN central answers an ErrorBody with the code of docs/spec/bills.md#look-up and a
    fitting status."""
    response = do_lookup(biller, account)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert set(body) == {"code", "message", "detail"}


def test_lookup_without_kiosk_header_locks_for_the_credentials_kiosk(http, central_url,
                                                                     do_lookup):
    """GIVEN a look-up without X-Kiosk-Id by SH-CN-0001's credential
    WHEN it is posted, then another kiosk asks for the same account
    THEN the first is answered and locked for SH-CN-0001 (the credential says who asks),
    so the second kiosk gets E_BILL_LOCKED."""
    response = http.post(f"{central_url}/v1/bills/lookup",
                         json={"biller_id": "sh-water", "account_no": "3100012345"},
                         timeout=PATIENCE_S)
    assert response.status_code == 200, response.text
    assert do_lookup("sh-water", "3100012345", "SH-CN-0002").json()["code"] == "E_BILL_LOCKED"
    assert do_lookup("sh-water", "3100012345", "SH-CN-0001").status_code == 200


def test_invalid_body_is_422_request_rejected_without_echoing_values(http, central_url):
    """GIVEN a look-up body with an over-long account number
    WHEN it is posted
    THEN the answer is 422 E_REQUEST_REJECTED and does not echo the value back."""
    response = http.post(f"{central_url}/v1/bills/lookup",
                         json={"biller_id": "sh-water", "account_no": "9" * 60},
                         headers={"X-Kiosk-Id": "K-A"}, timeout=PATIENCE_S)
    assert response.status_code == 422
    assert response.json()["code"] == "E_REQUEST_REJECTED"
    assert "9" * 60 not in response.text


def test_lock_by_kiosk_a_refuses_kiosk_b(do_lookup):
    """GIVEN kiosk A has looked up (and so locked) the water account
    WHEN kiosk B looks up the same account
    THEN B gets 409 E_BILL_LOCKED."""
    assert do_lookup("sh-water", "3100012345", "KIOSK-A").status_code == 200
    response = do_lookup("sh-water", "3100012345", "KIOSK-B")
    assert response.status_code == 409
    assert response.json()["code"] == "E_BILL_LOCKED"


def test_same_kiosk_gets_the_same_lock_renewed(do_lookup, clock):
    """GIVEN kiosk A holds the lock
    WHEN A looks up again 5 minutes later
    THEN it keeps the same token, now valid 10 minutes from the second look-up."""
    first = do_lookup("sh-water", "3100012345", "KIOSK-A").json()
    clock.advance(timedelta(minutes=5))
    second = do_lookup("sh-water", "3100012345", "KIOSK-A").json()
    assert second["lock_token"] == first["lock_token"]
    assert second["lock_expires_at"] == "2026-01-15T10:45:00+08:00"


def test_expired_lock_lets_another_kiosk_in(do_lookup, clock):
    """GIVEN kiosk A locked the account 10 minutes and one second ago
    WHEN kiosk B looks it up
    THEN B gets the bills with a new lock token."""
    first = do_lookup("sh-water", "3100012345", "KIOSK-A").json()
    clock.advance(timedelta(minutes=10, seconds=1))
    response = do_lookup("sh-water", "3100012345", "KIOSK-B")
    assert response.status_code == 200
    assert response.json()["lock_token"] != first["lock_token"]


def test_maintenance_switch_blocks_and_releases_lookups(do_lookup, central_url, capsys):
    """GIVEN the gas biller switched to maintenance with kiosk-admin
    WHEN a gas account is looked up, and again after switching it off
    THEN the first answer is 503 E_BILLER_MAINTENANCE and the second the bills."""
    assert admin.main(["biller", "maintenance", "sh-gas", "on", "--central", central_url]) == 0
    assert "sh-gas: maintenance on" in capsys.readouterr().out
    response = do_lookup("sh-gas", "20123456")
    assert response.status_code == 503
    assert response.json()["code"] == "E_BILLER_MAINTENANCE"
    assert do_lookup("sh-power", "0123456789").status_code == 200  # other billers unaffected

    assert admin.main(["biller", "maintenance", "sh-gas", "off", "--central", central_url]) == 0
    assert do_lookup("sh-gas", "20123456").status_code == 200


def test_maintenance_of_unknown_biller_is_refused(central_url, capsys):
    """GIVEN no biller "xx-none"
    WHEN kiosk-admin switches its maintenance on
    THEN it exits 1 and prints central's code."""
    assert admin.main(["biller", "maintenance", "xx-none", "on", "--central", central_url]) == 1
    assert "E_BILLER_UNKNOWN" in capsys.readouterr().err
