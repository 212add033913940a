"""USB printers are an optional extra: without pyusb the printer is reported
disconnected with the command that fixes it, and nothing raises."""

from __future__ import annotations

import sys

import pytest

from hardware.base import Health, PrintOutcome
from hardware.document import Document, Text
from hardware.printer.adapter import open_printer
from hardware.printer.profile import PrinterProfile
from hardware.printer.usb_transport import PYUSB_MISSING, UsbTransport

FIX = "pyusb is not installed: pip install 'shanghai-selfservice-kiosk[usb]'"


@pytest.fixture
def without_pyusb(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyusb made unimportable the way Python documents it (None in sys.modules), so the
    test means the same whether or not pyusb happens to be installed."""
    for name in ("usb", "usb.core", "usb.util"):
        monkeypatch.setitem(sys.modules, name, None)


def test_missing_pyusb_is_disconnected_with_the_fix(without_pyusb: None) -> None:
    """GIVEN usb://04b8:0202 and no pyusb WHEN status is asked and a job printed
    THEN UNKNOWN / NOT_PRINTED with reason disconnected and the pip command as detail,
    and the status remembers it as the last error."""
    printer = open_printer("usb://04b8:0202", PrinterProfile(raster_font=None),
                           status_timeout_s=0.1, connect_timeout_s=0.1)
    assert isinstance(printer._transport, UsbTransport)
    status = printer.status()
    assert status.health is Health.UNKNOWN and status.reason == "disconnected"
    assert status.detail == FIX == PYUSB_MISSING
    assert status.last_error == f"disconnected: {FIX}" and status.last_error_at is not None
    result = printer.print_document("usb-1", Document(blocks=(Text("hello"),)))
    assert result.outcome is PrintOutcome.NOT_PRINTED and result.reason == "disconnected"
    assert result.bytes_sent == 0
    printer.close()


def test_usb_transport_knows_its_ids_and_milliseconds() -> None:
    """GIVEN usb://04b8:0202?in_ep=0x81 and a 1.5 s I/O timeout WHEN the printer is built
    THEN python-escpos Usb gets the ids, the endpoints and 1500 ms (pyusb's unit)."""
    printer = open_printer("usb://04b8:0202?in_ep=0x81", PrinterProfile(raster_font=None),
                           status_timeout_s=0.1, connect_timeout_s=1.5)
    usb = printer._transport.printer
    assert usb.usb_args == {"idVendor": 0x04B8, "idProduct": 0x0202}
    assert (usb.in_ep, usb.out_ep, usb.timeout) == (0x81, 0x01, 1500)
    printer.close()
