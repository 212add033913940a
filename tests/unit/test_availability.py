"""Which services the kiosk offers, from its devices' and central's health."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest

from hardware.base import REASON_BUSY, DeviceStatus, Health
from kiosk.services.availability import CENTRAL, PAYMENT, PRINTER, DeviceWatch, Unavailable
from tests.patience import PATIENCE_S


@dataclass
class Switchable:
    health: Health = Health.OK
    reason: str | None = None

    def status(self) -> DeviceStatus:
        return DeviceStatus(device="x", health=self.health, reason=self.reason)


class Central:
    def __init__(self) -> None:
        self.up = True

    def health(self) -> bool:
        return self.up


def make() -> tuple[DeviceWatch, Switchable, Switchable, Central, list[int]]:
    printer, terminal, central = Switchable(), Switchable(), Central()
    watch = DeviceWatch({PRINTER: printer.status, PAYMENT: terminal.status}, central,
                        grace_polls=2)
    changes: list[int] = []
    watch.listeners.append(lambda: changes.append(1))
    return watch, printer, terminal, central, changes


def test_a_brief_glitch_changes_nothing() -> None:
    """GIVEN a printer that fails one poll and is fine at the next
    WHEN the watch polls
    THEN bill payment stays available and nobody is told of a change."""
    watch, printer, _terminal, _central, changes = make()
    printer.health, printer.reason = Health.UNKNOWN, "no_reply"
    watch.poll_once()
    assert watch.unavailable("bill_payment") is None
    printer.health, printer.reason = Health.OK, None
    watch.poll_once()
    assert watch.unavailable("bill_payment") is None and changes == []


def test_a_device_gone_for_two_polls_disables_the_service_with_its_reason() -> None:
    """GIVEN a printer out of paper at two polls in a row
    WHEN the UI asks
    THEN bill payment is unavailable because of the printer, reason paper_out; and at the
    first good poll it is offered again."""
    watch, printer, _terminal, _central, changes = make()
    printer.health, printer.reason = Health.FAULT, "paper_out"
    watch.poll_once()
    watch.poll_once()
    assert watch.unavailable("bill_payment") == Unavailable(part=PRINTER, reason="paper_out")
    printer.health, printer.reason = Health.OK, None
    watch.poll_once()
    assert watch.unavailable("bill_payment") is None
    assert changes == [1, 1]


def test_busy_terminal_is_not_a_failure() -> None:
    """GIVEN a terminal that answers "busy" because a sale is running
    WHEN the watch polls many times
    THEN the terminal is never counted as gone."""
    watch, _printer, terminal, _central, _changes = make()
    terminal.health, terminal.reason = Health.UNKNOWN, REASON_BUSY
    for _ in range(5):
        watch.poll_once()
    assert watch.unavailable("bill_payment") is None


def test_central_away_disables_bill_payment() -> None:
    """GIVEN central unreachable for two polls
    WHEN the UI asks
    THEN bill payment is unavailable because of central."""
    watch, _printer, _terminal, central, _changes = make()
    central.up = False
    watch.poll_once()
    watch.poll_once()
    assert watch.unavailable("bill_payment") == Unavailable(part=CENTRAL, reason="unreachable")
    assert watch.unavailable("some_other_service") is None


def test_the_watch_thread_polls_until_stopped() -> None:
    """GIVEN a started watch with a short interval
    WHEN a device fails
    THEN the thread notices by itself, and stop() ends it."""
    import time

    watch, printer, _terminal, _central, _changes = make()
    watch.interval_s = 0.02
    printer.health, printer.reason = Health.FAULT, "cover_open"
    watch.start()
    try:
        deadline = time.monotonic() + PATIENCE_S
        while watch.unavailable("bill_payment") is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert watch.unavailable("bill_payment") == Unavailable(part=PRINTER, reason="cover_open")
    finally:
        watch.stop()
    assert watch._thread is None


def test_gone_is_a_warning_and_back_is_info_with_how_long(
        caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a printer out of paper for two polls, then fine
    WHEN the watch polls
    THEN "printer is gone (paper_out)" is a WARNING and "printer is back after ..." an
    INFO (a recovery never stands as the kiosk's last error)."""
    watch, printer, _terminal, _central, _changes = make()
    caplog.set_level(logging.INFO, logger="kiosk.services.availability")
    printer.health, printer.reason = Health.FAULT, "paper_out"
    watch.poll_once()
    watch.poll_once()
    printer.health, printer.reason = Health.OK, None
    watch.poll_once()
    assert [(r.levelno, r.getMessage().split(" after ")[0]) for r in caplog.records] == [
        (logging.WARNING, "printer is gone (paper_out)"), (logging.INFO, "printer is back")]
    assert caplog.records[-1].getMessage().endswith(" s")


def test_bills_are_offered_without_the_terminal_when_a_qr_app_can_pay() -> None:
    """GIVEN the card terminal gone for two polls, central up
    WHEN the kiosk with a QR app set up asks whether bill payment is offered (the card
    stands aside), and a kiosk without one asks
    THEN the first is offered (the terminal is its only missing part), the second is not;
    and the watch says cheaply that central is not down."""
    watch, _printer, terminal, _central, _changes = make()
    terminal.health, terminal.reason = Health.UNKNOWN, "disconnected"
    watch.poll_once()
    watch.poll_once()
    assert watch.unavailable("bill_payment", besides=frozenset({PAYMENT})) is None
    assert watch.unavailable("bill_payment") == Unavailable(part=PAYMENT, reason="disconnected")
    assert watch.is_down(PAYMENT) and not watch.is_down(CENTRAL)
