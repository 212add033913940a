"""The moment a pushed configuration may be applied: after a session has ended and been
wiped, never while someone is using the kiosk."""

from __future__ import annotations

import time

import pytest

from kiosk.ui.driver import Driver
from kiosk.ui.walkthrough import start_bill_payment, type_account

pytestmark = pytest.mark.ui


def test_the_between_sessions_hook_runs_only_after_the_session_is_wiped(driver: Driver) -> None:
    """GIVEN the hook where the config agent applies a pushed bundle
    WHEN a user works through a bill payment and then walks away
    THEN the hook is not called during the session, and is called once afterwards, on
    the attract screen with no session left."""
    app = driver.app
    seen: list[tuple[object, str]] = []
    app.between_sessions = lambda: seen.append((app.session, app.root.current))
    try:
        start_bill_payment(driver, "de", "sh-water")
        type_account(driver, "3100099999")
        assert seen == []
        limit = app.settings.idle_timeout_s + app.settings.idle_countdown_s
        app.last_touch = time.monotonic() - limit - 0.5
        driver.wait_for_screen("attract", timeout=5)
        driver.wait_until(lambda: bool(seen), 5, "the between-sessions hook")
        assert seen == [(None, "attract")]
    finally:
        app.between_sessions = None
