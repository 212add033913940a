"""One serial line over pyserial for the devices that speak a byte protocol (payment
terminal, document reader, keypad): the one place pyserial's errors become DeviceError.
``ReopeningLine`` keeps one open for a USB device that may be unplugged and come back.

``serial_for_url`` opens a device path (``/dev/ttyUSB0``, ``/dev/serial/by-id/...``) or
any pyserial URL (``socket://host:port`` for a serial device server, ``loop://``). A
DeviceError's detail says in plain words what failed; pyserial's own text goes to the
log (hardware.os_errors). Lines
are opened exclusively: a second process on a device's line would corrupt the running
kiosk's exchange (`kiosk diag` asks the running kiosk instead).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

import serial

from hardware.base import REASON_DISCONNECTED, REASON_NO_REPLY, DeviceError
from hardware.os_errors import plain_failure

_POLL_S = 0.02  # pyserial's own read timeout: how often read() looks at its deadline


class SerialLine:
    def __init__(self, device: str, port: serial.SerialBase) -> None:
        self.device = device
        self._port = port

    @classmethod
    def open(cls, device: str, url: str, *, baudrate: int,
             write_timeout_s: float) -> SerialLine:
        try:
            port = serial.serial_for_url(url, baudrate=baudrate, timeout=_POLL_S,
                                         write_timeout=write_timeout_s, exclusive=True)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceError(device, REASON_DISCONNECTED,
                              plain_failure(device, "cannot open", exc)) from exc
        return cls(device, port)

    def read(self, timeout_s: float) -> bytes:
        """What has arrived, waiting up to ``timeout_s`` for the first byte; b"" if none.
        Raises DeviceError(disconnected) when the port is gone."""
        deadline = time.monotonic() + max(timeout_s, 0.0)
        try:
            while True:
                waiting: int = self._port.in_waiting
                if waiting:
                    pending: bytes = self._port.read(waiting)
                    return pending
                if time.monotonic() >= deadline:
                    return b""
                first: bytes = self._port.read(1)  # waits up to _POLL_S
                if first:
                    waiting = self._port.in_waiting
                    rest: bytes = self._port.read(waiting) if waiting else b""
                    return first + rest
        except (serial.SerialException, OSError) as exc:
            raise DeviceError(self.device, REASON_DISCONNECTED,
                              plain_failure(self.device, "read", exc)) from exc

    def write(self, data: bytes) -> None:
        """Write all of ``data``. Raises DeviceError when the port is gone or stuck."""
        try:
            self._port.write(data)  # no flush(): tcdrain has no timeout and could hang
        except serial.SerialTimeoutException as exc:
            raise DeviceError(self.device, REASON_NO_REPLY,
                              "write timed out (flow control)") from exc
        except (serial.SerialException, OSError) as exc:
            raise DeviceError(self.device, REASON_DISCONNECTED,
                              plain_failure(self.device, "write", exc)) from exc

    def discard_input(self) -> None:
        """Drop bytes the driver holds that nobody has read yet."""
        try:
            self._port.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise DeviceError(self.device, REASON_DISCONNECTED,
                              plain_failure(self.device, "flush", exc)) from exc

    def close(self) -> None:
        # the port already died: nothing left to release
        with contextlib.suppress(serial.SerialException, OSError):
            self._port.close()


class ReopeningLine:
    """A device's line, opened on first use and again on the first use after a failure:
    a USB device unplugged and plugged back needs no restart. An outage is logged once,
    as a warning; its end at INFO. Not thread-safe: the adapter serialises calls."""

    def __init__(self, device: str, url: str, *, baudrate: int, write_timeout_s: float,
                 log: logging.Logger, on_open: Callable[[], None] = lambda: None) -> None:
        self.device = device
        self.url = url
        self._baudrate = baudrate
        self._write_timeout_s = write_timeout_s
        self._log = log
        self._on_open = on_open  # forget what a half-read line left (a parser's state)
        self.port: SerialLine | None = None
        self.last_failure: DeviceError | None = None
        self._outage_logged = False

    def get(self) -> SerialLine:
        """The open line, opened now if it is not; raises DeviceError when it cannot be."""
        if self.port is not None:
            return self.port
        try:
            port = SerialLine.open(self.device, self.url, baudrate=self._baudrate,
                                   write_timeout_s=self._write_timeout_s)
        except DeviceError as exc:
            self.fail(exc)
            raise
        self.port = port
        self._on_open()
        if self._outage_logged:
            self._log.info("%s: back on %s", self.device, self.url)  # a recovery
            self._outage_logged = False
        else:
            self._log.info("%s: opened %s", self.device, self.url)
        return port

    def fail(self, exc: DeviceError) -> None:
        """The line failed: closed, to be opened again on the next get()."""
        self.drop()
        self.last_failure = exc
        if not self._outage_logged:  # once per outage, not once per read
            self._log.warning("%s: %s (%s)", self.device, exc.reason, exc.detail)
            self._outage_logged = True

    def drop(self) -> None:
        if self.port is not None:
            self.port.close()
            self.port = None
