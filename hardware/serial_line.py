"""One serial line over pyserial for the devices that speak a byte protocol (payment
terminal, document reader): the one place pyserial's errors become DeviceError.

``serial_for_url`` opens a device path (``/dev/ttyUSB0``, ``/dev/serial/by-id/...``) or
any pyserial URL (``socket://host:port`` for a serial device server, ``loop://``). A
DeviceError's detail says in plain words what failed; pyserial's own text goes to the
log (hardware.os_errors). Lines
are opened exclusively: a second process on a device's line would corrupt the running
kiosk's exchange (`kiosk diag` asks the running kiosk instead).
"""

from __future__ import annotations

import contextlib
import time

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
