"""Printer connections: a URL picks the python-escpos connection class, and each
transport adds what python-escpos lacks for status queries: read ONE byte with a short
timeout, and drain stale bytes. (python-escpos's ``_read`` asks for 16 bytes and waits
the whole timeout.)

Transports raise the library's own exceptions (OSError, serial.SerialException,
escpos DeviceNotFoundError); hardware.printer.adapter translates them in one place.
"""

from __future__ import annotations

import os
import re
import select
import socket
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Literal, cast
from urllib.parse import parse_qs, urlsplit

import serial

from hardware.printer.escpos_import import Escpos, File, Network, Serial

DEFAULT_TCP_PORT = 9100
DEFAULT_BAUDRATE = 9600
BITS_PER_BYTE = 10  # 8N1 on the wire: start bit, 8 data bits, stop bit
USB_IN_EP, USB_OUT_EP = 0x82, 0x01  # python-escpos defaults (Epson TM series)
_USB_IDS = re.compile(r"^([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})$")
_DRAIN_LIMIT = 64 * 1024  # stop draining a device that never stops talking


@dataclass(frozen=True)
class Endpoint:
    """A parsed printer URL."""

    kind: Literal["tcp", "serial", "file", "usb"]
    target: str  # host for tcp, pyserial URL or device path for serial, path for file,
    # "VID:PID" for usb
    port: int = DEFAULT_TCP_PORT
    serial_options: dict[str, Any] = field(default_factory=dict)
    usb_ids: tuple[int, int] | None = None  # (vendor id, product id)
    usb_endpoints: tuple[int, int] = (USB_IN_EP, USB_OUT_EP)  # (in, out)


def _flag(values: list[str]) -> bool:
    return values[-1].strip().lower() in ("1", "true", "yes", "on")


def _usb_endpoint(url: str, netloc: str, query: dict[str, list[str]]) -> Endpoint:
    match = _USB_IDS.match(netloc)
    if match is None:
        raise ValueError(f"printer URL {url!r}: expected usb://VID:PID in hex, "
                         "e.g. usb://04b8:0202")
    vendor_id, product_id = int(match.group(1), 16), int(match.group(2), 16)
    if not vendor_id or not product_id:
        raise ValueError(f"printer URL {url!r}: vendor and product id must not be 0")
    endpoints = []
    for name, default in (("in_ep", USB_IN_EP), ("out_ep", USB_OUT_EP)):
        text = query[name][-1] if name in query else str(default)
        try:
            number = int(text, 0)  # 0x81 or 129
        except ValueError:
            raise ValueError(f"printer URL {url!r}: {name}={text!r} is not a number") from None
        if not 0 < number < 0x100:
            raise ValueError(f"printer URL {url!r}: {name} out of range")
        endpoints.append(number)
    return Endpoint("usb", netloc.lower(), usb_ids=(vendor_id, product_id),
                    usb_endpoints=(endpoints[0], endpoints[1]))


def parse_printer_url(url: str) -> Endpoint:
    """``tcp://HOST:PORT`` (raw TCP, port 9100 by default); ``serial:///dev/ttyS0?
    baudrate=19200&rtscts=1&xonxoff=0``; a plain device path; any other pyserial URL
    (socket://, loop://, rfc2217://...), which may carry ``baudrate=`` too;
    ``file:///dev/usb/lp0``; ``usb://VID:PID`` in hex (``usb://04b8:0202``, optional
    ``?in_ep=0x82&out_ep=0x01``; needs the ``usb`` extra). Raises ValueError for what is
    none of these."""
    url = url.strip()
    if not url:
        raise ValueError("printer URL is empty")
    parts = urlsplit(url)
    if parts.scheme == "usb":
        return _usb_endpoint(url, parts.netloc, parse_qs(parts.query))
    if parts.scheme == "tcp":
        if not parts.hostname:
            raise ValueError(f"printer URL {url!r}: no host")
        return Endpoint("tcp", parts.hostname, parts.port or DEFAULT_TCP_PORT)
    if parts.scheme == "file":
        if not parts.path:
            raise ValueError(f"printer URL {url!r}: no path")
        return Endpoint("file", parts.path)
    query = parse_qs(parts.query)
    options: dict[str, Any] = {"baudrate": DEFAULT_BAUDRATE}
    if "baudrate" in query:
        options["baudrate"] = int(query["baudrate"][-1])
    for flag in ("rtscts", "xonxoff", "dsrdtr"):
        if flag in query:
            options[flag] = _flag(query[flag])
    if parts.scheme == "serial":
        if not parts.path:
            raise ValueError(f"printer URL {url!r}: no device path")
        return Endpoint("serial", parts.path, serial_options=options)
    if parts.scheme and "://" in url:
        # pyserial URL handlers read their own options; keep the URL whole.
        return Endpoint("serial", url, serial_options={"baudrate": options["baudrate"]})
    return Endpoint("serial", url, serial_options=options)


class Transport(ABC):
    """One open-able, re-open-able link to a printer, wrapping a python-escpos printer."""

    printer: Escpos
    # A network printer serves one connection at a time: hold it only for one operation
    # so a technician's `kiosk reprint` or `kiosk diag` can reach it while the kiosk runs.
    shared = False

    @abstractmethod
    def open(self) -> None: ...

    def write(self, data: bytes) -> None:
        self.printer._raw(data)

    def reply_allowance_s(self, job_bytes: int) -> float:
        """Extra time the first status reply after a job of ``job_bytes`` may take: the
        query queues behind the job's bytes that are still in OS buffers or on the line
        when write() returns. 0 where write() returns only once the printer has them."""
        return 0.0

    @abstractmethod
    def read_byte(self, timeout_s: float) -> int | None:
        """One reply byte, or None when nothing came within ``timeout_s``."""

    @abstractmethod
    def drain(self) -> None:
        """Discard bytes already waiting (late replies, ASB messages)."""

    @abstractmethod
    def close(self) -> None: ...


class NetworkTransport(Transport):
    shared = True

    def __init__(self, host: str, port: int, *, escpos_profile: str,
                 io_timeout_s: float) -> None:
        # Network's default timeout is 60 s: ours bounds connect and every write.
        self.printer = Network(host=host, port=port, timeout=io_timeout_s,
                               profile=escpos_profile)
        self.io_timeout_s = io_timeout_s

    def reply_allowance_s(self, job_bytes: int) -> float:
        # The socket buffers take a whole job at once, and a printer (or a serial device
        # server behind it) takes the stream in only as fast as it can: the speed is
        # unknown, so allow what a write may take.
        return self.io_timeout_s

    def _socket(self) -> socket.socket:
        device = self.printer._device
        if not isinstance(device, socket.socket):
            raise ConnectionResetError("not connected")
        return device

    def open(self) -> None:
        self.printer.open()
        self._socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def read_byte(self, timeout_s: float) -> int | None:
        sock = self._socket()
        sock.settimeout(timeout_s)
        try:
            data = sock.recv(1)
        except TimeoutError:
            return None
        finally:
            sock.settimeout(self.io_timeout_s)
        if not data:
            raise ConnectionResetError("printer closed the connection")
        return data[0]

    def drain(self) -> None:
        sock = self._socket()
        drained = 0
        while drained < _DRAIN_LIMIT and select.select([sock], [], [], 0)[0]:
            data = sock.recv(4096)
            if not data:
                raise ConnectionResetError("printer closed the connection")
            drained += len(data)

    def close(self) -> None:
        self.printer.close()


class _SerialWithoutDrain(Serial):  # type: ignore[misc]
    """python-escpos Serial whose close() does not flush() first: tcdrain can block
    forever (or fail) on a port nobody reads, and close() also runs from __del__."""

    def close(self) -> None:
        device: object = getattr(self, "_device", False)
        self._device = False
        if isinstance(device, serial.SerialBase):
            device.close()


class SerialTransport(Transport):
    def __init__(self, url: str, options: dict[str, Any], *, escpos_profile: str,
                 io_timeout_s: float) -> None:
        self.url = url
        self.options = dict(options)
        self.io_timeout_s = io_timeout_s
        self.baudrate = int(options.get("baudrate", DEFAULT_BAUDRATE))
        self.printer = _SerialWithoutDrain(
            devfile=url, baudrate=self.baudrate,
            timeout=io_timeout_s, profile=escpos_profile)

    def _port(self) -> serial.SerialBase:
        device = self.printer._device
        if not isinstance(device, serial.SerialBase):
            raise serial.SerialException("not connected")
        return device

    def open(self) -> None:
        # python-escpos opens serial.Serial(port=...), which cannot take pyserial URLs
        # (docs/platform.md#python-escpos): open through serial_for_url and hand it the port.
        # exclusive: one process per serial printer line (a second one would interleave
        # its bytes with a job's).
        self.printer.device = serial.serial_for_url(
            self.url, timeout=self.io_timeout_s, write_timeout=self.io_timeout_s,
            exclusive=True, **self.options)

    def transfer_time_s(self, nbytes: int) -> float:
        """How long the line itself needs for ``nbytes`` (8N1: ten bits a byte)."""
        return nbytes * BITS_PER_BYTE / self.baudrate

    def reply_allowance_s(self, job_bytes: int) -> float:
        # The OS takes kilobytes at once: at worst the whole job is still to go.
        return self.transfer_time_s(job_bytes)

    def write(self, data: bytes) -> None:
        # pyserial's write_timeout bounds the whole write: a job of 10 KB needs 10 s at
        # 9600 baud, so the bound is the I/O timeout plus the line's own transfer time.
        port = self._port()
        port.write_timeout = self.io_timeout_s + self.transfer_time_s(len(data))
        try:
            port.write(data)
        finally:
            port.write_timeout = self.io_timeout_s

    def read_byte(self, timeout_s: float) -> int | None:
        port = self._port()
        port.timeout = timeout_s
        try:
            data = port.read(1)
        finally:
            port.timeout = self.io_timeout_s
        return data[0] if data else None

    def drain(self) -> None:
        self._port().reset_input_buffer()

    def close(self) -> None:
        self.printer.close()


class _ReadWriteFile(File):  # type: ignore[misc]
    """python-escpos File opened read-write (O_RDWR), so a bidirectional device such as
    /dev/usb/lp0 can answer DLE EOT; falls back to write-only. Never creates a file."""

    def open(self, raise_not_found: bool = True) -> None:
        try:
            fd = os.open(self.devfile, os.O_RDWR | os.O_NOCTTY)
            self.readable = True
        except PermissionError:
            fd = os.open(self.devfile, os.O_WRONLY | os.O_NOCTTY)
            self.readable = False
        self.device = os.fdopen(fd, "r+b" if self.readable else "wb", buffering=0)


class FileTransport(Transport):
    def __init__(self, path: str, *, escpos_profile: str) -> None:
        self.printer = _ReadWriteFile(devfile=path, profile=escpos_profile)

    def _file(self) -> BinaryIO:
        device = self.printer._device
        if not device:
            raise ConnectionResetError("not open")
        return cast(BinaryIO, device)

    def open(self) -> None:
        self.printer.open()

    def read_byte(self, timeout_s: float) -> int | None:
        handle = self._file()
        if not getattr(self.printer, "readable", False):
            return None
        if not select.select([handle], [], [], timeout_s)[0]:
            return None
        data = os.read(handle.fileno(), 1)
        return data[0] if data else None  # end of a plain file: nobody answers

    def drain(self) -> None:
        handle = self._file()
        if not getattr(self.printer, "readable", False):
            return
        drained = 0
        while drained < _DRAIN_LIMIT and select.select([handle], [], [], 0)[0]:
            data = os.read(handle.fileno(), 4096)
            if not data:
                return
            drained += len(data)

    def close(self) -> None:
        self.printer.close()


def make_transport(endpoint: Endpoint, *, escpos_profile: str,
                   io_timeout_s: float) -> Transport:
    if endpoint.kind == "usb":
        from hardware.printer.usb_transport import UsbTransport  # imports connection

        assert endpoint.usb_ids is not None  # parse_printer_url sets both for usb
        in_ep, out_ep = endpoint.usb_endpoints
        return UsbTransport(*endpoint.usb_ids, in_ep=in_ep, out_ep=out_ep,
                            escpos_profile=escpos_profile, io_timeout_s=io_timeout_s)
    if endpoint.kind == "tcp":
        return NetworkTransport(endpoint.target, endpoint.port,
                                escpos_profile=escpos_profile, io_timeout_s=io_timeout_s)
    if endpoint.kind == "file":
        return FileTransport(endpoint.target, escpos_profile=escpos_profile)
    return SerialTransport(endpoint.target, endpoint.serial_options,
                           escpos_profile=escpos_profile, io_timeout_s=io_timeout_s)
