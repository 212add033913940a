"""The attract screen shows every language at once: nobody waits for the loop."""

from __future__ import annotations

import pytest

from kiosk.domain.languages import language
from kiosk.ui.driver import Driver

pytestmark = pytest.mark.ui


def test_a_russian_speaker_starts_in_russian_without_waiting_for_the_loop(
        driver: Driver) -> None:
    """GIVEN the attract screen showing its first language (the loop at English)
    WHEN a person touches "Русский", one of the eight names always on show
    THEN the session starts in Russian on the home screen, without the language
    screen; every language's name was on the attract screen, each in its own face."""
    app = driver.app
    attract = app.screen("attract")
    assert app.root.current == "attract"
    attract.show_language("en")  # type: ignore[attr-defined]
    buttons = {code: attract.language_button(code)  # type: ignore[attr-defined]
               for code in app.languages}
    assert {code: button.text for code, button in buttons.items()} == {
        code: language(code).native_name for code in app.languages}
    assert all(button.get_root_window() is not None and button.width > 0
               for button in buttons.values())

    driver.tap(buttons["ru"])
    driver.wait_for_screen("home")
    assert app.lang == "ru" and app.session is not None
    assert app.screen("home").tiles["bill_payment"].title == "Оплата счетов"  # type: ignore[attr-defined]


def test_touching_elsewhere_still_asks_for_the_language(driver: Driver) -> None:
    """GIVEN the attract screen
    WHEN a person touches "Touch to start" (outside the names of the languages)
    THEN the language screen asks, as before."""
    driver.tap(driver.app.screen("attract").ids.start)
    driver.wait_for_screen("language")
