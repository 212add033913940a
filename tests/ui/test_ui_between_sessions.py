"""The moment a pushed configuration may be applied: after a session has ended and been
wiped, never while someone is using the kiosk."""

from __future__ import annotations

import time

import pytest

from kiosk.bootstrap import release_freed_memory
from kiosk.services.maintenance import RESTART_CHECK_S
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
    built_with = app.between_sessions
    assert built_with is release_freed_memory  # bootstrap's: the heap goes back between sessions
    app.between_sessions = lambda: seen.append((app.session, app.root.current))
    try:
        start_bill_payment(driver, "de", "sh-water")
        type_account(driver, "3100099999")
        assert seen == []
        limit = app.idle_timeout_s + app.settings.idle_countdown_s
        app.last_touch = time.monotonic() - limit - 0.5
        driver.wait_for_screen("attract", timeout=15)
        driver.wait_until(lambda: bool(seen), 5, "the between-sessions hook")
        assert seen == [(None, "attract")]
    finally:
        app.between_sessions = built_with


def test_the_nightly_restart_is_asked_as_busy_in_a_session_and_idle_after_it(
        driver: Driver) -> None:
    """GIVEN a restart hook that records whether the kiosk was in use when asked (and
    never answers yes: this App is shared by the UI tests; tests/e2e stops a real one)
    WHEN a user is in a bill payment for one check interval, then walks away
    THEN the check during the session says busy, and the check right after the session
    was wiped, on the attract screen, says idle."""
    app = driver.app
    asked: list[tuple[bool, str, bool]] = []

    def restart_due(busy: bool) -> bool:
        asked.append((busy, app.root.current, app.session is None))
        return False

    app.restart_due = restart_due
    try:
        start_bill_payment(driver, "en", "sh-water")
        driver.wait_until(lambda: bool(asked), RESTART_CHECK_S + 10, "a restart check")
        assert asked[0][0] is True and asked[0][2] is False
        asked.clear()
        app.end_session()
        driver.wait_for_screen("attract")
        assert asked[0] == (False, "attract", True)
    finally:
        app.restart_due = None


def test_a_session_started_after_a_long_quiet_spell_is_not_ended_as_idle(driver: Driver) -> None:
    """GIVEN a kiosk whose last touch was longer ago than the idle limit (a quiet night)
    WHEN a session starts without a touch reaching the window first (as a keypad or a
    test starts it)
    THEN the idle check that follows keeps the session: its clock starts with it."""
    app = driver.app
    limit = app.settings.idle_timeout_s + app.settings.idle_countdown_s
    app.last_touch = time.monotonic() - limit - 60
    app.start_session("fr")
    driver.wait_for_screen("home")
    driver.settle(2.5)  # the idle check runs every second
    assert app.session is not None
    assert app.root.current == "home"


def test_releasing_freed_memory_returns_heap_pages_to_the_system() -> None:
    """GIVEN 200 MB allocated and freed in 1 kB blocks (kept by glibc for reuse)
    WHEN the kiosk releases freed memory between sessions
    THEN the process's resident memory drops by most of it."""
    def rss_mb() -> float:
        with open("/proc/self/status", encoding="ascii") as status:
            return int(next(ln for ln in status if ln.startswith("VmRSS:")).split()[1]) / 1024

    blocks = [bytearray(1000) for _ in range(200_000)]
    keep = blocks[-1]  # the top of the heap stays in use: free() alone cannot shrink it
    del blocks
    before = rss_mb()
    assert release_freed_memory() is True
    assert before - rss_mb() > 100, (before, rss_mb())
    del keep
