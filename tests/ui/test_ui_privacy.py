"""The idle wipe, proven for every service that collects personal data (issue 6, item 5):
a user walks a flow until her data is on screen, then walks away. When the countdown
ends, no widget of any screen (or any window child) holds any of her data in any
string property, the session's objects are gone (weak references die), the document
reader holds nothing of hers, and nothing personal was logged on the way."""

from __future__ import annotations

import gc
import logging
import time
import weakref
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from kivy.core.window import Window
from kivy.uix.widget import Widget

from hardware.reader.adapter import SerialDocumentReader
from kiosk.devtools.loopback import System
from kiosk.domain.clock import format_day
from kiosk.domain.languages import LANGUAGES
from kiosk.services.stay import StayFlow
from kiosk.services.tax_record import TaxStep
from kiosk.ui.driver import Driver
from kiosk.ui.walkthrough import ReaderPresenter, answer_on_keypad, pick, start_service
from kiosk.ui.walkthrough_arbitration import (
    about_you,
    answer_all,
    identify,
    type_here,
    wait_for_question,
)
from kiosk.ui.walkthrough_stay import CHANGNING_ROOM, erika_answers, to_summary

pytestmark = pytest.mark.ui

# ERIKA MUSTERMANN's passport (reader specimen "td3-valid"): number, names, birth date.
# The birth date as ISO and as every language's screens write it.
PASSPORT = ("C01X00T47", "MUSTERMANN", "ERIKA", "1964-08-12",
            *{format_day(date(1964, 8, 12), lang) for lang in LANGUAGES})
# The room chosen in the stay walk: Lane 88, Xianxia Road (its tiles and trail).
STREET = ("88弄", "Lane 88")
AGENT = ("LI MING", "13711112222")  # someone acting for her (arbitration)
ADDRESS = "Lane 88 Xianxia Road, Room 1201"  # typed in the arbitration flow



# --- a generic walk over every string a widget holds ----------------------------------


def _strings(where: str, value: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    """Strings in a property value: str itself, and inside lists, tuples, sets and dicts
    (never into other objects: a widget's parent or the App would take the whole tree)."""
    if isinstance(value, str):
        if value:
            yield where, value
    elif depth < 4 and isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _strings(where, item, depth + 1)
    elif depth < 4 and isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(where, key, depth + 1)
            yield from _strings(f"{where}[{key!r}]", item, depth + 1)


def widget_strings(widget: Widget) -> Iterator[tuple[str, str]]:
    """Every string of a widget: its Kivy properties (text, hint_text, values, title...),
    its plain attributes (a button's option code, a TextInput's lines and undo history)
    and the text its core label last rendered."""
    name = type(widget).__name__
    for prop in widget.properties():
        if prop in DEPRECATED:
            continue
        try:
            value = getattr(widget, prop)
        except Exception:  # noqa: BLE001 - a property that cannot be read holds nothing
            continue
        yield from _strings(f"{name}.{prop}", value)
    for attribute, value in vars(widget).items():
        yield from _strings(f"{name}.{attribute}", value)
    core = getattr(widget, "_label", None)
    if core is not None:
        yield from _strings(f"{name}._label.text", getattr(core, "text", ""))


def all_widgets(driver: Driver) -> Iterator[Widget]:
    """Every widget of every screen, every window child (dialogs, keyboards), and the
    widgets a screen keeps aside out of the tree (its keyboards, its entry fields)."""
    roots: list[Widget] = [*driver.app.root.screens, *Window.children]
    for screen in driver.app.root.screens:
        for value in vars(screen).values():
            kept = value.values() if isinstance(value, dict) else [value]
            roots.extend(w for w in kept if isinstance(w, Widget))
    seen: set[int] = set()
    for root in roots:
        for widget in root.walk(restrict=True):
            if id(widget) not in seen:
                seen.add(id(widget))
                yield widget


def personal_data_left(driver: Driver, data: tuple[str, ...]) -> list[str]:
    wanted = [d.lower() for d in data]
    found = []
    for widget in all_widgets(driver):
        for where, text in widget_strings(widget):
            low = text.lower()
            found += [f"{where} holds {d!r}: {text[:60]!r}" for d in wanted if d in low]
    return found


# --- the walks --------------------------------------------------------------------------


DEPRECATED = {"padding_x", "padding_y"}  # reading them only logs a warning

Walk = Callable[[Driver, System], tuple[str, ...]]


def walk_stay(driver: Driver, system: System) -> tuple[str, ...]:
    """Passport read, every question answered, the room chosen: the summary shows."""
    answers = erika_answers(driver.app.services.bill_payment.clock.now())
    to_summary(driver, ReaderPresenter(system.reader), "en", answers, CHANGNING_ROOM, typed=())
    summary = " ".join(row.value for row in driver.app.screen("summary").ids.rows.children)
    assert "MUSTERMANN" in summary and answers["phone"] in summary
    return (*PASSPORT, *STREET, answers["phone"], answers["host_name"],
            answers["host_id_number"], answers["host_phone"], answers["entry_status_number"])


def walk_arbitration(driver: Driver, system: System) -> tuple[str, ...]:
    """Passport read and confirmed, her details and an agent's typed; the agent's phone
    is typed and on screen when she walks away."""
    identify(driver, ReaderPresenter(system.reader), "en")
    answers = about_you(agent=AGENT)[:-2]  # all but the agent's phone and letter
    answer_all(driver, answers)
    wait_for_question(driver, "agent_phone")
    type_here(driver, AGENT[1])
    entry = driver.app.screen("question").entry
    assert entry is not None and entry.value == AGENT[1]
    return (*PASSPORT, *AGENT, ADDRESS, "13800138000", "WP3100012345")


def walk_tax(driver: Driver, system: System) -> tuple[str, ...]:
    """Passport read, SMS code typed, the record fetched: its summary shows."""
    start_service(driver, "en", "tax_record")
    driver.wait_for_screen("document")
    system.reader.present("td3-valid")
    driver.wait_for_screen("identity", timeout=20)
    driver.tap(driver.app.screen("identity").ids.confirm)
    driver.wait_for_screen("question", timeout=20)
    flow = driver.app.flow
    answer_on_keypad(driver, system.demo_sms_code(flow.identity.otp_session))
    driver.wait_until(lambda: flow.step is TaxStep.PERIOD, 20, "the period question")
    driver.wait_for_screen("question")
    year = flow.clock.now().year - 1
    pick(driver, f"{year}-01")
    pick(driver, f"{year}-12")
    driver.wait_for_screen("summary", timeout=20)
    assert flow.record is not None
    return (*PASSPORT, flow.record.taxpayer_id)


WALKS: dict[str, Walk] = {"accommodation": walk_stay, "arbitration": walk_arbitration,
                          "tax_record": walk_tax}
WALK_SECONDS = {"accommodation": 25, "arbitration": 13, "tax_record": 20}


class Records(logging.Handler):
    """Every log record of the process while the walk runs, formatted."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture
def log_records() -> Iterator[Records]:
    root = logging.getLogger()
    handler, level = Records(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def session_objects(driver: Driver) -> dict[str, weakref.ref[Any]]:
    """Weak references to the session and everything of hers the flow holds."""
    app = driver.app
    flow = app.flow
    held: dict[str, Any] = {"session": app.session, "flow": flow, "person": flow.person,
                            "form": flow.form}
    for name in ("identity", "record", "answers", "picker", "company", "application"):
        if getattr(flow, name, None) is not None:
            held[name] = getattr(flow, name)
    if isinstance(flow, StayFlow) and flow._reader is not None:
        held["document read"] = flow._reader.last
    missing = [name for name, value in held.items() if value is None]
    assert not missing, f"the walk did not get far enough: no {missing}"
    return {name: weakref.ref(value) for name, value in held.items()}


def idle_out(driver: Driver) -> None:
    app = driver.app
    settings = app.settings
    limit = app.idle_timeout_s  # longer on a screen that sends the person to find a paper
    app.last_touch = time.monotonic() - limit - 0.5
    driver.wait_until(lambda: app._idle_dialog is not None, 5, "the idle question")
    app.last_touch = time.monotonic() - limit - settings.idle_countdown_s - 0.5
    driver.wait_for_screen("attract", timeout=10)
    driver.settle(0.3)


def holders(obj: object) -> list[str]:
    """Who still refers to ``obj`` (for the failure message)."""
    return [type(r).__name__ + (f" {sorted(r)[:8]}" if isinstance(r, dict) else "")
            for r in gc.get_referrers(obj) if not isinstance(r, (list, weakref.ref))][:6]


@pytest.mark.parametrize("service", [  # seconds each takes on an idle 2-core machine
    pytest.param(service, marks=pytest.mark.long(WALK_SECONDS[service])) for service in WALKS])
def test_idle_wipe_leaves_nothing_personal(driver: Driver, system: System, service: str,
                                           log_records: Records) -> None:
    """GIVEN a user whose passport was read and whose details are on screen (the stay
    summary; the arbitration agent's phone being typed; the tax record), who then
    places her passport on the reader once more
    WHEN she walks away and the idle countdown ends
    THEN no widget of any screen or window child holds her passport number, names,
    birth date, phones, address or ID numbers in any string property; the session, the
    flow, the person read and the answers are garbage (their weak references are dead);
    the reader simulator sent everything and the kiosk's reader holds no document; and
    no log record of the walk carries any of her data."""
    system.restart_central(fresh_data=True)  # no earlier case or stay of hers at central
    data = WALKS[service](driver, system)
    assert personal_data_left(driver, data), "the walk never showed her data"
    refs = session_objects(driver)
    system.reader.present("td3-valid")  # pressed down again: nobody reads it now
    reader = driver.app.services.tax.reader if driver.app.services.tax else None
    assert isinstance(reader, SerialDocumentReader)  # the kiosk's adapter, on a pty
    driver.wait_until(lambda: not system.reader._outbox, 5, "the simulator to send it")
    reader.status()  # pumps the line: the adapter queues the document, unread
    assert reader._items and reader._debouncer._last_digest is not None

    idle_out(driver)

    assert driver.app.flow is None and driver.app.session is None
    left = personal_data_left(driver, data)
    assert not left, "\n".join(left[:20])
    gc.collect()
    alive = {name: holders(ref()) for name, ref in refs.items() if ref() is not None}
    assert not alive, f"still held after the wipe: {alive}"
    assert not system.reader._outbox
    assert not reader._items, "the kiosk's reader still holds an unread document"
    assert reader._debouncer._last_digest is None
    logged = [line for line in log_records.lines
              if any(d.lower() in line.lower() for d in data)]
    assert not logged, "\n".join(logged[:10])
