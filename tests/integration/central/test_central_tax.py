"""Tax records over real HTTP (docs/spec/tax-record.md#identification): identify by
document, one-time code by the demo SMS gateway, then the record for a period, with every
error code."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pytest

from central.server import CentralServer
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

ERIKA_PASSPORT = {"doc_type": "passport", "doc_number": "C01X00T47", "nationality": "DEU",
                  "birth_date": "1964-08-12", "surname": "MUSTERMANN", "given_names": "ERIKA"}
ERIKA_PR_CARD = {**ERIKA_PASSPORT, "doc_type": "pr_card", "doc_number": "93127619640812124X"}
ANNA_PASSPORT = {"doc_type": "passport", "doc_number": "L898902C3", "nationality": "UTO",
                 "birth_date": "1974-08-12", "surname": "ERIKSSON", "given_names": "ANNA MARIA"}
TIMEOUT = PATIENCE_S


def identify(http, url, identity=ERIKA_PASSPORT):
    return http.post(f"{url}/v1/tax/identify", json=identity, timeout=TIMEOUT,
                     headers={"X-Kiosk-Id": "SH-CN-0001"})


def sent_code(http, url, otp_session):
    answer = http.get(f"{url}/v1/demo/sms", params={"otp_session": otp_session},
                      timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    return answer.json()["code"]


def verify(http, url, otp_session, code):
    return http.post(f"{url}/v1/tax/verify", json={"otp_session": otp_session, "code": code},
                     timeout=TIMEOUT)


def token_for(http, url, identity=ERIKA_PASSPORT):
    otp_session = identify(http, url, identity).json()["otp_session"]
    answer = verify(http, url, otp_session, sent_code(http, url, otp_session))
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def records(http, url, token, start, end):
    return http.post(f"{url}/v1/tax/records", timeout=TIMEOUT,
                     headers={"X-Kiosk-Id": "SH-CN-0001"},
                     json={"token": token, "period_start": start, "period_end": end})


def code_of(response):
    return response.status_code, response.json()["code"]


def test_identify_sends_a_code_to_the_phone_on_file(http, central_url, caplog):
    """GIVEN ERIKA MUSTERMANN's passport (the td3-valid specimen)
    WHEN the kiosk identifies her
    THEN central answers an otp session with the masked taxpayer id and phone, logs the
    demo SMS with a 6-digit code, and the demo outbox holds that same code."""
    with caplog.at_level(logging.INFO, logger="central.sms"):
        answer = identify(http, central_url)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["taxpayer_id_masked"] == "9312************4X"
    assert body["phone_masked"] == "138****8000"
    assert body["name"] == "MUSTERMANN ERIKA"
    code = sent_code(http, central_url, body["otp_session"])
    assert len(code) == 6 and code.isdigit()
    assert f"SMS to 138****8000: your code is {code}" in caplog.text


@pytest.mark.parametrize(("identity", "expected"), [
    ({**ERIKA_PASSPORT, "doc_number": "C01X00T48"}, (404, "E_TAXPAYER_NOT_FOUND")),
    ({**ERIKA_PASSPORT, "birth_date": "1964-08-13"}, (409, "E_IDENTITY_MISMATCH")),
    ({**ERIKA_PASSPORT, "given_names": "ERIKE"}, (409, "E_IDENTITY_MISMATCH")),
    ({**ERIKA_PASSPORT, "doc_type": "pr_card"}, (404, "E_TAXPAYER_NOT_FOUND")),
])
def test_identify_refuses_unknown_documents_and_other_people(http, central_url, identity,
                                                             expected):
    """GIVEN a document central does not know, or Erika's with another birth date or name
    WHEN the kiosk identifies
    THEN E_TAXPAYER_NOT_FOUND (404) or E_IDENTITY_MISMATCH (409)."""
    answer = identify(http, central_url, identity)
    assert code_of(answer) == expected


def test_wrong_codes_count_and_the_third_ends_the_session(http, central_url):
    """GIVEN an identification with a code sent
    WHEN the wrong code is given three times, then the right one
    THEN each wrong one is 401 E_AUTH_FAILED and so is the right one afterwards."""
    otp_session = identify(http, central_url).json()["otp_session"]
    right = sent_code(http, central_url, otp_session)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for attempt in ("abc", wrong, wrong):
        assert code_of(verify(http, central_url, otp_session, attempt)) == (401, "E_AUTH_FAILED")
    assert code_of(verify(http, central_url, otp_session, right)) == (401, "E_AUTH_FAILED")


def test_two_wrong_codes_then_the_right_one_passes_but_only_once(http, central_url):
    """GIVEN an identification
    WHEN two wrong codes, then the right one, then the right one again are given
    THEN the right one gives a token once; the session is then used up."""
    otp_session = identify(http, central_url).json()["otp_session"]
    right = sent_code(http, central_url, otp_session)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(2):
        assert verify(http, central_url, otp_session, wrong).status_code == 401
    first = verify(http, central_url, otp_session, right)
    assert first.status_code == 200 and first.json()["token"]
    assert code_of(verify(http, central_url, otp_session, right)) == (401, "E_AUTH_FAILED")


def test_code_expires_after_five_minutes(http, central_url, clock):
    """GIVEN a code sent at 10:30
    WHEN it is given at 10:35
    THEN E_AUTH_FAILED; an unknown session is E_AUTH_FAILED too."""
    otp_session = identify(http, central_url).json()["otp_session"]
    code = sent_code(http, central_url, otp_session)
    clock.advance(timedelta(minutes=5))
    assert code_of(verify(http, central_url, otp_session, code)) == (401, "E_AUTH_FAILED")
    assert code_of(verify(http, central_url, "no-such-session", code)) == (401, "E_AUTH_FAILED")


def test_a_session_works_only_from_the_kiosk_that_asked_for_it(http, central_url):
    """GIVEN Erika identified at SH-CN-0001 (the code sent to her phone)
    WHEN SH-CN-0002 tries the session: three wrong codes, then the right one; then
    SH-CN-0001 verifies, and SH-CN-0002 asks for the record with SH-CN-0001's token
    THEN every answer to SH-CN-0002 is exactly what an unknown session or token gets
    (401 E_AUTH_FAILED, nothing more), its wrong codes do not count against the
    session, and SH-CN-0001 gets its token and the record."""
    otp_session = identify(http, central_url).json()["otp_session"]
    right = sent_code(http, central_url, otp_session)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    other = {"X-Kiosk-Id": "SH-CN-0002"}
    unknown = verify(http, central_url, "no-such-session-0000", right)
    for code in (wrong, wrong, wrong, right):
        answer = http.post(f"{central_url}/v1/tax/verify", headers=other, timeout=TIMEOUT,
                           json={"otp_session": otp_session, "code": code})
        assert (answer.status_code, answer.json()) == (unknown.status_code, unknown.json())
    mine = verify(http, central_url, otp_session, right)
    assert mine.status_code == 200, mine.text
    token = mine.json()["token"]
    body = {"token": token, "period_start": "2025-01", "period_end": "2025-12"}
    stolen = http.post(f"{central_url}/v1/tax/records", headers=other, json=body,
                       timeout=TIMEOUT)
    no_token = records(http, central_url, "no-such-token-000000000000", "2025-01", "2025-12")
    assert (stolen.status_code, stolen.json()) == (no_token.status_code, no_token.json())
    assert stolen.status_code == 401
    assert records(http, central_url, token, "2025-01", "2025-12").status_code == 200


def test_record_for_2025_has_twelve_rows_and_right_totals(http, central_url):
    """GIVEN Erika verified (monthly wage withholding for the last 24 months)
    WHEN the record for 2025-01..2025-12 is asked
    THEN it has 12 monthly rows of 38,000.00 wages, totals equal to the rows' sums, her
    masked passport, a 10-character verification code and central's issue time."""
    answer = records(http, central_url, token_for(http, central_url), "2025-01", "2025-12")
    assert answer.status_code == 200, answer.text
    record = answer.json()
    rows = record["rows"]
    assert [row["period"] for row in rows] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert {row["income"] for row in rows} == {"38000.00"}
    assert Decimal(record["total_income"]) == Decimal("456000.00")
    assert Decimal(record["total_tax"]) == sum(Decimal(row["tax_paid"]) for row in rows)
    assert rows[0]["tax_paid"] == "887.40"  # 3% of 29,580.00 under the cumulative method
    assert rows[0]["paid_on"] == "2025-02-10"
    assert rows[0]["withholding_agent"] == "上海长宁示例科技有限公司"
    assert (record["name"], record["id_type"], record["id_number_masked"]) == (
        "MUSTERMANN ERIKA", "passport", "C01****47")
    assert record["taxpayer_id"] == "93127619640812124X"
    assert record["tax_authority"] == "国家税务总局上海市长宁区税务局"
    assert len(record["verification_code"]) == 10
    assert record["issued_at"] == "2026-01-15T10:30:00+08:00"


def test_record_by_pr_card_names_the_card(http, central_url):
    """GIVEN Erika identified with her 2023 PR card (the pr2023 specimen)
    WHEN a record for the last three months is asked
    THEN it names a pr_card with the masked card number and has three rows."""
    token = token_for(http, central_url, ERIKA_PR_CARD)
    record = records(http, central_url, token, "2025-10", "2025-12").json()
    assert (record["id_type"], record["id_number_masked"]) == ("pr_card", "931*************4X")
    assert len(record["rows"]) == 3


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("2018-12", "2019-06", (422, "E_PRE2019_COUNTER")),
    ("2025-06", "2025-05", (422, "E_PERIOD_INVALID")),
    ("2025-12", "2026-02", (422, "E_PERIOD_INVALID")),  # after this month
    ("2024-12", "2025-12", (422, "E_PERIOD_INVALID")),  # 13 months
    ("2025-13", "2025-12", (422, "E_PERIOD_INVALID")),
    ("25-01", "2025-12", (422, "E_PERIOD_INVALID")),
])
def test_record_periods_are_checked(http, central_url, start, end, expected):
    """GIVEN a verified taxpayer
    WHEN a record is asked for a period before 2019, reversed, in the future, longer than
    12 months or malformed
    THEN E_PRE2019_COUNTER or E_PERIOD_INVALID (422)."""
    answer = records(http, central_url, token_for(http, central_url), start, end)
    assert code_of(answer) == expected


def test_no_records_in_a_year_without_withholding(http, central_url):
    """GIVEN ANNA MARIA ERIKSSON verified (records only until 2024)
    WHEN her 2025 record is asked
    THEN 404 E_NO_RECORDS, while 2024 has twelve rows."""
    token = token_for(http, central_url, ANNA_PASSPORT)
    assert code_of(records(http, central_url, token, "2025-01", "2025-12")) == (
        404, "E_NO_RECORDS")
    assert len(records(http, central_url, token, "2024-01", "2024-12").json()["rows"]) == 12


def test_bad_and_expired_tokens_are_refused(http, central_url, clock):
    """GIVEN a token issued at 10:30
    WHEN a record is asked with a made-up token, and with the real one at 10:40
    THEN both are 401 E_AUTH_FAILED, while at 10:39 the real one still works."""
    token = token_for(http, central_url)
    assert code_of(records(http, central_url, "made-up", "2025-01", "2025-03")) == (
        401, "E_AUTH_FAILED")
    clock.advance(timedelta(minutes=9))
    assert records(http, central_url, token, "2025-01", "2025-03").status_code == 200
    clock.advance(timedelta(minutes=1))
    assert code_of(records(http, central_url, token, "2025-01", "2025-03")) == (
        401, "E_AUTH_FAILED")


def test_invalid_identify_body_is_request_rejected(http, central_url):
    """GIVEN an identify request with an unknown document type
    WHEN it is posted
    THEN 422 E_REQUEST_REJECTED naming the field, not its value."""
    answer = identify(http, central_url, {**ERIKA_PASSPORT, "doc_type": "library_card"})
    assert code_of(answer) == (422, "E_REQUEST_REJECTED")
    assert "library_card" not in answer.text


def test_demo_sms_answers_only_with_demo_data(http, central_db, clock):
    """GIVEN a central started without demo data
    WHEN the demo SMS outbox is asked
    THEN 404 E_NOT_FOUND (and so is an unknown session on a demo central)."""
    with CentralServer(central_db, seed_demo=False,
                       clock=clock) as plain:
        answer = http.get(f"{plain.url}/v1/demo/sms", params={"otp_session": "x"},
                          timeout=TIMEOUT)
        assert code_of(answer) == (404, "E_NOT_FOUND")
        barcodes = http.get(f"{plain.url}/v1/demo/barcodes", timeout=TIMEOUT)
        assert code_of(barcodes) == (404, "E_NOT_FOUND")
