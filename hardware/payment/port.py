"""The byte port the link layer runs over.

``BytePort`` is all the link needs: read what has arrived (waiting up to a timeout),
write, close. hardware.serial_line.SerialLine puts it over pyserial, so a device path,
``socket://``, ``loop://`` or any other pyserial URL works; the simulator has its own
over a pty master.
"""

from __future__ import annotations

from typing import Protocol

DEVICE = "payment"


class BytePort(Protocol):
    def read(self, timeout_s: float) -> bytes:
        """Bytes that have arrived, waiting up to ``timeout_s`` for the first one; b"" when
        none came. Raises DeviceError(disconnected) when the port is gone."""
        ...

    def write(self, data: bytes) -> None:
        """Write all of ``data``. Raises DeviceError when the port is gone or stuck."""
        ...

    def close(self) -> None: ...
