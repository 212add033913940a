"""Send the one-time code again over real HTTP (docs/spec/tax-record.md#identification):
a new code replaces the old one in the same session, under the same limits as the first
code (429 E_RATE_LIMITED with Retry-After). Time moves by central's injected clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kiosk.devtools.loopback import LOOPBACK_CENTRAL_TIMEOUT_S
from kiosk.domain.records import IdentityClaim
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import CallContext
from kiosk.sync.client import CentralClient
from test_central_tax import code_of, identify, sent_code, verify
from tests.patience import PATIENCE_S


def resend(http, url, otp_session, kiosk="SH-CN-0001"):
    return http.post(f"{url}/v1/tax/resend", json={"otp_session": otp_session},
                     timeout=PATIENCE_S, headers={"X-Kiosk-Id": kiosk})


def test_a_code_sent_again_too_soon_is_refused_with_the_wait(http, central_url, clock):
    """GIVEN a code just sent to Erika's phone (production limits: one a minute a phone)
    WHEN the kiosk asks to send it again at once, and again 59 s later
    THEN 429 E_RATE_LIMITED with Retry-After 60, then 1, the one-time-code limit named;
    the first code still works (nothing was replaced)."""
    otp_session = identify(http, central_url).json()["otp_session"]
    first = sent_code(http, central_url, otp_session)
    for elapsed, wait in ((0, "60"), (59, "1")):
        clock.advance(timedelta(seconds=elapsed))
        answer = resend(http, central_url, otp_session)
        assert code_of(answer) == (429, "E_RATE_LIMITED"), answer.text
        assert answer.headers["Retry-After"] == wait
        assert answer.json()["detail"] == {"retry_after_s": wait, "limit": "one_time_code"}
    assert sent_code(http, central_url, otp_session) == first
    assert verify(http, central_url, otp_session, first).status_code == 200


def test_a_code_sent_again_replaces_the_old_one(http, central_url, clock):
    """GIVEN a code sent to Erika's phone, one wrong try, and a minute gone by
    WHEN the kiosk asks to send it again
    THEN central answers the same session with the masked phone and a new expiry, the
    demo SMS holds a new code; the old code is 401 E_AUTH_FAILED and the new one gives
    a token (the wrong tries before do not count against the new code)."""
    otp_session = identify(http, central_url).json()["otp_session"]
    old = sent_code(http, central_url, otp_session)
    wrong = f"{(int(old) + 1) % 1_000_000:06d}"
    assert verify(http, central_url, otp_session, wrong).status_code == 401
    clock.advance(timedelta(seconds=60))
    answer = resend(http, central_url, otp_session)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["otp_session"] == otp_session and body["phone_masked"] == "138****8000"
    new = sent_code(http, central_url, otp_session)
    if new != old:  # one in a million draws the same digits again
        assert code_of(verify(http, central_url, otp_session, old)) == (401, "E_AUTH_FAILED")
    assert code_of(verify(http, central_url, otp_session, wrong)) == (401, "E_AUTH_FAILED")
    granted = verify(http, central_url, otp_session, new)
    assert granted.status_code == 200, granted.text


def test_a_closed_session_gets_a_new_code_a_verified_one_does_not(http, central_url, clock):
    """GIVEN one session closed by three wrong codes, and another already verified
    WHEN the kiosk asks for a new code for each, a minute later
    THEN the closed one gets a new code that works; the verified one is 401
    E_AUTH_FAILED (its token is what counts now)."""
    closed = identify(http, central_url).json()["otp_session"]
    right = sent_code(http, central_url, closed)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(3):
        assert verify(http, central_url, closed, wrong).status_code == 401
    clock.advance(timedelta(seconds=60))
    assert resend(http, central_url, closed).status_code == 200
    assert verify(http, central_url, closed, sent_code(http, central_url, closed)
                  ).status_code == 200
    clock.advance(timedelta(seconds=60))
    assert code_of(resend(http, central_url, closed)) == (401, "E_AUTH_FAILED")


def test_only_the_kiosk_that_asked_may_have_the_code_sent_again(http, central_url, clock):
    """GIVEN Erika identified at SH-CN-0001
    WHEN SH-CN-0002 asks to send her code again, or anyone for an unknown session
    THEN 401 E_AUTH_FAILED, as for an unknown session; no code was sent (SH-CN-0001's
    code still works)."""
    otp_session = identify(http, central_url).json()["otp_session"]
    code = sent_code(http, central_url, otp_session)
    clock.advance(timedelta(seconds=60))
    assert code_of(resend(http, central_url, otp_session, "SH-CN-0002")) == (
        401, "E_AUTH_FAILED")
    assert code_of(resend(http, central_url, "no-such-session")) == (401, "E_AUTH_FAILED")
    assert sent_code(http, central_url, otp_session) == code
    assert verify(http, central_url, otp_session, code).status_code == 200


def test_the_kiosk_client_sends_again_and_reads_the_wait(central_url, keys, clock):
    """GIVEN Erika identified through the kiosk's client
    WHEN the client asks for a new code at once, then a minute later
    THEN first E_RATE_LIMITED with retry_after_s 60 and the one-time-code limit, then
    the same session back with the masked phone."""
    claim = IdentityClaim(doc_type="passport", doc_number="C01X00T47", nationality="DEU",
                          birth_date=date(1964, 8, 12), surname="MUSTERMANN",
                          given_names="ERIKA")
    context = CallContext(kiosk_id="SH-CN-0001", session_id="S-1", lang="de")
    with CentralClient(central_url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S, kiosk_id="SH-CN-0001",
                       clock=clock, token=keys.credential("SH-CN-0001")) as client:
        identity = client.identify(context, claim)
        with pytest.raises(KioskError) as refused:
            client.resend_code(context, identity.otp_session)
        clock.advance(timedelta(seconds=60))
        again = client.resend_code(context, identity.otp_session)
    assert refused.value.code is ErrorCode.RATE_LIMITED
    assert refused.value.detail["retry_after_s"] == "60"
    assert refused.value.detail["limit"] == "one_time_code"
    assert again == identity
