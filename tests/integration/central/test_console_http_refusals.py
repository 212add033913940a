"""A refused console form answers the console's page, over plain HTTP on SQLite and
PostgreSQL: the page again with the reason next to the form and the refusal's status code
(422, 409, 404, 403), in the admin's language; never the JSON error body, which /v1/*
keeps answering as before."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from central.server import CentralServer
from console_helpers import beat, console_central, form_token, http_sign_in
from tests.patience import PATIENCE_S

KIOSK = "SH-CN-0007"


@pytest.fixture
def site(central_db: str, clock: Any) -> Iterator[CentralServer]:
    with console_central(central_db, clock) as server:
        yield server


@pytest.fixture
def admin(site: CentralServer, keys: Any) -> Iterator[requests.Session]:
    session = http_sign_in(site.url, keys.admin_token)
    try:
        yield session
    finally:
        session.close()


def is_page(answer: requests.Response) -> bool:
    return answer.headers["content-type"].startswith("text/html") \
        and answer.text.lstrip().startswith("<!doctype html>")


def form_problem(html: str) -> str:
    found = re.search(r'<p class="problem form-problem" role="alert" id="form-problem">'
                      r'([^<]+)</p>', html)
    assert found, "no problem shown next to a form"
    return found.group(1)


def test_a_kiosk_form_refused_shows_the_kiosk_page_again_with_the_reason_by_the_form(
        site: CentralServer, keys: Any, admin: requests.Session) -> None:
    """GIVEN a signed-in admin on a kiosk's page
    WHEN they take it out of service without a reason, revoke it without ticking the
    confirmation, and post a maintenance switch that is neither on nor off
    THEN each answer is the kiosk's page (HTML, 422) with the reason inside the form that
    was refused, and nothing changed: the kiosk is in service, enrolled, not in
    maintenance"""
    beat(site.url, keys, KIOSK)
    page = admin.get(f"{site.url}/admin/kiosks/{KIOSK}", timeout=PATIENCE_S)
    csrf = form_token(page.text)
    posts = {"out-of-service": {"csrf": csrf, "reason": "  "},
             "revoke": {"csrf": csrf},
             "maintenance": {"csrf": csrf, "maintenance": "sometimes"}}
    reasons = {}
    for action, data in posts.items():
        answer = admin.post(f"{site.url}/admin/kiosks/{KIOSK}/{action}", data=data,
                            allow_redirects=False, timeout=PATIENCE_S)
        assert answer.status_code == 422, (action, answer.text)
        assert is_page(answer), (action, answer.text[:200])
        assert f"<title>{KIOSK} ·" in answer.text
        html = answer.text
        form = re.search(rf'<form method="post" action="/admin/kiosks/{KIOSK}/{action}"'
                         r'.*?</form>', html, re.S)
        assert form and 'id="form-problem"' in form.group(0), action
        reasons[action] = form_problem(html)
    assert reasons == {
        "out-of-service": "Say why the kiosk is taken out of service.",
        "revoke": "Tick the box to confirm: the kiosk must then be enrolled again.",
        "maintenance": "Maintenance is either on or off: reload the page."}
    after = admin.get(f"{site.url}/admin/kiosks/{KIOSK}", timeout=PATIENCE_S).text
    assert 'id="take-out-of-service"' in after and 'id="revoke"' in after
    assert 'id="maintenance-on"' in after


def test_a_refusal_is_in_the_admins_language(site: CentralServer, keys: Any,
                                              admin: requests.Session) -> None:
    """GIVEN an admin who chose Chinese
    WHEN they take a kiosk out of service without a reason
    THEN the reason next to the form is in Chinese"""
    beat(site.url, keys, KIOSK)
    admin.get(f"{site.url}/admin/language/zh-Hans", timeout=PATIENCE_S)
    csrf = form_token(admin.get(f"{site.url}/admin/kiosks/{KIOSK}", timeout=PATIENCE_S).text)
    answer = admin.post(f"{site.url}/admin/kiosks/{KIOSK}/out-of-service",
                        data={"csrf": csrf, "reason": ""}, timeout=PATIENCE_S)
    assert answer.status_code == 422 and is_page(answer)
    assert form_problem(answer.text) == "请说明停用该终端的原因。"


def test_a_biller_switch_and_a_settle_refused_answer_their_pages(
        site: CentralServer, admin: requests.Session) -> None:
    """GIVEN a signed-in admin
    WHEN they post a biller's maintenance that is neither on nor off, and settle a
    payment that is not to review
    THEN the billers page comes back (422) with the reason by that biller's switch, and
    the payments page (404) with the reason at its top"""
    csrf = form_token(admin.get(f"{site.url}/admin/billers", timeout=PATIENCE_S).text)
    answer = admin.post(f"{site.url}/admin/billers/sh-water/maintenance",
                        data={"csrf": csrf, "maintenance": "maybe"}, timeout=PATIENCE_S)
    assert answer.status_code == 422 and is_page(answer)
    row = re.search(r'<tr id="biller-sh-water".*?</tr>', answer.text, re.S)
    assert row and form_problem(row.group(0)).startswith("Maintenance is either on or off")

    settled = admin.post(f"{site.url}/admin/payments/settle", timeout=PATIENCE_S,
                         data={"csrf": csrf, "kind": "payment", "key": "nope", "reason": "x"})
    assert settled.status_code == 404 and is_page(settled)
    assert "Payments to review" in settled.text
    assert re.search(r'id="problem">No such payment to review', settled.text)


def test_other_refusals_under_admin_answer_a_page_and_v1_keeps_its_json(
        site: CentralServer, keys: Any, admin: requests.Session) -> None:
    """GIVEN a signed-in admin
    WHEN a form comes without its CSRF token, a kiosk that never sent a heartbeat is
    opened, and a page is asked with a value its address does not allow; and the JSON
    API is asked for an unknown rollout and with a value it does not allow
    THEN the console answers its page with a reason and a link back (403, 404, 422);
    /v1/* answers its JSON error bodies as before"""
    forged = admin.post(f"{site.url}/admin/billers/sh-water/maintenance",
                        data={"maintenance": "on"}, allow_redirects=False, timeout=PATIENCE_S)
    assert forged.status_code == 403 and is_page(forged)
    assert "reload the page" in forged.text and 'id="refused-back"' in forged.text
    unknown = admin.get(f"{site.url}/admin/kiosks/SH-XX-9999", timeout=PATIENCE_S)
    assert unknown.status_code == 404 and is_page(unknown)
    invalid = admin.get(f"{site.url}/admin?page=0", timeout=PATIENCE_S)
    assert invalid.status_code == 422 and is_page(invalid)
    assert 'id="problem"' in invalid.text and 'id="sign-out"' in invalid.text

    api = {"Authorization": f"Bearer {keys.admin_token}"}
    missing = requests.get(f"{site.url}/v1/admin/rollouts/config/999", headers=api,
                           timeout=PATIENCE_S)
    assert missing.status_code == 404 and missing.json()["code"] == "E_NOT_FOUND"
    bad = requests.get(f"{site.url}/v1/admin/rollouts", params={"limit": 0}, headers=api,
                       timeout=PATIENCE_S)
    assert bad.status_code == 422 and bad.json()["code"] == "E_REQUEST_REJECTED"
