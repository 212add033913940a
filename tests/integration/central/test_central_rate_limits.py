"""Rate limits over real HTTP (issue 10, item 11): one-time codes per phone and per
kiosk counted from the database, failed authentication and slip look-ups per client;
429 E_RATE_LIMITED with Retry-After. Time moves by central's injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests

from central.ratelimit import Rate, RateLimits
from central.server import CentralServer
from kiosk.devtools.loopback import LOOPBACK_CENTRAL_TIMEOUT_S
from kiosk.domain.records import IdentityClaim
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import CallContext
from kiosk.sync.client import CentralClient
from test_central_tax import ANNA_PASSPORT, ERIKA_PASSPORT, ERIKA_PR_CARD
from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S
DOCS = Path(__file__).resolve().parents[3] / "docs" / "central.md"


def identify(http: requests.Session, url: str, identity: dict[str, str],
             kiosk: str = "SH-CN-0001") -> requests.Response:
    return http.post(f"{url}/v1/tax/identify", json=identity, timeout=TIMEOUT,
                     headers={"X-Kiosk-Id": kiosk})


def assert_limited(answer: requests.Response, seconds: int, limit: str) -> None:
    assert answer.status_code == 429, answer.text
    assert answer.headers["Retry-After"] == str(seconds)
    assert answer.json()["code"] == "E_RATE_LIMITED"
    assert answer.json()["detail"] == {"retry_after_s": str(seconds), "limit": limit}


@pytest.fixture
def limited(central_db, clock) -> Iterator[CentralServer]:
    """Central with small per-client limits (the code limits keep their defaults)."""
    limits = RateLimits(auth_failures_per_client=(Rate(3, 60),),
                        verify_per_client=(Rate(3, 60), Rate(5, 3600)))
    with CentralServer(central_db, clock=clock, rate_limits=limits) as server:
        yield server


def test_one_code_a_minute_to_one_phone(http, central_url, clock):
    """GIVEN a code just sent to Erika's phone (production defaults)
    WHEN a new code is asked at once, with her passport and with her PR card, and again
    59 s and 60 s later; and Anna (another phone) asks meanwhile
    THEN the early ones are 429 E_RATE_LIMITED with Retry-After 60, then 1; at 60 s a
    code is sent; Anna is not held up by Erika's limit."""
    assert identify(http, central_url, ERIKA_PASSPORT).status_code == 200
    assert_limited(identify(http, central_url, ERIKA_PASSPORT, "SH-CN-0002"), 60,
                   "one_time_code")
    assert_limited(identify(http, central_url, ERIKA_PR_CARD, "SH-CN-0003"), 60,
                   "one_time_code")
    assert identify(http, central_url, ANNA_PASSPORT, "SH-CN-0004").status_code == 200
    clock.advance(timedelta(seconds=59))
    assert_limited(identify(http, central_url, ERIKA_PASSPORT, "SH-CN-0002"), 1,
                   "one_time_code")
    clock.advance(timedelta(seconds=1))
    answer = identify(http, central_url, ERIKA_PASSPORT, "SH-CN-0002")
    assert answer.status_code == 200, answer.text
    code = http.get(f"{central_url}/v1/demo/sms", timeout=TIMEOUT,
                    params={"otp_session": answer.json()["otp_session"]})
    assert code.status_code == 200


def test_five_codes_an_hour_to_one_phone(http, central_url, clock):
    """GIVEN five codes sent to Erika's phone a minute apart, from five kiosks
    WHEN a sixth is asked a minute after the fifth
    THEN 429 with Retry-After until the first of the five is an hour old (55 minutes)."""
    for kiosk in range(5):
        answer = identify(http, central_url, ERIKA_PASSPORT, f"SH-CN-000{kiosk + 1}")
        assert answer.status_code == 200, answer.text
        clock.advance(timedelta(minutes=1))
    assert_limited(identify(http, central_url, ERIKA_PASSPORT, "SH-CN-0006"), 55 * 60,
                   "one_time_code")
    clock.advance(timedelta(minutes=55))
    assert identify(http, central_url, ERIKA_PASSPORT, "SH-CN-0006").status_code == 200


def test_codes_per_kiosk_and_their_count_survives_a_restart_and_a_second_central(
        http, central_db, clock):
    """GIVEN central allowing a kiosk 2 codes a minute (phones unlimited), and a kiosk
    that asked for 2
    WHEN the kiosk asks again: of central restarted, and of a second central on the same
    database; and another kiosk asks
    THEN the kiosk is 429 with Retry-After 60 from both (the count is in the database);
    the other kiosk gets its code."""
    limits = RateLimits(codes_per_phone=(Rate(100, 60),), codes_per_kiosk=(Rate(2, 60),))
    with CentralServer(central_db, clock=clock, rate_limits=limits) as first:
        assert identify(http, first.url, ERIKA_PASSPORT).status_code == 200
        assert identify(http, first.url, ANNA_PASSPORT).status_code == 200
        assert_limited(identify(http, first.url, ERIKA_PR_CARD), 60, "one_time_code")
    with CentralServer(central_db, clock=clock, rate_limits=limits) as restarted, \
            CentralServer(central_db, clock=clock, rate_limits=limits) as second:
        assert_limited(identify(http, restarted.url, ERIKA_PASSPORT), 60, "one_time_code")
        assert_limited(identify(http, second.url, ERIKA_PASSPORT), 60, "one_time_code")
        assert identify(http, second.url, ERIKA_PASSPORT, "SH-CN-0002").status_code == 200


def test_the_kiosk_client_reads_the_wait_from_a_429(central_url, keys, clock):
    """GIVEN a code just sent to Erika's phone
    WHEN the kiosk's client identifies her again
    THEN it raises E_RATE_LIMITED with retry_after_s and the limit from central."""
    claim = IdentityClaim(doc_type="passport", doc_number="C01X00T47", nationality="DEU",
                          birth_date=date(1964, 8, 12),
                          surname="MUSTERMANN", given_names="ERIKA")
    context = CallContext(kiosk_id="SH-CN-0001", session_id="S-1", lang="de")
    with CentralClient(central_url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S, kiosk_id="SH-CN-0001",
                       clock=clock, token=keys.credential("SH-CN-0001")) as client:
        client.identify(context, claim)
        with pytest.raises(KioskError) as refused:
            client.identify(context, claim)
    assert refused.value.code is ErrorCode.RATE_LIMITED
    assert refused.value.detail["retry_after_s"] == "60"
    assert refused.value.detail["limit"] == "one_time_code"


def test_failed_authentication_is_limited_per_client(limited, keys, clock):
    """GIVEN central allowing a client 3 failed authentications a minute
    WHEN a client sends a wrong kiosk credential, a wrong admin token and a wrong
    enrollment token, then the right credential
    THEN the three are 401 and the fourth is 429 (the secret is not even looked at,
    so a right guess cannot be told from a wrong one); calls without a secret still
    answer; 20 s later (a minute / 3) the credential works again."""
    url = limited.url
    wrong = {"Authorization": "Bearer " + "w" * 43}
    assert requests.get(f"{url}/v1/addresses", headers=wrong, timeout=TIMEOUT).status_code == 401
    assert requests.get(f"{url}/v1/admin/fleet", headers=wrong,
                        timeout=TIMEOUT).status_code == 401
    assert requests.post(f"{url}/v1/enroll", json={"kiosk_id": "SH-CN-0001",
                                                   "token": "t" * 43},
                         timeout=TIMEOUT).status_code == 401
    right = keys.kiosk_headers("SH-CN-0001")
    assert_limited(requests.get(f"{url}/v1/addresses", headers=right, timeout=TIMEOUT), 20,
                   "auth_failures")
    assert_limited(requests.post(f"{url}/v1/enroll", timeout=TIMEOUT,
                                 json={"kiosk_id": "SH-CN-0001", "token": "t" * 43}), 20,
                   "auth_failures")
    assert requests.get(f"{url}/v1/health", timeout=TIMEOUT).status_code == 200
    clock.advance(timedelta(seconds=20))
    assert requests.get(f"{url}/v1/addresses", headers=right, timeout=TIMEOUT).status_code == 200


def test_a_right_credential_is_never_counted(limited, keys):
    """GIVEN central allowing 3 failed authentications a minute
    WHEN a kiosk makes 10 calls with its right credential
    THEN all answer 200."""
    right = keys.kiosk_headers("SH-CN-0001")
    for _ in range(10):
        assert requests.get(f"{limited.url}/v1/addresses", headers=right,
                            timeout=TIMEOUT).status_code == 200


def test_slip_look_ups_are_limited_per_client(limited, clock):
    """GIVEN central allowing a client 3 look-ups a minute and 5 an hour
    WHEN it looks up codes one after another (walking references)
    THEN the fourth is 429 with Retry-After 20; after 20 s one more, and another 20 s
    later the fifth; the sixth waits for the hourly bucket (5 at once, then one every
    12 minutes: 11 minutes after the sixth was asked)."""
    def look(code: str) -> requests.Response:
        return requests.get(f"{limited.url}/v1/verify/{code}", timeout=TIMEOUT)

    for number in range(3):
        assert look(f"SH-CN-0001-260115-00000{number}").status_code == 404
    assert_limited(look("SH-CN-0001-260115-000003"), 20, "verify")
    clock.advance(timedelta(seconds=20))
    assert look("SH-CN-0001-260115-000003").status_code == 404
    clock.advance(timedelta(seconds=20))
    assert look("SH-CN-0001-260115-000004").status_code == 404
    clock.advance(timedelta(seconds=20))
    assert_limited(look("SH-CN-0001-260115-000005"), 11 * 60, "verify")


def test_every_default_is_in_the_operations_doc():
    """GIVEN central's production defaults
    WHEN docs/central.md is read
    THEN it names every rate limit with its default and how to set it."""
    text = DOCS.read_text(encoding="utf-8")
    assert "--limit" in text
    defaults = RateLimits()
    for name in ("codes_per_phone", "codes_per_kiosk", "auth_failures_per_client",
                 "verify_per_client"):
        rates = ",".join(str(rate) for rate in getattr(defaults, name))
        assert f"{name}={rates}" in text, (name, rates)
