"""Accessibility over the real widget tree: every screen the walkthroughs reach, in the
standard and the high-contrast theme, checked label by label for WCAG contrast against
the colour actually drawn behind it, and touchable widget by widget for a 60x60 px
target at the 1080x1920 reference; the switches on the language screen and in the
header; both reset when the session ends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kivy.core.window import Window
from kivy.graphics import Color, Rectangle, RoundedRectangle
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

from kiosk.devtools.loopback import System
from kiosk.ui import theme
from kiosk.ui.driver import Driver
from kiosk.ui.i18n import in_language
from kiosk.ui.theme import LARGE_TEXT_SCALE, contrast_ratio, palette
from kiosk.ui.walkthrough import pay_water_bill
from kiosk.ui.widgets import AccessibilityButton, AccessibilityDialog, AccessibilitySwitches

pytestmark = pytest.mark.ui

RGBA = tuple[float, float, float, float]
TOUCHABLE = (ButtonBehavior, Button, TextInput)


# --- helpers: what is visible, and the colour behind a label ---------------------------

def visible_widgets(root: Widget) -> Iterator[Widget]:
    """The widgets drawn under ``root``: a subtree with opacity 0 or no area is skipped."""
    if root.opacity <= 0 or root.width <= 0 or root.height <= 0:
        return
    yield root
    for child in root.children:
        yield from visible_widgets(child)


def ancestors(widget: Widget) -> list[Widget]:
    """From the outermost (a child of the Window) down to ``widget`` itself."""
    chain = []
    node: Widget | None = widget
    while node is not None and node is not Window:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def over(top: RGBA, bottom: RGBA) -> RGBA:
    """``top`` painted with its alpha over an opaque ``bottom``."""
    alpha = top[3]
    r, g, b = (top[i] * alpha + bottom[i] * (1 - alpha) for i in range(3))
    return (r, g, b, 1.0)


def background_behind(label: Widget) -> RGBA:
    """The colour drawn under the label's centre: the window's clear colour, then every
    ancestor's canvas (before, then main, in drawing order) whose Rectangle or
    RoundedRectangle covers that point, painted with the Color set before it."""
    x, y = label.to_window(*label.center)
    colour: RGBA = tuple(Window.clearcolor)
    for node in ancestors(label):
        groups = [node.canvas.before] if node is label else [node.canvas.before, node.canvas]
        for group in groups:
            current: RGBA | None = None
            for instruction in group.children:
                if isinstance(instruction, Color):
                    current = tuple(instruction.rgba)
                elif isinstance(instruction, (Rectangle, RoundedRectangle)) and current:
                    left, bottom = node.to_window(*instruction.pos)
                    width, height = instruction.size
                    if left <= x <= left + width and bottom <= y <= bottom + height:
                        colour = over(current, colour)
    return colour


def on_screen_now(driver: Driver) -> list[tuple[str, Widget]]:
    """The current screen and any open dialog, named for the failure messages."""
    roots: list[tuple[str, Widget]] = [(driver.app.root.current, driver.app.current_screen)]
    roots += [(type(w).__name__, w) for w in Window.children if isinstance(w, ModalView)]
    return roots


def audit(driver: Driver, minimum: float) -> list[str]:
    """Every problem on screen now: text below ``minimum`` contrast, a target under 60 px."""
    u = driver.app.u
    problems: list[str] = []
    for where, root in on_screen_now(driver):
        for widget in visible_widgets(root):
            if isinstance(widget, Label) and widget.text.strip():
                text = widget.disabled_color if widget.disabled else widget.color
                ratio = contrast_ratio(tuple(text), background_behind(widget))
                if ratio < minimum:
                    problems.append(f"{where}: {type(widget).__name__} {widget.text[:30]!r} "
                                    f"contrast {ratio:.2f}:1")
            if isinstance(widget, TOUCHABLE):
                width, height = widget.width / u, widget.height / u
                if width < theme.TOUCH_MIN - 0.5 or height < theme.TOUCH_MIN - 0.5:
                    problems.append(f"{where}: {type(widget).__name__} "
                                    f"{getattr(widget, 'text', '')[:20]!r} target "
                                    f"{width:.0f}x{height:.0f} px")
    return problems


class AuditingDriver(Driver):
    """The walkthroughs call screenshot() on every screen they reach: audit it instead."""

    def __init__(self, driver: Driver, minimum: float) -> None:
        super().__init__(driver.app)
        self._started = True
        self.minimum = minimum
        self.problems: list[str] = []
        self.screens: list[str] = []

    def screenshot(self, path: Path) -> Path:
        self.pump(2)
        self.screens.append(self.app.root.current)
        self.problems += audit(self, self.minimum)
        return path


# --- tests -----------------------------------------------------------------------------

@pytest.mark.parametrize(("high_contrast", "minimum"), [(False, 4.5), (True, 7.0)],
                         ids=["standard", "high-contrast"])
def test_every_screen_of_a_bill_payment_has_readable_text_and_big_targets(
        driver: Driver, system: System, tmp_path: Path, high_contrast: bool,
        minimum: float) -> None:
    """GIVEN the standard or the high-contrast theme
    WHEN a water bill is paid by touch (attract, language, home, biller, account,
    review, card, receipt), each screen audited as the walkthrough reaches it
    THEN every visible label's text has at least 4.5:1 (7:1) against the colour drawn
    behind it, and every touchable widget is at least 60x60 reference px."""
    system.restart_central(fresh_data=True)  # a water bill due, whatever ran before
    driver.app.set_high_contrast(high_contrast)
    auditor = AuditingDriver(driver, minimum)
    try:
        pay_water_bill(auditor, tmp_path, "en")
    finally:  # the bill is paid now: the tests after this one find it due again
        system.restart_central(fresh_data=True)
    assert len(auditor.screens) >= 7, auditor.screens
    assert not auditor.problems, "\n".join(auditor.problems)


@pytest.mark.timeout(300)  # two walks and two fresh centrals on a loaded machine
@pytest.mark.parametrize("service", [
    pytest.param(service, marks=pytest.mark.long(seconds))  # on an idle 2-core machine
    for service, seconds in {"tax": 33, "stay": 68, "arbitration": 65, "points": 20}.items()])
def test_every_screen_of_each_self_service_in_both_themes(
        driver: Driver, system: System, tmp_path: Path, service: str) -> None:
    """GIVEN a self-service walkthrough (tax record, stay, arbitration, points)
    WHEN it is walked in the high-contrast theme, then again in the standard one
    THEN every screen reached passes the contrast (7:1, then 4.5:1) and target checks."""
    from kiosk.demo_scenarios import walkers

    for high_contrast, minimum in ((True, 7.0), (False, 4.5)):
        # No case or stay of the walk's user at central, whatever ran before (an earlier
        # walk's would make this one a duplicate).
        system.restart_central(fresh_data=True)
        driver.app.end_session()
        driver.wait_for_screen("attract")
        driver.app.set_high_contrast(high_contrast)
        auditor = AuditingDriver(driver, minimum)
        walkers()[service](auditor, system, tmp_path / str(high_contrast), "en")
        assert len(auditor.screens) >= 3, auditor.screens
        assert not auditor.problems, (f"high contrast {high_contrast}:\n"
                                      + "\n".join(auditor.problems))


def test_the_language_screen_switches_both_modes_and_the_session_end_resets_them(
        driver: Driver) -> None:
    """GIVEN the first screens: attract, then the language choice
    WHEN the user touches "High contrast" and "Larger text" there, then picks a language
    THEN the whole UI turns to the high-contrast palette (labels and window), every font
    grows by 1.4 and the screens after keep both; the end of the session puts both back."""
    app = driver.app
    driver.tap(app.screen("attract").ids.start)
    driver.wait_for_screen("language")
    switches: AccessibilitySwitches = app.screen("language").ids.accessibility
    prompt = app.screen("language").ids.prompt
    size_before = prompt.font_size
    driver.tap(switches.ids.high_contrast)
    driver.tap(switches.ids.large_text)
    assert app.high_contrast and app.large_text
    assert tuple(Window.clearcolor) == pytest.approx(theme.HIGH_CONTRAST.BACKGROUND)
    assert tuple(prompt.color) == pytest.approx(theme.HIGH_CONTRAST.HEADER_TEXT)
    assert prompt.font_size == pytest.approx(size_before * LARGE_TEXT_SCALE)
    assert switches.ids.high_contrast.icon == switches.checked_icon
    assert audit(driver, 7.0) == []

    driver.tap(app.screen("language").button_for("en"))
    driver.wait_for_screen("home")
    home = app.screen("home")
    assert tuple(background_behind(home.ids.header.ids.title)) == pytest.approx(
        theme.HIGH_CONTRAST.HEADER)
    assert audit(driver, 7.0) == []

    app.end_session()
    driver.wait_for_screen("attract")
    assert not app.high_contrast and not app.large_text
    assert app.fs == pytest.approx(app.u)
    assert tuple(palette.TEXT) == pytest.approx(theme.STANDARD.TEXT)
    assert tuple(Window.clearcolor) == pytest.approx(theme.STANDARD.BACKGROUND)


def test_the_header_button_opens_the_switches_on_any_screen_in_the_users_language(
        driver: Driver) -> None:
    """GIVEN a session on the home screen, in German
    WHEN the user touches the header's accessibility button, switches on high contrast
    and closes the dialog
    THEN the button shows an icon and the German word, the dialog passes the 7:1 and
    target checks, the screen behind is high contrast, and the dialog is gone."""
    app = driver.app
    app.start_session("de")
    driver.wait_for_screen("home")
    button = app.screen("home").ids.header.ids.accessibility
    assert isinstance(button, AccessibilityButton)
    assert button.ids.label.text == in_language("de", AccessibilityButton.label)
    assert button.ids.label.texture_size[0] <= button.ids.label.width + 1  # the word fits
    driver.tap(button)
    driver.pump(5)
    dialogs = [w for w in Window.children if isinstance(w, AccessibilityDialog)]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    driver.tap(dialog.switches.ids.high_contrast)
    driver.settle(0.3)
    assert app.high_contrast
    assert audit(driver, 7.0) == []
    driver.tap(dialog.ids.close)
    driver.settle(0.3)
    assert not any(isinstance(w, AccessibilityDialog) for w in Window.children)
    assert audit(driver, 7.0) == []


def test_large_text_reflows_the_home_screen_without_cutting_text(driver: Driver) -> None:
    """GIVEN a session on the home screen in French (long words)
    WHEN large text is switched on
    THEN fonts are 1.4 times larger and no wrapped label is wider than its widget, every
    button's text still fits inside its button, and targets stay at least 60x60 px."""
    app = driver.app
    app.start_session("fr")
    driver.wait_for_screen("home")
    app.set_large_text(True)
    driver.settle(0.5)
    assert app.fs == pytest.approx(app.u * LARGE_TEXT_SCALE)
    problems = audit(driver, 4.5)
    for widget in visible_widgets(app.current_screen):
        if (isinstance(widget, Label) and widget.text.strip() and widget.text_size[0]
                and widget.texture_size[0] > widget.width + 1 and not widget.shorten):
            problems.append(f"{widget.text[:30]!r} wider than its label")
        label = getattr(widget, "ids", {}).get("label")
        if type(widget).__name__ == "KButton" and label is not None and not widget.fit:
            _left, top, _right, bottom = widget.padding
            if label.texture_size[1] > widget.height - top - bottom + 1:
                problems.append(f"{widget.text[:30]!r} taller than its button")
    assert not problems, "\n".join(problems)
