"""The admin console in a real browser: Debian's headless chromium (selenium, Debian's
chromedriver) against a real central on 127.0.0.1. One browser for the module; each test
starts signed out, on its own central (SQLite: the pages are the same on PostgreSQL,
which the HTTP tests of the console cover)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests

from console_helpers import (
    beat,
    console_central,
    record_unknown_account_payment,
)
from kiosk.devtools.browser import missing, start_browser
from tests.patience import PATIENCE_S

if missing():
    pytest.skip(missing(), allow_module_level=True)

from selenium.webdriver.common.by import By

from console_browser_helpers import sign_in, until


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = start_browser()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def site(central_db: str, clock: Any, keys: Any, browser: Any) -> Iterator[Any]:
    """A central with a quick console refresh; the browser signed out of any other."""
    with console_central(central_db, clock) as server:
        browser.delete_all_cookies()
        yield server


def row_state(browser: Any, kiosk_id: str) -> str:
    """The state the fleet table shows for a kiosk (read in the page at once: the
    refresh may swap the rows between two WebDriver calls)."""
    return str(browser.execute_script(
        "var row = document.querySelector('tr[data-kiosk=\"' + arguments[0] + '\"]');"
        "return row ? row.getAttribute('data-state') : '';", kiosk_id))


def first_kiosk(browser: Any) -> str:
    return str(browser.execute_script(
        "var row = document.querySelector('#fleet-table tbody tr');"
        "return row ? row.getAttribute('data-kiosk') : '';"))


def test_sign_in_shows_the_fleet_and_a_wrong_token_is_refused(site, keys, browser):
    """GIVEN a kiosk that sent a heartbeat, and the console's sign-in page
    WHEN an admin types a wrong token, then the right one
    THEN the wrong one is refused on the sign-in page, and the right one opens the fleet
    with the kiosk listed and the token's label shown as who is signed in."""
    beat(site.url, keys, "SH-CN-0001")
    sign_in(browser, site.url, "not-a-token", expect_ok=False)
    problem = until(browser, lambda b: b.find_elements(By.ID, "problem"))[0]
    assert "unknown or revoked" in problem.text
    assert "/admin/sign-in" in browser.current_url
    browser.find_element(By.ID, "token").send_keys(keys.admin_token)
    browser.find_element(By.ID, "sign-in").click()
    until(browser, lambda b: row_state(b, "SH-CN-0001") == "ok")
    assert browser.find_element(By.CLASS_NAME, "who").text == "tests"


def test_a_kiosk_goes_offline_and_comes_back_without_a_reload(site, keys, browser, clock):
    """GIVEN the fleet page open on a kiosk that beats
    WHEN central's clock passes the offline span, then the kiosk beats again
    THEN the page shows it offline, then online, by itself: the page is never reloaded
    (a mark set in the page survives)."""
    beat(site.url, keys, "SH-CN-0001")
    beat(site.url, keys, "SH-CN-0002")
    sign_in(browser, site.url, keys.admin_token)
    until(browser, lambda b: row_state(b, "SH-CN-0001") == "ok")
    browser.execute_script("window.notReloaded = true;")
    clock.advance(timedelta(minutes=4))  # 3 missed beats of 60 s
    beat(site.url, keys, "SH-CN-0002")
    until(browser, lambda b: row_state(b, "SH-CN-0001") == "offline")
    assert first_kiosk(browser) == "SH-CN-0001"  # the worst first
    beat(site.url, keys, "SH-CN-0001")
    until(browser, lambda b: row_state(b, "SH-CN-0001") == "ok")
    assert browser.execute_script("return window.notReloaded === true;")


def test_take_a_kiosk_out_of_service(site, keys, browser):
    """GIVEN a kiosk's page
    WHEN the admin gives a reason and takes it out of service
    THEN the page says so with who and why, and the fleet lists it out of service."""
    beat(site.url, keys, "SH-CN-0003")
    sign_in(browser, site.url, keys.admin_token)
    until(browser, lambda b: row_state(b, "SH-CN-0003") == "ok")
    browser.find_element(By.LINK_TEXT, "SH-CN-0003").click()
    browser.find_element(By.ID, "oos-reason").send_keys("screen cracked")
    browser.find_element(By.ID, "take-out-of-service").click()
    until(browser, lambda b: b.find_elements(By.ID, "back-in-service"))
    assert "tests" in browser.page_source and "screen cracked" in browser.page_source
    browser.get(f"{site.url}/admin")
    until(browser, lambda b: row_state(b, "SH-CN-0003") == "out_of_service")


def test_settle_a_payment_to_review(site, keys, browser, make_payment):
    """GIVEN a card payment for an unknown account, listed under unknown bills
    WHEN the admin marks it settled with a reason
    THEN it leaves the open list and the settled list shows who and why."""
    payment = make_payment(account_no="3100000000", kiosk_id="SH-CN-0001")
    central_ref = record_unknown_account_payment(site.url, keys, payment)
    sign_in(browser, site.url, keys.admin_token)
    browser.get(f"{site.url}/admin/payments")
    row = browser.find_element(By.CSS_SELECTOR,
                               f'#review-unknown_bill tr[data-key="{central_ref}"]')
    row.find_element(By.NAME, "reason").send_keys("refunded at the counter")
    row.find_element(By.TAG_NAME, "button").click()
    until(browser, lambda b: b.find_elements(By.ID, "notice"))
    assert not browser.find_elements(By.CSS_SELECTOR, f'tr[data-key="{central_ref}"]')
    browser.get(f"{site.url}/admin/payments?settled=1")
    settled = browser.find_element(By.CSS_SELECTOR, f'tr[data-key="{central_ref}"]').text
    assert "tests" in settled and "refunded at the counter" in settled


def test_switch_a_biller_into_maintenance(site, keys, browser):
    """GIVEN the billers page
    WHEN the admin starts the water biller's maintenance
    THEN the page shows it in maintenance and a kiosk's look-up is answered 503."""
    sign_in(browser, site.url, keys.admin_token)
    browser.get(f"{site.url}/admin/billers")
    browser.find_element(By.CSS_SELECTOR, "#biller-sh-water button").click()
    until(browser, lambda b: b.find_element(By.ID, "biller-sh-water")
          .get_attribute("data-maintenance") == "on")
    lookup = requests.post(f"{site.url}/v1/bills/lookup", timeout=PATIENCE_S,
                           json={"biller_id": "sh-water", "account_no": "3100012345"},
                           headers=keys.kiosk_headers("SH-CN-0001"))
    assert lookup.status_code == 503


def test_sign_out_ends_the_session(site, keys, browser):
    """GIVEN a signed-in admin
    WHEN they sign out
    THEN the sign-in page says so, and the fleet page asks to sign in again."""
    sign_in(browser, site.url, keys.admin_token)
    until(browser, lambda b: b.find_elements(By.ID, "sign-out"))
    browser.find_element(By.ID, "sign-out").click()
    until(browser, lambda b: "signed_out=1" in b.current_url)
    browser.get(f"{site.url}/admin")
    until(browser, lambda b: "/admin/sign-in" in b.current_url)


def test_an_idle_session_ends_and_the_open_page_goes_to_the_sign_in(site, keys, browser, clock):
    """GIVEN the fleet page open and refreshing itself
    WHEN central's clock passes the idle span (the page's refreshes do not count as use)
    THEN the page goes to the sign-in by itself, saying the session has ended."""
    beat(site.url, keys, "SH-CN-0001")
    sign_in(browser, site.url, keys.admin_token)
    until(browser, lambda b: row_state(b, "SH-CN-0001") == "ok")
    clock.advance(timedelta(minutes=31))
    until(browser, lambda b: "expired=1" in b.current_url)
    assert browser.find_element(By.ID, "notice").text
