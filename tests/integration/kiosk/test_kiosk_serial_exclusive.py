"""Serial devices belong to one process: a second one is refused, never interleaved."""

from __future__ import annotations

from hardware.base import Health
from hardware.payment import open_terminal
from hardware.reader import open_reader
from kiosk.devtools.loopback import System


def test_a_second_process_cannot_take_the_payment_terminal_or_reader(system: System) -> None:
    """GIVEN the kiosk holding the payment terminal's and the reader's lines
    WHEN another adapter (another process, e.g. `kiosk diag --local`) opens them
    THEN it is refused with a reason that says the port is locked, and the kiosk's own
    link keeps working."""
    deps = system.runtime.services.bill_payment
    assert deps.terminal.status().health is Health.OK
    reader = system.runtime.reader
    assert reader is not None and reader.status().health is Health.OK

    intruder = open_terminal(system.config.payment.url, baudrate=9600, ack_timeout_s=0.5,
                             card_timeout_s=2)
    other_reader = open_reader(system.config.reader.url, baudrate=9600)
    try:
        for status in (intruder.status(), other_reader.status()):
            assert status.health is not Health.OK and status.reason == "disconnected"
            assert "lock" in status.detail
    finally:
        intruder.close()
        other_reader.close()
    assert deps.terminal.status().health is Health.OK
    assert reader.status().health is Health.OK
