"""Technician mode on the real UI (offscreen, the shared App over the loopback system):
the hidden gesture, the PIN and its lockout, device faults, test print, reprint, the
out-of-service screen, and the idle timeout back to attract."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kivy.core.window import Window

from hardware.base import PrintOutcome
from hardware.document import Document
from hardware.sim.printer import Fault
from kiosk.devtools.loopback import System
from kiosk.services.technician import OutOfService, PinGate, hash_pin
from kiosk.ui.app import TECHNICIAN_CORNER
from kiosk.ui.driver import Driver
from kiosk.ui.fonts import font_name
from kiosk.ui.walkthrough import switch_language

pytestmark = pytest.mark.ui

PIN = "2468"
TECHNICIAN_SCREENS = ("technician_pin", "technician", "technician_reprint")


@pytest.fixture
def technician(driver: Driver, system: System) -> Iterator[Driver]:
    """The shared App with a known PIN (cheap hash), a fresh lockout count and the kiosk
    in service; afterwards the configured gate comes back and the kiosk is in service."""
    tech = driver.app.technician
    assert tech is not None
    configured = tech.gate
    tech.gate = PinGate(hash_pin(PIN, iterations=1000), max_tries=5, lockout_s=300)
    tech.gesture.reset()
    tech.out_of_service.set(False)
    try:
        yield driver
    finally:
        driver.wait_until(lambda: not any(getattr(driver.app.screen(name), "busy", False)
                                          for name in TECHNICIAN_SCREENS),
                          20, "the technician screens' workers")
        tech.gate = configured
        tech.out_of_service.set(False)
        tech.gesture.reset()
        driver.app.end_session()
        driver.wait_for_screen("attract")


def hidden_gesture(driver: Driver, taps: int = 5) -> None:
    corner = driver.app.u * TECHNICIAN_CORNER / 2
    driver.tap_quickly(corner, Window.height - corner, taps)


def type_pin(driver: Driver, pin: str) -> None:
    screen = driver.app.screen("technician_pin")
    for digit in pin:
        driver.tap(screen.ids.keypad.key_widget(digit))
    driver.tap(screen.ids.unlock)
    driver.wait_until(lambda: not screen.busy, 10, "the PIN check")  # type: ignore[attr-defined]
    driver.pump(2)


def open_technician(driver: Driver) -> None:
    hidden_gesture(driver)
    driver.wait_for_screen("technician_pin")
    type_pin(driver, PIN)
    driver.wait_for_screen("technician")
    wait_for_report(driver)


def wait_for_report(driver: Driver) -> None:
    screen = driver.app.screen("technician")
    driver.wait_until(lambda: not screen.busy and screen.report is not None,  # type: ignore[attr-defined]
                      20, "the technician report")
    driver.pump(2)


def test_the_hidden_gesture_opens_the_pin_screen_and_a_corner_tap_starts_nothing(
        technician: Driver) -> None:
    """GIVEN the attract screen
    WHEN the top-left corner is tapped 4 times THEN nothing starts (no language screen);
    the 5th tap within 3 s opens the masked PIN keypad."""
    hidden_gesture(technician, 4)
    technician.settle(0.2)
    assert technician.app.root.current == "attract"
    hidden_gesture(technician, 1)
    technician.wait_for_screen("technician_pin")
    screen = technician.app.screen("technician_pin")
    for digit in "13":
        technician.tap(screen.ids.keypad.key_widget(digit))
    assert screen.ids.entry.value == "••"


@pytest.mark.long(11)
def test_five_wrong_pins_lock_technician_mode_across_a_return_to_attract(
        technician: Driver) -> None:
    """GIVEN the PIN screen
    WHEN 4 wrong PINs are typed THEN each says how many tries are left; the 5th locks,
    and after going back to attract and opening it again the right PIN is refused."""
    hidden_gesture(technician)
    technician.wait_for_screen("technician_pin")
    screen = technician.app.screen("technician_pin")
    for left in (4, 3, 2, 1):
        type_pin(technician, "1111")
        assert f"Tries left before a lockout: {left}." in screen.ids.notice.text
    type_pin(technician, "1111")
    assert "locked for 5 min 0 s" in screen.ids.notice.text
    assert screen.ids.unlock.disabled and screen.ids.keypad.disabled

    technician.tap(screen.ids.back)
    technician.wait_for_screen("attract")
    hidden_gesture(technician)
    technician.wait_for_screen("technician_pin")
    assert "locked for" in screen.ids.notice.text and screen.ids.unlock.disabled
    assert not technician.app.technician.gate.check(PIN).ok  # type: ignore[union-attr]


def test_without_a_configured_pin_technician_mode_cannot_be_opened(technician: Driver) -> None:
    """GIVEN no PIN in config WHEN the gesture is made THEN the PIN screen says so and
    its keypad and Unlock are disabled."""
    technician.app.technician.gate = PinGate("")  # type: ignore[union-attr]
    hidden_gesture(technician)
    technician.wait_for_screen("technician_pin")
    screen = technician.app.screen("technician_pin")
    assert "No technician PIN is set" in screen.ids.notice.text
    assert screen.ids.unlock.disabled and screen.ids.keypad.disabled


def test_the_right_pin_shows_devices_with_a_paper_fault_and_versions(
        technician: Driver, system: System) -> None:
    """GIVEN the printer out of paper
    WHEN the technician opens technician mode with the right PIN
    THEN the printer shows FAULT with the reason, the payment terminal OK, and the
    outbox depth and config version are shown."""
    system.printer.set_fault(Fault.PAPER_OUT)
    open_technician(technician)
    screen = technician.app.screen("technician")
    rows = {child.text.split(":")[0]: child for child in screen.ids.devices.children}
    printer = rows["Receipt printer"]
    assert "FAULT" in printer.text and "paper" in printer.text and printer.kind == "error"
    assert "OK" in rows["Payment terminal"].text
    report = screen.report  # type: ignore[attr-defined]
    assert f"Outbox: {report.outbox_depth}," in screen.ids.summary.text
    assert report.config_version in screen.ids.summary.text
    assert "PROBLEM: printer" in screen.ids.errors.text


def screen_texts(screen: object) -> list[str]:
    """Every text the technician screen shows: summary, device rows, result, errors."""
    ids = screen.ids  # type: ignore[attr-defined]
    return [ids.summary.text, ids.result.text, ids.errors.text,
            *(child.text for child in ids.devices.children)]


def test_device_faults_say_what_to_do_and_never_the_os_error_text(
        technician: Driver, system: System) -> None:
    """GIVEN the printer out of paper and the document reader unplugged (opening its
    port, the OS says "[Errno 2] No such file or directory")
    WHEN the technician opens technician mode, then switches it to German
    THEN the printer's row says FAULT (paper_out), "Out of paper" and what to do (load a
    new roll, close the cover), the reader's row "Not connected" and to check its USB
    cable; in German both say the same in German; and no text on the screen holds the
    OS's own words for the error."""
    system.printer.set_fault(Fault.PAPER_OUT)
    system.reader.set_fault("unplugged")
    try:
        open_technician(technician)
        screen = technician.app.screen("technician")
        rows = {child.text.split(":")[0]: child.text for child in screen.ids.devices.children}
        assert rows["Receipt printer"].splitlines() == [
            "Receipt printer: FAULT  (paper_out)", "Out of paper",
            "What to do: Load a new paper roll (80 mm) and close the cover."]
        assert rows["Document reader"].splitlines() == [
            "Document reader: UNKNOWN  (disconnected)", "Not connected",
            "What to do: Check the document reader's USB cable and plug it in again."]
        switch_language(technician, "de")
        rows = {child.text.split(":")[0]: child.text for child in screen.ids.devices.children}
        assert rows["Belegdrucker"].splitlines()[1:] == [
            "Kein Papier",
            "Was tun: Legen Sie eine neue Papierrolle (80 mm) ein und schließen Sie den Deckel."]
        assert "Was tun: Prüfen Sie das USB-Kabel des Dokumentenlesers" in rows["Dokumentenleser"]
        shown = "\n".join(screen_texts(screen))
        assert "reader: disconnected" in shown  # the warnings are listed ...
        for raw in ("Errno", "No such file", "could not open port", "SerialException"):
            assert raw not in shown, raw  # ... in plain words
    finally:
        system.reader.clear_faults()


def test_technician_mode_speaks_the_language_chosen_in_its_header(
        technician: Driver) -> None:
    """GIVEN technician mode open (in English, the kiosk's default)
    WHEN Korean is chosen with the header's language button
    THEN the title, buttons, device rows and summary are in Korean in Korean's font;
    the PIN screen is too after Russian is chosen there; the session end resets it."""
    open_technician(technician)
    app = technician.app
    screen = app.screen("technician")
    assert screen.ids.test_print.text == "Test print"
    switch_language(technician, "ko")
    assert screen.ids.header.title == "기술자 모드"
    assert screen.ids.test_print.text == "테스트 인쇄"
    assert any(row.text.startswith("영수증 프린터: ") for row in screen.ids.devices.children)
    assert "설정 버전: " in screen.ids.summary.text
    assert screen.ids.devices_title.font_name == font_name("ko")

    technician.tap(screen.ids.exit)
    technician.wait_for_screen("attract")
    assert app.lang == "en"
    hidden_gesture(technician)
    technician.wait_for_screen("technician_pin")
    switch_language(technician, "ru")
    pin = app.screen("technician_pin")
    assert pin.ids.prompt.text == "Введите PIN техника"
    type_pin(technician, "1111")
    assert "Осталось попыток до блокировки: 4." in pin.ids.notice.text


def test_test_print_reaches_the_printer_and_shows_the_outcome(
        technician: Driver, system: System) -> None:
    """GIVEN technician mode WHEN Test print is tapped THEN a test slip reaches the
    printer simulator and the screen says it printed."""
    open_technician(technician)
    screen = technician.app.screen("technician")
    before = len(system.printer.jobs)
    technician.tap(screen.ids.test_print)
    job = system.printer.wait_for_jobs(before + 1, timeout=10)[-1]
    technician.wait_until(lambda: "printed" in screen.ids.result.text, 10, "the outcome")
    assert job.complete and screen.ids.result.kind == "success"


@pytest.mark.long(23)
def test_reprint_of_a_paid_reference(technician: Driver, system: System,
                                     tmp_path: Path) -> None:
    """GIVEN a water bill paid at the kiosk
    WHEN the technician types its reference on the reprint keyboard and taps Reprint
    THEN the receipt is printed again, marked as a reprint; an unknown reference says
    E_NOT_FOUND, another slip's reference E_NOT_REPRINTABLE (no slip is kept to reprint)."""
    from kiosk.ui.walkthrough import pay_water_bill

    system.restart_central(fresh_data=True)  # a water bill due, whatever ran before
    paid = pay_water_bill(technician, tmp_path, "en")
    technician.app.end_session()
    technician.wait_for_screen("attract")
    open_technician(technician)
    technician.tap(technician.find("technician", "reprint"))
    technician.wait_for_screen("technician_reprint")
    screen = technician.app.screen("technician_reprint")
    keyboard = screen.ids.keyboard
    for char in paid.reference:
        technician.tap(keyboard.key_for(char))
    assert screen.ids.reference.text == paid.reference
    before = len(system.printer.jobs)
    technician.tap(screen.ids.reprint)
    job = system.printer.wait_for_jobs(before + 1, timeout=10)[-1]
    technician.wait_until(lambda: "printed" in screen.ids.notice.text, 10, "the outcome")
    assert paid.reference in job.text

    screen.ids.reference.text = "NO-SUCH-1"
    technician.tap(screen.ids.reprint)
    technician.wait_until(lambda: "E_NOT_FOUND" in screen.ids.notice.text, 10, "the refusal")

    # Another slip (a stay registration's): the kiosk kept nothing of it to print again.
    # Its reference is of a day long gone: payments and submissions share one counter a
    # day, so today's "-000009" may be a payment the tests before this one made.
    store = system.runtime.store
    stay = store.print_jobs.create("SH-CN-TEST-01-200101-000009", Document(blocks=()),
                                   system.runtime.clock.now())
    assert store.payments.get(stay.reference) is None
    store.print_jobs.finish(stay.job_id, PrintOutcome.UNCERTAIN, "timeout")
    screen.ids.reference.text = stay.reference
    technician.tap(screen.ids.reprint)
    technician.wait_until(lambda: "E_NOT_REPRINTABLE" in screen.ids.notice.text, 10,
                          "the refusal of another slip")
    assert len(system.printer.jobs) == before + 1


def test_out_of_service_replaces_attract_until_switched_back(
        technician: Driver, system: System) -> None:
    """GIVEN technician mode
    WHEN out of service is switched on and the technician exits
    THEN the translated out-of-service screen shows instead of attract, is kept in the
    data folder and reported in the heartbeat, and a customer's tap starts nothing;
    WHEN the technician switches it off again THEN Exit goes back to attract."""
    open_technician(technician)
    screen = technician.app.screen("technician")
    technician.tap(screen.ids.out_of_service)
    assert OutOfService(Path(system.config.kiosk.data_dir)).active
    technician.tap(screen.ids.exit)
    technician.wait_for_screen("out_of_service")
    texts = [w.text for w in technician.app.screen("out_of_service").ids.messages.children]
    assert (f"This kiosk is out of service. Please use another kiosk or call "
            f"{system.config.kiosk.hotline}.") in texts
    assert any("本机暂停服务" in text for text in texts) and len(texts) == 8
    heartbeat = system.runtime.heartbeat
    assert heartbeat is not None
    assert heartbeat.sources.out_of_service_since() is not None

    technician.tap_at(Window.width / 2, Window.height / 2)
    technician.settle(0.3)
    assert technician.app.root.current == "out_of_service" and technician.app.session is None
    technician.app.start_session("en")  # even a programmatic start is refused
    technician.settle(0.2)
    assert technician.app.root.current == "out_of_service" and technician.app.session is None

    open_technician(technician)
    technician.tap(screen.ids.out_of_service)
    assert not OutOfService(Path(system.config.kiosk.data_dir)).active
    assert heartbeat.sources.out_of_service_since() is None
    technician.tap(screen.ids.exit)
    technician.wait_for_screen("attract")


def test_technician_mode_idles_out_back_to_attract(technician: Driver) -> None:
    """GIVEN technician mode open WHEN nobody touches it for the idle time and the
    countdown THEN the attract screen comes back."""
    open_technician(technician)
    technician.app.last_touch = time.monotonic() - 10_000
    technician.wait_for_screen("attract", timeout=15)


@pytest.fixture
def refused_registration(system: System) -> Iterator[str]:
    """A registration central refuses (its payload lacks every field), delivered by the
    running forwarder and parked; removed from the store afterwards."""
    from sqlalchemy import text

    runtime = system.runtime
    before = runtime.store.outbox.parked_count()
    submission = runtime.store.submissions.submit(
        "stay_registration", runtime.config.kiosk.id, "en", {}, runtime.clock.now())
    runtime.forwarder.wake()
    deadline = time.monotonic() + 20
    while runtime.store.outbox.parked_count() == before:
        assert time.monotonic() < deadline, "central's refusal was not parked"
        time.sleep(0.05)
    try:
        yield submission.provisional_ref
    finally:
        with runtime.store.engine.begin() as connection:
            for table in ("outbox", "submissions"):
                connection.execute(text(f"DELETE FROM {table} WHERE idempotency_key = :key"),
                                   {"key": submission.idempotency_key})


def test_records_central_refused_are_shown_with_reference_kind_and_reason(
        technician: Driver, refused_registration: str) -> None:
    """GIVEN a registration central refused, parked by the kiosk
    WHEN the technician opens technician mode
    THEN an error notice says how many records central refused and lists this one by its
    reference, kind and central's reason; the warnings say so too."""
    open_technician(technician)
    screen = technician.app.screen("technician")
    [notice] = [child for child in screen.ids.devices.children
                if child.text.startswith("Refused by central")]
    assert notice.kind == "error"
    assert f"{refused_registration} stay_registration E_REQUEST_REJECTED" in notice.text
    assert "fields=" in notice.text
    assert "record(s) refused by central, parked" in screen.ids.errors.text
