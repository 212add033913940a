"""The simulator's end of the line: a BytePort over a pty master, with fault injection.

Faults act where a real line would: ``garbage`` puts noise bytes on the line before every
frame; ``corrupt`` spoils the LRC of the first transmission of every frame (the
retransmission is intact); ``silent`` swallows everything both ways, at once; ``baud``
paces what the terminal sends to N baud (10 bits a byte), so the host reads frames in
small pieces. A self-pipe wakes a blocked read or a paced write when the simulator stops.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import select
from collections.abc import Callable, Mapping

from hardware.base import REASON_DISCONNECTED, REASON_NO_REPLY, DeviceError
from hardware.payment.framing import ACK, ENQ, ETX, NAK, STX

DEVICE = "payment-sim"
_WRITE_TIMEOUT_S = 1.0

# Noise may hold anything but the bytes that end a frame or act as link control outside
# one: with single-byte ACK/NAK such noise would be indistinguishable from a real answer
# (docs/hardware/payment-terminal.md, "Noise"). A stray STX is kept: receivers resync.
_NOISE_BYTES = bytes(b for b in range(256) if b not in (ETX, ACK, NAK, ENQ))


class SimulatorStopped(Exception):
    """The simulator was asked to stop while it waited on the line."""


class PtyMasterPort:
    def __init__(self, fd: int, faults: Callable[[], Mapping[str, int | bool]]) -> None:
        self._fd = fd
        os.set_blocking(fd, False)
        self._faults = faults
        self._wake_r, self._wake_w = os.pipe()
        self._stopping = False
        self._last_frame: bytes | None = None
        self._noise = random.Random(8583)  # fixed seed: the same noise on every run

    def wake(self) -> None:
        """Make a blocked or later read raise SimulatorStopped."""
        self._stopping = True
        os.write(self._wake_w, b"x")

    def read(self, timeout_s: float) -> bytes:
        if self._stopping:
            raise SimulatorStopped
        ready, _, _ = select.select([self._fd, self._wake_r], [], [], max(timeout_s, 0.0))
        if self._wake_r in ready:
            raise SimulatorStopped
        if not ready:
            return b""
        try:
            data = os.read(self._fd, 4096)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                return b""
            raise DeviceError(DEVICE, REASON_DISCONNECTED, f"pty read failed: {exc}") from exc
        return b"" if "silent" in self._faults() else data

    def write(self, data: bytes) -> None:
        if self._stopping:
            raise SimulatorStopped
        faults = self._faults()
        if "silent" in faults:
            return  # a hung terminal: nothing goes out
        if len(data) > 1 and data[0] == STX:
            first_transmission = data != self._last_frame
            self._last_frame = data
            if "garbage" in faults:
                noise_length = self._noise.randint(3, 12)
                data = bytes(self._noise.choice(_NOISE_BYTES) for _ in range(noise_length)) + data
            if "corrupt" in faults and first_transmission:
                data = data[:-1] + bytes([data[-1] ^ 0x5A])
        baud = faults.get("baud")
        if isinstance(baud, int) and not isinstance(baud, bool):
            self._write_paced(data, 10.0 / baud)
        else:
            self._write_all(data)

    def _write_paced(self, data: bytes, seconds_per_byte: float) -> None:
        for index in range(len(data)):
            self._write_all(data[index:index + 1])
            woken, _, _ = select.select([self._wake_r], [], [], seconds_per_byte)
            if woken:
                raise SimulatorStopped

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            # The fd is non-blocking: a peer that stopped reading fills the pty buffer, and
            # a blocked write would keep stop() from ever returning.
            _, writable, _ = select.select([], [self._fd], [], _WRITE_TIMEOUT_S)
            if not writable:
                raise DeviceError(DEVICE, REASON_NO_REPLY, "pty buffer full: peer not reading")
            try:
                view = view[os.write(self._fd, view):]
            except BlockingIOError:
                continue
            except OSError as exc:
                raise DeviceError(DEVICE, REASON_DISCONNECTED, f"pty write failed: {exc}") from exc

    def close(self) -> None:
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
