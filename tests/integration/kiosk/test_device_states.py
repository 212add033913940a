"""One state rule for every device (hardware.base.Health): a device the kiosk cannot
reach, or that does not answer, is UNKNOWN, whatever kind of device it is; FAULT is only
what a device reports about itself. Each real adapter against its simulator."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hardware.base import (
    REASON_DISCONNECTED,
    REASON_NO_REPLY,
    DeviceStatus,
    Health,
)
from hardware.payment import open_terminal
from hardware.printer import PrinterProfile, open_printer
from hardware.reader import open_reader
from hardware.sim.payment import PaymentSimulator
from hardware.sim.printer import PrinterSimulator
from hardware.sim.reader import ReaderSimulator

pytestmark = pytest.mark.timeout(30)
DEVICES = ("printer", "payment", "reader")


@dataclass
class Bench:
    """A simulator and the production adapter on it."""

    status: Callable[[], DeviceStatus]
    set_fault: Callable[[str], None]
    stop_simulator: Callable[[], None]


@pytest.fixture(params=DEVICES)
def bench(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Bench]:
    device = request.param
    if device == "printer":
        printer_sim = PrinterSimulator(tmp_path / "jobs")
        printer = open_printer(printer_sim.start_tcp(), PrinterProfile(),
                               status_timeout_s=0.25, connect_timeout_s=1.0)
        try:
            yield Bench(printer.status, printer_sim.set_fault, printer_sim.stop)
        finally:
            printer.close()
            printer_sim.stop()
    elif device == "payment":
        payment_sim = PaymentSimulator(step_delay_s=0.02, ack_timeout_s=0.2)
        terminal = open_terminal(payment_sim.start_pty(), baudrate=9600, ack_timeout_s=0.2,
                                 card_timeout_s=1.0)
        try:
            yield Bench(terminal.status, payment_sim.set_fault, payment_sim.stop)
        finally:
            terminal.close()
            payment_sim.stop()
    else:
        reader_sim = ReaderSimulator()
        reader = open_reader(reader_sim.start_pty(), baudrate=9600, status_timeout_s=0.3)
        try:
            yield Bench(reader.status, reader_sim.set_fault, reader_sim.stop)
        finally:
            reader.close()
            reader_sim.stop()


def test_a_device_whose_simulator_stopped_is_unknown_disconnected(bench: Bench) -> None:
    """GIVEN a device that answers (OK)
    WHEN its simulator stops (the TCP port refuses, the pty and its path are gone)
    THEN its status is UNKNOWN with reason disconnected, for every kind of device."""
    assert bench.status().health is Health.OK
    bench.stop_simulator()
    status = bench.status()
    assert (status.health, status.reason) == (Health.UNKNOWN, REASON_DISCONNECTED)


def test_a_device_that_does_not_answer_is_unknown_no_reply(bench: Bench) -> None:
    """GIVEN a device that answers (OK)
    WHEN it hangs (the shared fault `silent`: connected, but answers nothing)
    THEN its status is UNKNOWN with reason no_reply, for every kind of device."""
    assert bench.status().health is Health.OK
    bench.set_fault("silent")
    status = bench.status()
    assert (status.health, status.reason) == (Health.UNKNOWN, REASON_NO_REPLY)


def test_people_get_plain_words_and_the_log_gets_the_os_text(
        bench: Bench, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a device whose simulator stopped (the OS then answers "[Errno 111]
    Connection refused", "[Errno 2] No such file or directory"...)
    WHEN its status is asked
    THEN the status detail says what failed in plain words without the OS's text, and
    the OS's text is in the log (INFO), for every kind of device."""
    assert bench.status().health is Health.OK
    bench.stop_simulator()
    with caplog.at_level(logging.DEBUG, logger="hardware"):
        status = bench.status()
    assert status.detail and "Errno" not in status.detail and "[" not in status.detail
    assert any("Errno" in record.getMessage() for record in caplog.records
               if record.name == "hardware.os_errors")
