"""The scripted accommodation registration (demo --scenario stay, the screenshot script,
the UI tests): ERIKA MUSTERMANN's passport on the reader, her answers typed and touched
on the real screens, a rented room in Changning chosen level by level, submitted and
printed, with a PNG of every screen.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path

from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.services.contract import View
from kiosk.services.forms import KEYPAD_KINDS, Kind
from kiosk.ui.driver import Driver
from kiosk.ui.pickers import PICKED_KINDS
from kiosk.ui.picking import start_time
from kiosk.ui.walkthrough import (
    DocumentPresenter,
    answer_by_typing,
    answer_on_keypad,
    confirm_summary,
    current_flow,
    pick,
    start_service,
)

SKIP = None  # an optional question left unanswered
CHANGNING_ROOM = ("310105", "310105-xianxia", "310105-xianxia-l88", "310105-xianxia-l88-b3",
                  "310105-xianxia-l88-b3-1201")
Shot = Callable[[str], None]


def erika_answers(now: datetime, **changes: object) -> dict[str, object]:
    """Answers for ERIKA MUSTERMANN, arrived an hour ago in a rented room, by question
    key: dates, times, codes and choice codes as the flow takes them; SKIP to skip."""
    arrived = now - timedelta(hours=1)
    answers: dict[str, object] = {
        "chinese_name": SKIP, "entry_status_type": "Z", "entry_status_number": "Z12345678",
        "entry_status_valid_until": now.date() + timedelta(days=300),
        "number_of_entries": SKIP, "date_of_entry": arrived.date() - timedelta(days=2),
        "port_of_entry": "PVG", "sex": "F",
        "arrival_date": arrived.date(), "arrival_time": start_time(arrived.time()),
        "planned_departure": now.date() + timedelta(days=60), "accommodation_type": "rented",
        "host_name": "Wang Jianguo", "host_id_type": "resident_id",
        "host_id_number": "11010519491231002X", "host_phone": "13800138000",
        "purpose": "employment", "phone": "13912345678", "lease_contract": True,
    }
    answers.update(changes)
    return answers


def _scrolled_into_view(driver: Driver, widget: Widget) -> Widget:
    """Long lists (19 visas) scroll: bring the widget into view before touching it."""
    view = widget.parent
    while view is not None and not isinstance(view, ScrollView):
        view = None if view.parent is view else view.parent  # the Window is its own parent
    if view is None:
        return widget
    bottom = view.to_window(view.x, view.y)[1]
    low, high = widget.to_window(widget.x, widget.y)[1], widget.to_window(widget.x, widget.top)[1]
    if low < bottom or high > bottom + view.height:
        view.scroll_to(widget, padding=20, animate=False)
        driver.pump(3)
    return widget


def _touch_and_wait(driver: Driver, widget: Widget, done: Callable[[], bool], what: str) -> None:
    """Touch, then wait until the flow took it: a touch inside a ScrollView reaches the
    button a few frames later (the ScrollView first waits to see whether it scrolls)."""
    driver.tap(_scrolled_into_view(driver, widget))
    driver.wait_until(done, 20, what)


def answer_question(driver: Driver, value: object, *, by_touch: bool = True) -> None:
    """Answer the question on screen (SKIP touches Skip) and wait until the flow took the
    answer (moved on, or refused it). ``by_touch`` types every key on the keypad or the
    keyboard; otherwise the field is filled at once and Next is touched (a full-screen
    redraw per key is slow on a software renderer)."""
    # The ScreenManager drops touches while a screen fades in: after a touch that led
    # here (the identity's Confirm) the first tap could be lost on a loaded machine.
    driver.wait_for_screen("question")
    screen = driver.app.screen("question")
    flow = current_flow(driver)
    form = flow.form
    assert form is not None and not form.done, "no question on screen"
    key, kind = form.current.key, form.current.kind

    def taken() -> bool:
        return (flow.form is not form or flow.busy or flow.view is not View.QUESTION
                or form.done or form.current.key != key or form.error is not None)

    if value is SKIP:
        _touch_and_wait(driver, screen.ids.skip, taken, f"skipping {key}")
        return
    if kind in (Kind.CHOICE, Kind.YESNO):
        _touch_and_wait(driver, screen.choices[value], taken, f"the answer to {key}")
        return
    if kind in PICKED_KINDS:  # touched either way: no frame is drawn between touches
        assert isinstance(value, (date, time, str))
        pick(driver, value)
        driver.wait_until(taken, 20, f"the answer to {key}")
        return
    text = str(value)
    if by_touch and kind in KEYPAD_KINDS:
        answer_on_keypad(driver, text)
    elif by_touch:
        answer_by_typing(driver, text)
    else:
        if screen.entry is not None:
            screen.entry.raw = screen.entry.value = text
        else:
            screen.text.text = text
        driver.tap(screen.ids.next)
    driver.wait_until(taken, 20, f"the answer to {key}")


def answer_questions(driver: Driver, answers: Mapping[str, object], shot: Shot | None = None,
                     typed: Collection[str] | None = None) -> list[str]:
    """Answer questions while the flow asks them; the keys asked, in order. The answers
    to ``typed`` (all when None) are typed key by key."""
    flow = current_flow(driver)
    asked: list[str] = []
    while flow.view is View.QUESTION and not flow.busy and flow.form is not None \
            and not flow.form.done:
        key = flow.form.current.key
        if flow.form.error is not None:
            raise AssertionError(f"the answer to {key!r} was refused: {flow.form.error}")
        driver.wait_for_screen("question")
        if shot is not None:
            shot(f"question-{key}")
        asked.append(key)
        answer_question(driver, answers[key], by_touch=typed is None or key in typed)
    return asked


def choose_address(driver: Driver, node_ids: tuple[str, ...], shot: Shot | None = None) -> None:
    """Touch one tile per level of the address book."""
    flow = current_flow(driver)
    for level, node_id in enumerate(node_ids, start=1):
        driver.wait_until(lambda: flow.view is View.CHOOSE and not flow.busy, 20,
                          "the address list")
        driver.wait_for_screen("choose")
        if shot is not None:
            shot(f"address-{level}")
        listed = flow.choice_list()
        # The condition is waited on in this pass, while `listed` is this pass's list.
        _touch_and_wait(driver, tile_for(driver, node_id),
                        lambda: flow.choice_list() != listed or flow.busy  # noqa: B023
                        or flow.error is not None, f"choosing {node_id}")
        if flow.error is not None:
            raise AssertionError(f"{node_id} was refused: {flow.error.code}")
    driver.wait_until(lambda: not flow.busy, 20, "the address to be checked")


def tile_for(driver: Driver, node_id: str) -> Widget:
    tiles = driver.app.screen("choose").ids.tiles.children
    return next(tile for tile in tiles if tile.key == node_id)


def read_passport(driver: Driver, user: DocumentPresenter, lang: str, specimen: str = "td3-valid",
                  shot: Shot | None = None) -> None:
    """From the attract screen to "Is this you?" with the specimen on the reader."""
    start_service(driver, lang, "accommodation", shot)
    driver.wait_for_screen("document")
    if shot is not None:
        shot("document")
    user.present_document(specimen)
    driver.wait_for_screen("identity", timeout=20)


def to_summary(driver: Driver, user: DocumentPresenter, lang: str, answers: Mapping[str, object],
               room: tuple[str, ...] = CHANGNING_ROOM, shot: Shot | None = None,
               typed: Collection[str] | None = None) -> None:
    """Read the passport, confirm it, answer everything and choose the room: the summary
    screen shows."""
    app = driver.app
    read_passport(driver, user, lang, shot=shot)
    if shot is not None:
        shot("identity")
    driver.tap(app.screen("identity").ids.confirm)
    answer_questions(driver, answers, shot, typed)
    choose_address(driver, room, shot)
    answer_questions(driver, answers, shot, typed)
    driver.wait_for_screen("summary", timeout=20)


def walk(driver: Driver, user: DocumentPresenter, out_dir: Path, lang: str, *,
         typed: Collection[str] | None = None) -> list[Path]:
    """The whole registration by touch, a screenshot of every screen; the paths. Every
    answer is typed key by key unless ``typed`` names the few that are."""
    shots: list[Path] = []

    def shot(name: str) -> None:
        shots.append(driver.screenshot(out_dir / f"{len(shots) + 1:02d}-{name}.png"))

    app = driver.app
    to_summary(driver, user, lang, erika_answers(app.services.bill_payment.clock.now()),
               shot=shot, typed=typed)
    shot("summary")
    confirm_summary(driver)
    flow = current_flow(driver)
    driver.wait_until(lambda: flow.view in (View.DONE, View.FAILED), 30, "the slip")
    driver.wait_for_screen("slip" if flow.view is View.DONE else "failed")
    driver.settle(0.3)
    shot("printed" if flow.view is View.DONE else "failed")
    return shots
