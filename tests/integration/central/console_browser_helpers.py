"""What the console's browser tests share (import after checking that a browser is
there: selenium is imported here)."""

from __future__ import annotations

from typing import Any

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.patience import PATIENCE_S


def until(browser: Any, check: Any) -> Any:
    """Poll ``check`` until it holds. A form's answer replaces the page: an element found
    on the old one goes stale under the check (a CI run failed so), and the next poll
    finds the new page's."""
    return WebDriverWait(browser, PATIENCE_S, poll_frequency=0.05, ignored_exceptions=(
        NoSuchElementException, StaleElementReferenceException)).until(check)


def sign_in(browser: Any, url: str, token: str, *, expect_ok: bool = True) -> None:
    """Sign in through the form; with ``expect_ok``, return once the signed-in page has
    loaded (a page asked for before the form's answer came would be sent to the sign-in)."""
    browser.get(f"{url}/admin")
    until(browser, lambda b: "/admin/sign-in" in b.current_url)
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.ID, "sign-in").click()
    if expect_ok:
        until(browser, lambda b: "/admin/sign-in" not in b.current_url
              and b.find_elements(By.ID, "sign-out"))


def attribute(browser: Any, selector: str, name: str) -> str:
    """An element's attribute read in the page at once ("" when there is no such
    element): a live refresh may swap it between two WebDriver calls."""
    return str(browser.execute_script(
        "var found = document.querySelector(arguments[0]);"
        "return found ? (found.getAttribute(arguments[1]) || '') : '';", selector, name))
