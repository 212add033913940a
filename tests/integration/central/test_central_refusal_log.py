"""Every call central refuses (401, 403, 429) is one WARNING line naming the kiosk (as
authenticated, or as claimed and bounded), the route and the reason: a real central on
127.0.0.1 over HTTP (SQLite and PostgreSQL), its log captured."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests

from central.ratelimit import Rate, RateLimits
from central.refusals import claimed
from central.server import CentralServer
from test_central_auth import BEAT
from test_central_tax import ERIKA_PASSPORT
from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "central.refusals"]


def only_refusal(caplog: pytest.LogCaptureFixture) -> str:
    [record] = refusals(caplog)
    assert record.levelno == logging.WARNING
    return record.getMessage()


def post(url: str, path: str, body: dict[str, Any] | None,
         headers: dict[str, str]) -> requests.Response:
    return requests.post(f"{url}{path}", json=body, headers=headers, timeout=TIMEOUT)


@pytest.fixture(autouse=True)
def _capture(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="central")


def test_a_call_without_a_credential_names_the_claimed_kiosk(central_url, caplog):
    """GIVEN a heartbeat with X-Kiosk-Id SH-CN-0042 and no credential
    WHEN it is posted
    THEN 401, and one WARNING: refused 401 E_UNAUTHORIZED on the route, central's reason,
    the kiosk as claimed and not verified, the client's address."""
    answer = post(central_url, "/v1/heartbeats", BEAT, {"X-Kiosk-Id": "SH-CN-0042"})
    assert answer.status_code == 401
    line = only_refusal(caplog)
    assert line.startswith("refused 401 E_UNAUTHORIZED on POST /v1/heartbeats: this call "
                           "needs the kiosk's credential; ")
    assert line.endswith("claimed kiosk 'SH-CN-0042' (not verified), client 127.0.0.1")


def test_a_forged_claim_is_cut_to_an_id_and_marked(central_url, caplog):
    """GIVEN a wrong credential and an X-Kiosk-Id holding spaces, a colon, a fake log
    line and more than 32 characters
    WHEN a look-up is posted
    THEN 401, and the line shows only the claim's first 32 id characters, marked (~) as
    altered; nothing of the fake line's spacing reaches the log."""
    forged = "SH-CN-0042 WARNING central: kiosk=SH-CN-0001 ok"
    answer = post(central_url, "/v1/bills/lookup", {"biller_id": "sh-water",
                                                    "account_no": "3100012345"},
                  {"X-Kiosk-Id": forged, "Authorization": "Bearer wrong-credential-0000"})
    assert answer.status_code == 401
    line = only_refusal(caplog)
    assert "claimed kiosk 'SH-CN-0042WARNINGcentralkioskSH-'~ (not verified)" in line
    assert "kiosk=SH-CN-0001" not in line and "WARNING central:" not in line
    assert claimed(None) == "-" and claimed("SH-CN-0001") == "'SH-CN-0001'"


def test_a_kiosk_speaking_for_another_is_named_as_authenticated(central_url, http, caplog):
    """GIVEN kiosk SH-CN-0001's credential and an X-Kiosk-Id of SH-CN-0002
    WHEN it posts a heartbeat
    THEN 403, and the line names SH-CN-0001 as authenticated (not the claim)."""
    answer = http.post(f"{central_url}/v1/heartbeats", json=BEAT, timeout=TIMEOUT,
                       headers={"X-Kiosk-Id": "SH-CN-0002", **http.keys.kiosk_headers()})
    assert answer.status_code == 403
    line = only_refusal(caplog)
    assert line.startswith("refused 403 E_FORBIDDEN on POST /v1/heartbeats: X-Kiosk-Id names "
                           "another kiosk; kiosk SH-CN-0001 (authenticated), client ")


def test_a_rate_limited_code_names_the_kiosk_and_the_limit(central_url, http, caplog):
    """GIVEN a one-time code just sent to Erika's phone
    WHEN kiosk SH-CN-0002 asks for another at once
    THEN 429, and the line names the kiosk (authenticated), the route, the limit and
    the wait; never the phone or the document."""
    assert http.post(f"{central_url}/v1/tax/identify", json=ERIKA_PASSPORT,
                     timeout=TIMEOUT).status_code == 200
    answer = http.post(f"{central_url}/v1/tax/identify", json=ERIKA_PASSPORT,
                       timeout=TIMEOUT, headers={"X-Kiosk-Id": "SH-CN-0002"})
    assert answer.status_code == 429
    line = only_refusal(caplog)
    assert line.startswith("refused 429 E_RATE_LIMITED on POST /v1/tax/identify: too many "
                           "requests (limit one_time_code, retry after 60 s); kiosk "
                           "SH-CN-0002 (authenticated)")
    assert ERIKA_PASSPORT["doc_number"] not in caplog.text


def test_a_wrong_enrollment_token_and_a_wrong_admin_token(central_url, caplog):
    """GIVEN an enrollment for SH-CN-0009 with a token central never issued, and an
    admin call with a wrong admin token
    WHEN each is sent
    THEN two 401 lines: the enrollment names the kiosk the body claims, the admin call
    the route it was refused on."""
    assert post(central_url, "/v1/enroll", {"kiosk_id": "SH-CN-0009",
                                            "token": "x" * 32}, {}).status_code == 401
    assert requests.get(f"{central_url}/v1/admin/fleet", timeout=TIMEOUT,
                        headers={"Authorization": "Bearer wrong-admin-token-000"}
                        ).status_code == 401
    first, second = (r.getMessage() for r in refusals(caplog))
    assert first.startswith("refused 401 E_ENROLL_TOKEN on POST /v1/enroll: ")
    assert "claimed kiosk 'SH-CN-0009' (not verified)" in first
    assert second.startswith("refused 401 E_UNAUTHORIZED on GET /v1/admin/fleet: unknown or "
                             "revoked admin token; claimed kiosk - (not verified)")


def test_a_client_limited_before_routing_is_logged_too(central_db, clock, caplog):
    """GIVEN central allowing 2 slip look-ups a minute per client
    WHEN a client looks up 3 slips
    THEN the third is 429 at the edge, and its line names the route as declared
    ({code}, not the code sent), the limit, and the claimed kiosk."""
    limits = RateLimits(verify_per_client=(Rate(2, 60),))
    with CentralServer(central_db, clock=clock, rate_limits=limits) as server:
        statuses = [requests.get(f"{server.url}/v1/verify/ABCD{n}EFGH", timeout=TIMEOUT,
                                 headers={"X-Kiosk-Id": "SH-CN-0003"}).status_code
                    for n in range(3)]
    assert statuses[-1] == 429 and 429 not in statuses[:2]
    line = only_refusal(caplog)
    assert line.startswith("refused 429 E_RATE_LIMITED on GET /v1/verify/{code}: too many "
                           "requests (limit verify, retry after ")
    assert "ABCD2EFGH" not in line and "claimed kiosk 'SH-CN-0003' (not verified)" in line
