"""The tactile keypad on the real UI: a bill payment walked from the attract screen to
its review with keys alone (no touch), the keys going through the keypad simulator's
real pty, the production driver bootstrap opens for [keypad] url and the App's key
thread; the focused controls and the
screens said through the speech port (docs/accessibility.md#tactile-keypad)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kivy.uix.widget import Widget

from hardware.base import Key
from hardware.sim.keypad import KeypadSimulator
from kiosk.devtools.loopback import System
from kiosk.speech.recording import RecordingSpeech
from kiosk.ui.driver import Driver
from kiosk.ui.walkthrough import start_bill_payment
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.ui

ACCOUNT = "3100012345"


@pytest.fixture
def keypad(driver: Driver, system: System, tmp_path: Path) -> Iterator[KeypadSimulator]:
    """The loopback system's keypad simulator (the App listens to it through bootstrap's
    wiring: [keypad] url), and the App's voice recording what it says."""
    app = driver.app
    assert app.keys is not None, "bootstrap did not give the App the configured keypad"
    kept_speech = app.speech
    app.speech = RecordingSpeech(tmp_path / "wav")
    try:
        yield system.keypad
    finally:
        app.end_session()
        app.speech = kept_speech


def press(driver: Driver, keypad: KeypadSimulator, key: Key) -> None:
    """Press a key and wait until the UI has acted on it."""
    handled = driver.app.focus.keys_handled
    assert keypad.press(key)
    driver.wait_until(lambda: driver.app.focus.keys_handled > handled, PATIENCE_S,
                      f"the key {key}")
    driver.pump(2)


def focus_on(driver: Driver, keypad: KeypadSimulator, target: Widget) -> None:
    """Move the focus to ``target`` the short way round, with up and down only."""
    focus = driver.app.focus
    for _ in range(40):
        if focus.focused == target:  # == : ids give weak proxies
            return
        controls = focus.actionable()
        assert target in controls, f"{target!r} cannot take the focus"
        here = controls.index(focus.focused) if focus.focused in controls else -1
        ahead = (controls.index(target) - here) % len(controls)
        press(driver, keypad, Key.DOWN if ahead <= len(controls) - ahead else Key.UP)
    raise AssertionError(f"the focus never reached {target!r}")


def choose(driver: Driver, keypad: KeypadSimulator, target: Widget) -> None:
    focus_on(driver, keypad, target)
    press(driver, keypad, Key.SELECT)


def spoken(driver: Driver) -> list[str]:
    speech = driver.app.speech
    assert isinstance(speech, RecordingSpeech)
    return speech.texts()


def test_a_bill_payment_walked_to_its_review_with_the_keypad_alone(
        driver: Driver, system: System, keypad: KeypadSimulator) -> None:
    """GIVEN the attract screen and a tactile keypad
    WHEN a person presses a key, then moves the focus with up/down and presses select on
    English, the bill payment, the water company, help and back on the account entry,
    the ten digits and Continue, never touching the screen
    THEN the first key starts with the audio mode on; each focused control is said as it
    is reached (English, the service's tile, a digit); a focus ring is drawn on it; help
    opens the footer's Help and back closes it; the digits are typed as a touch types
    them and the review of the bill is shown and said; back from the review goes to the
    account entry, as the screen's Back does"""
    system.restart_central(fresh_data=True)  # the water bill due, whatever paid it before
    app = driver.app
    press(driver, keypad, Key.SELECT)
    driver.wait_for_screen("language")
    assert app.audio
    driver.wait_until(lambda: any(t.startswith("Audio guidance is on.") for t in spoken(driver)),
                      PATIENCE_S, "the audio mode announced")

    english = app.screen("language").button_for("en")
    focus_on(driver, keypad, english)
    assert spoken(driver)[-1] == "English"
    assert len(english.canvas.after.children) > 0  # the ring is drawn over it
    press(driver, keypad, Key.SELECT)
    driver.wait_for_screen("home")

    tile = app.screen("home").tiles["bill_payment"]
    focus_on(driver, keypad, tile)
    assert spoken(driver)[-1].startswith("Pay a utility bill")
    press(driver, keypad, Key.SELECT)
    driver.wait_for_screen("biller")
    choose(driver, keypad, app.screen("biller").tiles["sh-water"])
    driver.wait_for_screen("account")

    press(driver, keypad, Key.HELP)  # the footer's Help, over the screen
    driver.wait_until(lambda: app._help_panel is not None, PATIENCE_S, "the help panel")
    press(driver, keypad, Key.BACK)  # closes it, the account entry stays
    driver.wait_until(lambda: app._help_panel is None, PATIENCE_S, "the help panel closed")
    assert app.root.current == "account"

    digits = driver.find("account", "keypad")
    for digit in ACCOUNT:
        choose(driver, keypad, digits.key_widget(digit))
    assert spoken(driver)[-1] == ACCOUNT[-1]  # the digit focused last was said
    choose(driver, keypad, driver.find("account", "submit"))
    driver.wait_for_screen("review")
    driver.wait_until(lambda: any(t.startswith("You are at: Check the bill before paying.")
                                  and "3 1 0 0 0 1 2 3 4 5" in t for t in spoken(driver)),
                      PATIENCE_S, "the review said")

    press(driver, keypad, Key.BACK)
    driver.wait_for_screen("account")


def test_the_keypad_is_still_heard_after_the_app_stops_and_starts_again(
        driver: Driver, keypad: KeypadSimulator) -> None:
    """GIVEN the App listening to its keypad
    WHEN its stop and start hooks run (as a supervised start calls them; the watchdog
    tests do so on this shared App)
    THEN it keeps the keypad bootstrap gave it, and a key pressed after the start is
    handled: the attract screen gives way to the language choice with the audio mode on."""
    app = driver.app
    feed = app.keys
    app.on_stop()
    assert app.keys is feed  # kept for the next start
    app.on_start()
    press(driver, keypad, Key.SELECT)
    driver.wait_for_screen("language")
    assert app.audio


def test_back_pressed_while_help_fades_in_gives_the_keys_back_to_the_screen(
        driver: Driver, system: System) -> None:
    """GIVEN the account entry of a bill payment
    WHEN help and back are pressed in the same frame (the panel still fading in), and
    the fade-in's end then arrives (Kivy's on_open) while the panel fades out
    THEN the keys move over the account screen's controls, not the closing panel's
    Close: the focus ring never lands on a dialog that is going away."""
    app = driver.app
    start_bill_payment(driver, "en", "sh-water")
    focus = app.focus
    focus.press(Key.HELP.value)
    panel = app._help_panel
    assert panel is not None
    focus.press(Key.BACK.value)
    assert app._help_panel is None
    panel.dispatch("on_open")  # the fade-in's end, after the dismissal
    controls = focus.actionable()
    assert driver.find("account", "submit") in controls
    assert not any(control in panel.walk() for control in controls)
    driver.wait_until(lambda: panel.parent is None, PATIENCE_S, "the panel gone")


def test_a_key_pressed_before_the_screen_is_described_keeps_the_controls_name(
        driver: Driver, system: System, tmp_path: Path) -> None:
    """GIVEN the audio mode on and the home screen just shown (its description due a
    moment later)
    WHEN a key moves the focus to the first control in that same moment
    THEN the control's name is what is said last: the screen's description, which would
    cut it off, is not said after it (a full run met it on a loaded machine)."""
    app = driver.app
    kept = app.speech
    app.speech = RecordingSpeech(tmp_path / "wav")
    try:
        start_bill_payment(driver, "en", "sh-water")
        app.set_audio(True)
        app.show_screen("home")  # described SPEAK_AFTER_S from now
        app.focus.press(Key.DOWN.value)
        driver.settle(1.0)
        said = spoken(driver)
        assert not any(text.startswith("You are at: List of services") for text in said), said
        assert said[-1] == app.focus.name_of(app.focus.focused)
    finally:
        app.end_session()
        app.speech = kept
