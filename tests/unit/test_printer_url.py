"""Printer URLs pick the connection type; building a printer does no I/O."""

from __future__ import annotations

import pytest

from hardware.base import ReceiptPrinter
from hardware.printer.adapter import open_printer
from hardware.printer.connection import (
    Endpoint,
    FileTransport,
    NetworkTransport,
    SerialTransport,
    parse_printer_url,
)
from hardware.printer.profile import PrinterProfile
from hardware.printer.usb_transport import UsbTransport


@pytest.mark.parametrize("url, endpoint", [
    ("tcp://192.168.1.50:9100", Endpoint("tcp", "192.168.1.50", 9100)),
    ("tcp://printer.local", Endpoint("tcp", "printer.local", 9100)),
    ("serial:///dev/ttyS0?baudrate=19200&rtscts=1",
     Endpoint("serial", "/dev/ttyS0", serial_options={"baudrate": 19200, "rtscts": True})),
    ("/dev/ttyUSB0", Endpoint("serial", "/dev/ttyUSB0", serial_options={"baudrate": 9600})),
    ("socket://127.0.0.1:7000", Endpoint("serial", "socket://127.0.0.1:7000",
                                          serial_options={"baudrate": 9600})),
    ("loop://", Endpoint("serial", "loop://", serial_options={"baudrate": 9600})),
    ("rfc2217://host:2217?baudrate=38400",
     Endpoint("serial", "rfc2217://host:2217?baudrate=38400",
              serial_options={"baudrate": 38400})),
    ("file:///dev/usb/lp0", Endpoint("file", "/dev/usb/lp0")),
    ("usb://04b8:0202", Endpoint("usb", "04b8:0202", usb_ids=(0x04B8, 0x0202))),
    ("usb://0FE6:811E", Endpoint("usb", "0fe6:811e", usb_ids=(0x0FE6, 0x811E))),
    ("usb://4b8:e15?in_ep=0x81&out_ep=2",
     Endpoint("usb", "4b8:e15", usb_ids=(0x04B8, 0x0E15), usb_endpoints=(0x81, 0x02))),
])
def test_urls(url: str, endpoint: Endpoint) -> None:
    """GIVEN a printer URL WHEN parsed THEN the right connection kind and options."""
    assert parse_printer_url(url) == endpoint


@pytest.mark.parametrize("url", ["", "tcp://", "serial://", "file://", "usb://", "usb://04b8",
                                 "usb://04b8:", "usb://04b8:0202:1", "usb://zz12:0202",
                                 "usb://04b8:10000", "usb://0000:0202",
                                 "usb://04b8:0202?in_ep=east", "usb://04b8:0202?out_ep=0x100"])
def test_bad_urls(url: str) -> None:
    """GIVEN a URL naming no printer WHEN parsed THEN ValueError."""
    with pytest.raises(ValueError):
        parse_printer_url(url)


@pytest.mark.parametrize("url, transport", [("tcp://10.255.255.1:9100", NetworkTransport),
                                            ("/dev/does-not-exist", SerialTransport),
                                            ("file:///no/such/printer", FileTransport),
                                            ("usb://04b8:0202", UsbTransport)])
def test_open_printer_does_no_io(url: str, transport: type) -> None:
    """GIVEN URLs of printers that do not exist WHEN open_printer builds them
    THEN nothing fails (no I/O yet) and the result is a ReceiptPrinter."""
    printer = open_printer(url, PrinterProfile(raster_font=None), status_timeout_s=0.1,
                           connect_timeout_s=0.1)
    assert isinstance(printer, ReceiptPrinter)
    assert isinstance(printer._transport, transport)
    printer.close()


def test_network_timeout_is_ours_not_sixty_seconds() -> None:
    """GIVEN a connect timeout WHEN a TCP printer is built THEN python-escpos's socket
    timeout is that value, not its 60 s default."""
    printer = open_printer("tcp://127.0.0.1:9", PrinterProfile(raster_font=None),
                           status_timeout_s=0.2, connect_timeout_s=1.5)
    assert printer._transport.printer.timeout == 1.5
