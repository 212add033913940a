"""What the console's tests share: a central with a quick console refresh, heartbeats
and payments to show, and a browser or a plain HTTP session signed in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from central.alerts import AlertSettings
from central.console import ConsoleSettings
from central.scheduler import SchedulerSettings
from central.server import CentralServer
from tests.patience import PATIENCE_S

REFRESH_S = 0.3  # the fleet page's refresh in these tests: a change shows within it
HEALTHY: dict[str, Any] = {"printer": {"state": "ok"}, "payment": {"state": "ok"},
                           "reader": {"state": "ok"}}


def beat(url: str, keys: Any, kiosk_id: str, **changes: Any) -> requests.Response:
    body = {"app_version": "1.4.0", "config_version": "7", "devices": HEALTHY,
            "outbox_depth": 0, "disk_free_bytes": 6 * 2**30, **changes}
    answer = requests.post(f"{url}/v1/heartbeats", json=body, timeout=PATIENCE_S,
                           headers={**keys.kiosk_headers(kiosk_id), "X-Kiosk-Id": kiosk_id})
    assert answer.status_code == 200, answer.text
    return answer


@contextmanager
def console_central(db_url: str, clock: Any, *, alerts: AlertSettings | None = None,
                    **settings: Any) -> Iterator[CentralServer]:
    """A central whose scheduler runs only when a test calls run_once (no round behind
    the test's back); ``settings`` are the console's."""
    server = CentralServer(db_url, clock=clock, alerts=alerts,
                           scheduler=SchedulerSettings(enabled=False),
                           console=ConsoleSettings(refresh_s=REFRESH_S, **settings))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def form_token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def http_sign_in(url: str, token: str) -> requests.Session:
    """A plain HTTP session signed in to the console (as a browser would)."""
    session = requests.Session()
    page = session.get(f"{url}/admin/sign-in", timeout=PATIENCE_S)
    answer = session.post(f"{url}/admin/sign-in", timeout=PATIENCE_S, allow_redirects=False,
                          data={"csrf": form_token(page.text), "token": token, "next": "/admin"})
    assert answer.status_code == 303, answer.text
    return session


def record_unknown_account_payment(url: str, keys: Any, payment: Any) -> str:
    """A card payment for an account central does not know: recorded, to review."""
    answer = requests.post(f"{url}/v1/bill-payments",
                           json=payment.outbox_payload(payment.created_at), timeout=PATIENCE_S,
                           headers={**keys.kiosk_headers(payment.draft.kiosk_id),
                                    "Idempotency-Key": payment.idempotency_key})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["central_ref"])
