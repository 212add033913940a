"""The console over plain HTTP, on SQLite and PostgreSQL: its cookies, CSRF, session
ends, the sign-in's rate limit, /docs without the internet, and what the kiosk page
shows of central's heartbeat history and refused records."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from central.db import make_engine
from central.enrollment import EnrollmentService
from central.models_console import HeartbeatHistoryRow
from central.ratelimit import Rate, RateLimits
from central.server import CentralServer
from console_helpers import beat, console_central, form_token, http_sign_in
from tests.patience import PATIENCE_S


def test_session_cookie_is_httponly_samesite_strict_and_secure_when_asked(central_db, clock,
                                                                           keys):
    """GIVEN a central told its console is reached over https (--console-secure-cookies)
    WHEN an admin signs in
    THEN the session cookie is HttpOnly, SameSite=Strict, for /admin only, and Secure
    (the test, on plain http, hands the Secure sign-in cookie back itself)."""
    with console_central(central_db, clock, secure_cookies=True) as server:
        page = requests.get(f"{server.url}/admin/sign-in", timeout=PATIENCE_S)
        form_cookie = page.cookies["console_sign_in"]
        answer = requests.post(f"{server.url}/admin/sign-in", allow_redirects=False,
                               timeout=PATIENCE_S, cookies={"console_sign_in": form_cookie},
                               data={"csrf": form_token(page.text), "token": keys.admin_token})
    assert answer.status_code == 303, answer.text
    cookie = next(c for c in answer.headers["set-cookie"].split(", ")
                  if c.startswith("console_session="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/admin", "secure"} <= flags


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(central_db, clock,
                                                                      keys):
    """GIVEN a signed-in session (its cookie sent along, as a forged cross-site form
    would have it if SameSite did not stop it)
    WHEN a biller's maintenance is posted without the form's CSRF token, or a wrong one
    THEN central answers 403 and the biller is unchanged."""
    with console_central(central_db, clock) as server:
        session = http_sign_in(server.url, keys.admin_token)
        for data in ({"maintenance": "on"}, {"maintenance": "on", "csrf": "forged"}):
            answer = session.post(f"{server.url}/admin/billers/sh-water/maintenance",
                                  data=data, allow_redirects=False, timeout=PATIENCE_S)
            assert answer.status_code == 403
        page = session.get(f"{server.url}/admin/billers", timeout=PATIENCE_S).text
    assert re.search(r'id="biller-sh-water" data-maintenance="off"', page)


def test_signed_out_session_cookie_is_refused_even_if_replayed(central_db, clock, keys):
    """GIVEN a session's cookie copied before its admin signed out
    WHEN it is sent again after the sign-out
    THEN central has ended the session: the page sends it to the sign-in."""
    with console_central(central_db, clock) as server:
        session = http_sign_in(server.url, keys.admin_token)
        copied = dict(session.cookies)
        page = session.get(f"{server.url}/admin", timeout=PATIENCE_S).text
        session.post(f"{server.url}/admin/sign-out", data={"csrf": form_token(page)},
                     timeout=PATIENCE_S)
        replay = requests.get(f"{server.url}/admin", cookies=copied, allow_redirects=False,
                              timeout=PATIENCE_S)
    assert replay.status_code == 303
    assert replay.headers["location"].startswith("/admin/sign-in")


def test_session_ends_when_idle_when_too_old_and_with_its_token(central_db, clock, keys):
    """GIVEN sessions with 10 minutes idle and 1 hour absolute
    WHEN one is used every 9 minutes, one only refreshed by the fleet page's background
    poll, and one whose admin token is then revoked
    THEN the first lives until the hour is up, the second ends 10 minutes after its
    last use by the admin, the third at once."""
    with console_central(central_db, clock, idle=timedelta(minutes=10),
                         absolute=timedelta(hours=1)) as server:
        def alive(session: requests.Session, poll: bool = False) -> bool:
            answer = session.get(f"{server.url}/admin/fleet/rows" if poll else
                                 f"{server.url}/admin", allow_redirects=False,
                                 headers={"X-Console-Poll": "1"} if poll else {},
                                 timeout=PATIENCE_S)
            return answer.status_code == 200

        busy = http_sign_in(server.url, keys.admin_token)
        polled = http_sign_in(server.url, keys.admin_token)
        clock.advance(timedelta(minutes=9))
        assert alive(busy) and alive(polled, poll=True)
        clock.advance(timedelta(minutes=9))  # 18 minutes: the polls did not count
        assert alive(busy) and not alive(polled, poll=True)
        for _ in range(4):  # 54 minutes
            clock.advance(timedelta(minutes=9))
            assert alive(busy)
        clock.advance(timedelta(minutes=7))  # 61 minutes after the sign-in
        assert not alive(busy)

        enrollment = EnrollmentService(make_engine(central_db), clock)
        second = http_sign_in(server.url, enrollment.create_admin_token("second"))
        assert alive(second)
        tokens = enrollment.admin_tokens().tokens
        enrollment.revoke_admin_token(next(t.id for t in tokens if t.label == "second"))
        assert not alive(second)


@pytest.fixture
def central_rate_limits() -> RateLimits:
    return RateLimits(auth_failures_per_client=(Rate(2, 3600),))


def test_sign_in_failures_are_rate_limited(central_db, clock, keys, central_rate_limits):
    """GIVEN a limit of 2 failed authentications per client an hour
    WHEN a client tries two wrong admin tokens, then the right one
    THEN the third attempt is answered 429 without a session, right token or not."""
    server = CentralServer(central_db, clock=clock, rate_limits=central_rate_limits)
    server.start()
    try:
        session = requests.Session()
        page = session.get(f"{server.url}/admin/sign-in", timeout=PATIENCE_S)
        token = form_token(page.text)
        statuses = [session.post(f"{server.url}/admin/sign-in", allow_redirects=False,
                                 data={"csrf": token, "token": guess},
                                 timeout=PATIENCE_S).status_code
                    for guess in ("wrong-1", "wrong-2", keys.admin_token)]
    finally:
        server.stop()
    assert statuses == [401, 401, 429]
    assert "console_session" not in session.cookies


def test_docs_load_swagger_from_central_itself(central):
    """GIVEN central on a network without the internet
    WHEN /docs is opened
    THEN every script and style sheet it names is central's own, and each loads."""
    page = requests.get(f"{central.url}/docs", timeout=PATIENCE_S)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(asset.startswith("/") for asset in assets)
    assert "cdn" not in page.text.lower()
    for asset in assets:
        assert requests.get(f"{central.url}{asset}", timeout=PATIENCE_S).status_code == 200


def history_rows(db_url: str, kiosk_id: str) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(HeartbeatHistoryRow)
                                     .where(HeartbeatHistoryRow.kiosk_id == kiosk_id)) or 0
    finally:
        engine.dispose()


def test_heartbeat_history_is_sampled_and_shown_with_refused_records(central_db, clock, keys,
                                                                      make_payment,
                                                                      outbox_message):
    """GIVEN a kiosk beating every minute, its printer failing once, and a record of it
    that central refuses
    WHEN an hour has gone by
    THEN the scheduler's rounds (one a minute here) kept one history row per 5-minute
    period plus one for each change (not one per beat, and the heartbeat itself wrote
    none), and the kiosk's page shows the error it carried and the refused record by key
    and reason."""
    with console_central(central_db, clock) as server:
        assert server.app is not None
        for minute in range(60):
            if minute == 30:
                beat(server.url, keys, "SH-CN-0009", last_error="printer: paper out",
                     devices={"printer": {"state": "fault", "reason": "paper_out"}})
            else:
                beat(server.url, keys, "SH-CN-0009")
            if minute == 0:
                assert history_rows(central_db, "SH-CN-0009") == 0  # not the beat's write
            assert server.app.state.scheduler.run_once()
            clock.advance(timedelta(minutes=1))
        broken = make_payment(kiosk_id="SH-CN-0009")
        payload = broken.outbox_payload(broken.created_at)
        del payload["amount"]
        message = outbox_message(broken, payload)
        refused = requests.post(f"{server.url}/v1/outbox", timeout=PATIENCE_S,
                                headers=keys.kiosk_headers("SH-CN-0009"),
                                json={"kiosk_id": "SH-CN-0009", "records": [{
                                    "idempotency_key": message.idempotency_key,
                                    "kind": "bill_payment",
                                    "created_at": message.created_at.isoformat(),
                                    "payload": payload}]})
        assert refused.json()["results"][0]["status"] == "rejected"
        page = http_sign_in(server.url, keys.admin_token).get(
            f"{server.url}/admin/kiosks/SH-CN-0009", timeout=PATIENCE_S).text
    rows = history_rows(central_db, "SH-CN-0009")
    assert 12 <= rows <= 12 + 1 + 2  # a row per period, and the fault's two changes
    assert "printer: paper out" in page
    assert message.idempotency_key in page and "E_REQUEST_REJECTED" in page


def test_console_sign_ins_and_sign_outs_are_audit_events(central_db, clock, keys):
    """GIVEN the console
    WHEN a sign-in with a wrong token is refused, an admin signs in, switches a biller's
    maintenance on and signs out
    THEN the audit trail holds each, in that order, by the token's label (or "-"), with
    the refusal's why, marked as done through the console; the chain verifies."""
    with console_central(central_db, clock) as server:
        page = requests.get(f"{server.url}/admin/sign-in", timeout=PATIENCE_S)
        requests.post(f"{server.url}/admin/sign-in", timeout=PATIENCE_S,
                      cookies={"console_sign_in": page.cookies["console_sign_in"]},
                      data={"csrf": form_token(page.text), "token": "not-a-token"})
        session = http_sign_in(server.url, keys.admin_token)
        billers = session.get(f"{server.url}/admin/billers", timeout=PATIENCE_S).text
        session.post(f"{server.url}/admin/billers/sh-water/maintenance", timeout=PATIENCE_S,
                     data={"maintenance": "on", "csrf": form_token(billers)})
        session.post(f"{server.url}/admin/sign-out", data={"csrf": form_token(billers)},
                     timeout=PATIENCE_S)
        admin = {"Authorization": f"Bearer {keys.admin_token}"}
        events = requests.get(f"{server.url}/v1/admin/audit/events", headers=admin,
                              timeout=PATIENCE_S).json()["events"]
        verified = requests.get(f"{server.url}/v1/admin/audit/verify", headers=admin,
                                timeout=PATIENCE_S).json()
    console = sorted((e for e in events if e["details"].get("via") == "console"),
                     key=lambda e: e["seq"])
    assert [(e["action"], e["outcome"]) for e in console] == [
        ("console.sign_in", "refused"), ("console.sign_in", "ok"),
        ("biller.maintenance", "ok"), ("console.sign_out", "ok")]
    assert console[0]["actor"] == "-" and console[0]["details"]["why"]
    assert {e["actor"] for e in console[1:]} == {"tests"}  # CentralKeys' token label
    assert console[2]["target"] == "sh-water on"
    assert verified["ok"] is True


def test_fleet_page_shows_a_page_of_rows_with_links_to_the_others(central_db, clock, keys):
    """GIVEN a console showing 2 kiosks a page and 5 well kiosks, 2 of them on a site
    WHEN the fleet page, its next page, its refresh, and a site's page are asked for
    THEN each shows its 2 (or last 1) kiosks by id, says which ones of how many, links to
    the pages before and after with the filters kept, refreshes the page it is on, and
    counts the whole fleet; a page number below 1 is refused."""
    with console_central(central_db, clock, fleet_rows=2) as server:
        for n in range(1, 6):
            beat(server.url, keys, f"SH-CN-000{n}")
        session = http_sign_in(server.url, keys.admin_token)

        def shown(path: str) -> tuple[list[str], str]:
            answer = session.get(f"{server.url}{path}", timeout=PATIENCE_S)
            assert answer.status_code == 200, answer.text
            return re.findall(r'data-kiosk="([^"]+)"', answer.text), answer.text

        first, html = shown("/admin")
        assert first == ["SH-CN-0001", "SH-CN-0002"]
        assert "Kiosks 1 to 2 of 5, worst first" in html and "All well: 5" in html
        assert 'href="/admin?state=all&amp;site=&amp;q=&amp;page=2"' in html
        assert 'id="page-previous"' not in html
        second, html = shown("/admin?page=2")
        assert second == ["SH-CN-0003", "SH-CN-0004"]
        assert 'data-refresh-url="/admin/fleet/rows?state=all&amp;site=&amp;q=&amp;page=2"' in html
        assert 'id="page-previous"' in html and 'id="page-next"' in html
        last, html = shown("/admin/fleet/rows?page=3")
        assert last == ["SH-CN-0005"] and "Kiosks 5 to 5 of 5" in html
        assert 'id="page-next"' not in html
        searched, html = shown("/admin?q=0005")
        assert searched == ["SH-CN-0005"] and 'class="pager"' not in html
        assert "All well: 5" in html
        assert session.get(f"{server.url}/admin?page=0", timeout=PATIENCE_S).status_code == 422
