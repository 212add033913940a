"""CentralClient's single place of error translation and its retry policy, fed real
requests.Response and urllib3 Retry objects (no network)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import CallContext
from kiosk.sync.client import CentralClient, ReadOnlyRetry
from kiosk.sync.wire import Health


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 1, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def response(status: int, body: bytes) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = body
    return answer


@pytest.fixture
def client():
    with CentralClient("http://127.0.0.1:9", timeout_s=1.0, kiosk_id="K", clock=FixedClock()) as c:
        yield c


@pytest.mark.parametrize(("status", "body", "code"), [
    (404, b'{"code": "E_ACCOUNT_NOT_FOUND", "message": "", "detail": {}}',
     ErrorCode.ACCOUNT_NOT_FOUND),
    (409, b'{"code": "E_BILL_LOCKED", "message": "m", "detail": {"biller_id": "x"}}',
     ErrorCode.BILL_LOCKED),
    (503, b'{"code": "E_BILLER_MAINTENANCE", "message": "", "detail": {}}',
     ErrorCode.BILLER_MAINTENANCE),
    (503, b'{"code": "E_INTERNAL", "message": "", "detail": {}}', ErrorCode.CENTRAL_UNAVAILABLE),
    (502, b"<html>bad gateway</html>", ErrorCode.CENTRAL_UNAVAILABLE),
    (409, b'{"code": "E_NEWER_THAN_ME", "message": "", "detail": {}}',
     ErrorCode.CENTRAL_UNAVAILABLE),
    (200, b'{"status": "broken"}', ErrorCode.CENTRAL_UNAVAILABLE),
])
def test_answers_map_to_one_error_code(client, status, body, code):
    """GIVEN an answer from central
    WHEN the client interprets it as a Health
    THEN an ErrorBody gives its own code, except infrastructure trouble, unknown codes and
    anything unparseable, which are E_CENTRAL_UNAVAILABLE."""
    with pytest.raises(KioskError) as failure:
        client._answer("GET", "/v1/health", response(status, body), Health)
    assert failure.value.code is code


def test_error_body_detail_is_kept(client):
    """GIVEN an ErrorBody with detail  WHEN mapped  THEN the detail and status travel along."""
    body = b'{"code": "E_BILL_LOCKED", "message": "m", "detail": {"biller_id": "sh-gas"}}'
    with pytest.raises(KioskError) as failure:
        client._answer("POST", "/v1/bills/lookup", response(409, body), Health)
    assert failure.value.detail == {"biller_id": "sh-gas", "status": "409"}


def test_good_answer_is_parsed(client):
    """GIVEN a 200 Health body  WHEN interpreted  THEN the model comes back."""
    assert client._answer("GET", "/v1/health", response(200, b'{"status": "ok", "version": "1"}'),
                          Health).version == "1"


def _connect_error() -> NewConnectionError:
    return NewConnectionError(None, "refused")  # type: ignore[arg-type]


def test_retry_policy_never_retries_a_post_even_on_connect_errors():
    """GIVEN the client's retry policy with retries left
    WHEN a POST fails to connect
    THEN it is exhausted at once (urllib3's default would retry the connect)."""
    policy = ReadOnlyRetry(total=3, connect=3, allowed_methods=frozenset({"GET"}))
    with pytest.raises(MaxRetryError):
        policy.increment("POST", "/v1/outbox", error=_connect_error())


def test_retry_policy_retries_a_get_on_connect_errors():
    """GIVEN the same policy  WHEN a GET fails to connect  THEN one retry is used up."""
    policy = ReadOnlyRetry(total=3, connect=3, allowed_methods=frozenset({"GET"}))
    after = policy.increment("GET", "/v1/health", error=_connect_error())
    assert isinstance(after, ReadOnlyRetry)
    assert after.total == 2


def test_lookup_of_an_impossible_account_never_leaves_the_kiosk(client):
    """GIVEN an empty account number
    WHEN looked up
    THEN E_ACCOUNT_FORMAT is raised before any request (the URL has nothing listening)."""
    with pytest.raises(KioskError) as failure:
        client.lookup(CallContext("K", "S", "en"), "sh-water", "")
    assert failure.value.code is ErrorCode.ACCOUNT_FORMAT
