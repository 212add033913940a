"""The console's rollouts, audit trail and alerts in a real browser: Debian's headless
chromium (selenium, Debian's chromedriver) against a real central on 127.0.0.1 whose
scheduler runs only when the test calls it. One browser for the module; each test starts
signed out, on its own central (SQLite; tests/integration/central/test_console_http_ops.py
covers PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import text

from central.alerts import AlertSettings
from central.db import make_engine
from console_helpers import beat, console_central, record_unknown_account_payment
from kiosk.devtools.browser import missing, start_browser
from rollout_fleet import RolloutFleet, rollout_fleet

if missing():
    pytest.skip(missing(), allow_module_level=True)

from selenium.webdriver.common.by import By

from console_browser_helpers import attribute, sign_in, until


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = start_browser()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def site(central_db: str, clock: Any, keys: Any, browser: Any) -> Iterator[Any]:
    with console_central(central_db, clock,
                         alerts=AlertSettings(offline_minutes=5)) as server:
        browser.delete_all_cookies()
        yield server


@pytest.fixture
def fleet(site: Any, keys: Any) -> Iterator[RolloutFleet]:
    with rollout_fleet(site.url, keys) as made:
        yield made


def actions_listed(browser: Any) -> list[str]:
    return list(browser.execute_script(
        "return Array.from(document.querySelectorAll('#audit-table tbody tr[data-action]'))"
        ".map(function (row) { return row.getAttribute('data-action'); });"))


def filter_audit(browser: Any, action: str) -> None:
    box = browser.find_element(By.ID, "audit-action")
    box.clear()
    box.send_keys(action)
    browser.find_element(By.ID, "audit-apply").click()
    until(browser, lambda b: f"action={action}" in b.current_url)


def test_pause_resume_settle_found_in_the_audit_trail_and_a_tampered_event_named(
        site, fleet, keys, browser, make_payment, central_db):
    """GIVEN a config pushed to two kiosks through the JSON admin API, and a card payment
    to review
    WHEN the admin pauses and resumes the rollout on its page, settles the payment,
    filters the audit trail on "rollout." then "payments.", verifies the chain; then one
    event is altered in the database and the chain verified again
    THEN the rollout page shows paused then running; the filtered trail lists the resume
    and the pause (newest first), then the settle; the chain holds with the trail's head
    hash; after the change the page names the altered event and marks its row."""
    fleet.enroll("SH-B-0001", "SH-B-0002")
    rollout = fleet.push_config(1)
    assert rollout.status_code == 201, rollout.text
    payment = make_payment(account_no="3100000000", kiosk_id="SH-B-0001")
    central_ref = record_unknown_account_payment(site.url, keys, payment)
    sign_in(browser, site.url, keys.admin_token)

    browser.find_element(By.LINK_TEXT, "Rollouts").click()
    browser.find_element(By.CSS_SELECTOR, f"#rollout-config-{rollout.json()['id']} a").click()
    browser.find_element(By.ID, "rollout-pause").click()
    until(browser, lambda b: attribute(b, "#rollout-state", "data-state") == "paused")
    browser.find_element(By.ID, "rollout-resume").click()
    until(browser, lambda b: attribute(b, "#rollout-state", "data-state") == "running")

    browser.get(f"{site.url}/admin/payments")
    row = browser.find_element(By.CSS_SELECTOR,
                               f'#review-unknown_bill tr[data-key="{central_ref}"]')
    row.find_element(By.NAME, "reason").send_keys("refunded at the counter")
    row.find_element(By.TAG_NAME, "button").click()
    until(browser, lambda b: b.find_elements(By.ID, "notice"))

    browser.find_element(By.LINK_TEXT, "Audit trail").click()
    filter_audit(browser, "rollout.")
    until(browser, lambda b: actions_listed(b) == ["rollout.resume", "rollout.pause"])
    pause_seq = int(browser.find_element(
        By.CSS_SELECTOR, '#audit-table tr[data-action="rollout.pause"]').get_attribute(
        "data-seq"))
    filter_audit(browser, "payments.")
    until(browser, lambda b: actions_listed(b) == ["payments.settle"])

    browser.find_element(By.ID, "audit-clear").click()
    until(browser, lambda b: b.current_url.endswith("/admin/audit"))
    browser.find_element(By.ID, "audit-verify").click()
    until(browser, lambda b: attribute(b, "#verify-result", "data-ok") == "yes")
    head = requests.get(f"{site.url}/v1/admin/audit/verify", timeout=10,
                        headers={"Authorization": f"Bearer {keys.admin_token}"}).json()
    assert browser.find_element(By.ID, "head-hash").text == head["head_hash"]

    engine = make_engine(central_db)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE audit_events SET outcome = 'refused' "
                                    "WHERE seq = :seq"), {"seq": pause_seq})
    finally:
        engine.dispose()
    browser.find_element(By.ID, "audit-verify").click()
    until(browser, lambda b: attribute(b, "#verify-result", "data-ok") == "no")
    assert attribute(browser, "#verify-result", "data-broken-seq") == str(pause_seq)
    assert attribute(browser, "#verify-result", "data-how") == "altered"
    assert attribute(browser, f'#audit-table tr[data-seq="{pause_seq}"]', "class") == "broken"


def test_an_alert_shows_on_the_alerts_page_and_clears_without_a_reload(
        site, keys, browser, clock):
    """GIVEN two kiosks that beat, and the alerts page open
    WHEN one falls silent past the offline alert's span and the scheduler's round runs,
    then it beats again and the next round runs
    THEN the page lists its offline alert as open, then as cleared, by itself (the page
    is never reloaded)."""
    beat(site.url, keys, "SH-B-0003")
    beat(site.url, keys, "SH-B-0004")
    sign_in(browser, site.url, keys.admin_token)
    browser.find_element(By.LINK_TEXT, "Alerts").click()
    until(browser, lambda b: b.find_elements(By.ID, "alerts-live"))
    browser.execute_script("window.notReloaded = true;")
    offline = '#alerts-{} tr[data-kind="kiosk_offline"][data-kiosk="SH-B-0003"]'

    clock.advance(timedelta(minutes=10))
    beat(site.url, keys, "SH-B-0004")
    assert site.app.state.scheduler.run_once()
    until(browser, lambda b: attribute(b, offline.format("open"), "data-state") == "open")

    beat(site.url, keys, "SH-B-0003")
    assert site.app.state.scheduler.run_once()
    until(browser, lambda b: attribute(b, offline.format("cleared"), "data-state")
          == "cleared")
    assert attribute(browser, offline.format("open"), "data-state") == ""
    assert browser.execute_script("return window.notReloaded === true;")
