"""The scripted walkthrough of `kiosk demo --headless`: a water bill paid by card, by
simulated touches on the real UI, with a PNG of every screen."""

from __future__ import annotations

import calendar
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Protocol, TypeVar

from kivy.uix.widget import Widget

from kiosk.services.bill_payment import BillPaymentFlow, Step
from kiosk.services.contract import ServiceFlow, View
from kiosk.ui import picking
from kiosk.ui.driver import Driver
from kiosk.ui.touch import SimulatedTouch
from kiosk.ui.widgets import Keypad

log = logging.getLogger(__name__)


F = TypeVar("F")


class DocumentPresenter(Protocol):
    """What a scripted user needs besides the touch screen: put a document on the reader."""

    def present_document(self, name: str) -> None:
        """Place the reader simulator's specimen ``name`` ("td3-valid") on the reader."""
        ...


class _Presents(Protocol):
    def present(self, document: str) -> object: ...


class ReaderPresenter:
    """Adapts anything with ``present(name)`` (the reader simulator) to DocumentPresenter."""

    def __init__(self, reader: _Presents) -> None:
        self._reader = reader

    def present_document(self, name: str) -> None:
        self._reader.present(name)


def current_flow(driver: Driver) -> ServiceFlow:
    """The flow on screen (a service was started)."""
    flow = driver.app.flow
    if flow is None:
        raise AssertionError(f"no service in use (screen {driver.app.root.current})")
    return flow


def flow_of(driver: Driver, kind: type[F]) -> F:
    """The flow on screen as its own class. A scripted user knows which service it
    walks and reads what that service holds (the code the phone got, the step by name);
    the screens know a flow only by its contract."""
    flow = driver.app.flow
    if not isinstance(flow, kind):
        raise AssertionError(f"not in a {kind.__name__}: {flow!r}")
    return flow


@dataclass
class WalkthroughResult:
    reference: str
    receipt_printed: bool
    screenshots: list[Path] = field(default_factory=list)


def start_bill_payment(driver: Driver, lang: str, biller_id: str,
                       shot: Callable[[str], None] | None = None) -> None:
    """From the attract screen to the account entry of ``biller_id``, in ``lang``."""
    start_service(driver, lang, "bill_payment", shot)
    driver.wait_for_screen("biller")
    if shot is not None:
        shot("biller")
    driver.tap(driver.app.screen("biller").tiles[biller_id])
    driver.wait_for_screen("account")


def read_summary_to_the_end(driver: Driver) -> None:
    """Scroll the summary on screen down to its end, touching its "more below" cue as a
    person may, until its primary action is live (the action waits for the end)."""
    screen = driver.app.screen("summary")
    action = screen.ids.action
    driver.wait_until(lambda: screen.read_to_the_end or screen.ids.cue.shown, 10,
                      "the summary laid out")
    for _page in range(40):
        if screen.read_to_the_end:
            break
        if screen.ids.cue.shown:
            driver.tap(screen.ids.cue)
        driver.settle(0.35)  # the cue scrolls with a short animation
    driver.wait_until(lambda: not action.disabled, 10, "the summary's action to be live")


def confirm_summary(driver: Driver) -> None:
    """Read the summary to its end and touch its primary action."""
    read_summary_to_the_end(driver)
    driver.tap(driver.app.screen("summary").ids.action)


def start_service(driver: Driver, lang: str, service: str,
                  shot: Callable[[str], None] | None = None) -> None:
    """From the attract screen to the first screen of ``service``, in ``lang``."""
    app = driver.app
    snap = shot or (lambda _name: None)
    driver.wait_for_screen("attract")
    if shot is not None:
        app.screen("attract").show_language(lang)
        driver.pump(2)
    snap("attract")
    driver.tap(app.screen("attract").ids.start)
    driver.wait_for_screen("language")
    snap("language")
    driver.tap(app.screen("language").button_for(lang))
    driver.wait_for_screen("home")
    snap("home")
    driver.tap(app.screen("home").tiles[service])


def switch_language(driver: Driver, lang: str) -> None:
    """Touch the header's language button, then the language in the dialog, and wait
    until the dialog has closed: it fades out over a few frames, and a touch meant for
    the screen beneath would reach its buttons meanwhile."""
    from kivy.core.window import Window

    app = driver.app
    driver.tap(app.current_screen.ids.header.ids.language)
    driver.wait_until(lambda: app._language_dialog is not None
                      and app._language_dialog in Window.children, 5, "the language dialog")
    driver.pump(3)
    dialog = app._language_dialog
    assert dialog is not None
    button = next(w for w in dialog.walk() if getattr(w, "lang_code", "") == lang)
    driver.tap(button)
    driver.wait_until(lambda: dialog not in Window.children, 5, "the dialog to close")


def question_keypad(driver: Driver) -> Keypad:
    """The keypad of the question on screen (numbers, dates, amounts, codes)."""
    screen = driver.app.screen("question")
    keypad: Keypad = next(w for w in screen.ids.input.walk() if isinstance(w, Keypad))
    return keypad


def answer_on_keypad(driver: Driver, digits: str) -> None:
    """Type on the question screen's keypad and touch Next."""
    screen = driver.app.screen("question")
    keypad = question_keypad(driver)
    for digit in digits:
        driver.tap(keypad.key_widget(digit))
    driver.tap(screen.ids.next)


def _part(value: date | time | str, column: str) -> int:
    """One column of a picked value as a number (a month answer is "YYYY-MM")."""
    if isinstance(value, str):
        year, month = value.split("-")
        return int(year) if column == picking.YEAR else int(month)
    return int(getattr(value, column))


def _wheel(value: date | time | str, column: str) -> int:
    """How many values the column turns through (0: years, which do not turn round)."""
    if column == picking.DAY and isinstance(value, date):
        return calendar.monthrange(value.year, value.month)[1]
    return {picking.MONTH: 12, picking.HOUR: 24, picking.MINUTE: 60}.get(column, 0)


def pick(driver: Driver, value: date | time | str, *, then_next: bool = True) -> None:
    """Choose ``value`` on the question screen's picker by touching its + and - buttons
    (years and months before days: a month step may shorten the day), the shorter way
    round, then touch Next (unless not ``then_next``). No frame is drawn between
    touches (a full redraw per touch is slow on a software renderer); each touch changes
    the picker at once."""
    screen = driver.app.screen("question")
    picker = screen.picker
    assert picker is not None, "this question has no picker"
    columns = ((picking.HOUR, picking.MINUTE) if isinstance(value, time)
               else (picking.YEAR, picking.MONTH, picking.DAY))
    for column in columns:
        if (column, 1) not in picker.buttons:
            continue  # a month picker has no day
        for _ in range(200):
            here, there = _part(picker.value, column), _part(value, column)
            if here == there:
                break
            size = _wheel(picker.value, column)
            ahead = (there - here) % size if size else there - here
            delta = 1 if (ahead > 0 and (not size or ahead <= size / 2)) else -1
            button = picker.buttons[(column, delta)]
            if button.disabled:  # that way leaves the question's range: the other way
                button = picker.buttons[(column, -delta)]
            press(button)
    driver.pump(2)
    assert picker.value == value, f"the picker shows {picker.value!r}, not {value!r}"
    if then_next:
        driver.tap(screen.ids.next)


def press(widget: Widget) -> None:
    """A finger on a key and off again. Unlike Driver.tap no frame is drawn between keys
    (a key press changes the field at once; drawing costs ~0.1 s a frame offscreen), so
    a whole text can be typed key by key in a test's time."""
    if widget.disabled:
        raise AssertionError(f"pressing a disabled key: {widget!r}")
    x, y = widget.to_window(*widget.center)
    touch = SimulatedTouch(x, y)
    touch.touch_down()
    touch.touch_up()


def answer_by_typing(driver: Driver, text: str) -> None:
    """Type on the question screen's keyboard, key by key, and touch Next."""
    screen = driver.app.screen("question")
    keyboard = screen.keyboard
    assert keyboard is not None, "this question has no keyboard"
    for char in text:
        for key in keyboard.keys_for(char):
            driver.tap(key)
    driver.tap(screen.ids.next)


def answer_choice(driver: Driver, code: object) -> None:
    """Touch an option (or Yes/No) on the question screen, once the question offering
    it shows (the last answer's Next may still be on its way)."""
    screen = driver.app.screen("question")
    driver.wait_for_screen("question")
    driver.wait_until(lambda: code in screen.choices and not driver.app.worker_busy,
                      what=f"the choice {code!r} offered")
    driver.tap(screen.choices[code])


def type_account(driver: Driver, digits: str) -> None:
    """Type on the account screen's keypad, one touch per digit."""
    keypad = driver.find("account", "keypad")
    for digit in digits:
        driver.tap(keypad.key_widget(digit))


def choose_card_if_offered(driver: Driver) -> None:
    """Where a QR payment app is set up too, the kiosk asks how to pay: the card."""
    flow = flow_of(driver, BillPaymentFlow)
    if not flow.offers_choice:
        return
    driver.wait_for_screen("method")
    driver.wait_until(lambda: flow.step is Step.CHOOSE_METHOD, 20, "the ways to pay")
    driver.tap(driver.app.screen("method").tiles["card"])


def pay_water_bill(driver: Driver, out_dir: Path, lang: str, *, biller_id: str = "sh-water",
                   account_no: str = "3100012345") -> WalkthroughResult:
    shots: list[Path] = []

    def shot(name: str) -> None:
        path = driver.screenshot(out_dir / f"{len(shots) + 1:02d}-{name}.png")
        shots.append(path)
        log.info("screen %s -> %s", name, path)

    start_bill_payment(driver, lang, biller_id, shot)
    type_account(driver, account_no)
    shot("account")
    driver.tap(driver.find("account", "submit"))

    driver.wait_for_screen("review")
    shot("review")
    driver.tap(driver.find("review", "pay"))
    choose_card_if_offered(driver)

    flow = current_flow(driver)

    def prompted() -> bool:
        payment = flow.card_payment()
        return not flow.busy or (payment is not None and payment.prompt is not None)

    driver.wait_until(prompted, 20, "the card terminal's first prompt")
    if flow.view is View.PAYING:
        driver.wait_for_screen("paying")
        shot("card")
    driver.wait_until(lambda: flow.view in (View.PAID, View.FAILED) and not flow.busy, 60,
                      "the payment to finish")
    paid = flow.view is View.PAID
    driver.wait_for_screen("done" if paid else "failed")
    driver.settle(0.3)
    shot("receipt" if paid else "failed")
    if not paid or not flow.reference:
        raise AssertionError(f"the payment did not succeed: {flow.error}")
    return WalkthroughResult(reference=flow.reference,
                             receipt_printed=bool(flow.receipt_printed), screenshots=shots)
