"""Fault switches of the printer simulator and the DLE EOT status bytes they produce.

Status bytes follow the Epson ESC/POS reference (bits 1 and 4 always set): n=1 printer
status, n=2 offline cause, n=3 error cause, n=4 roll paper sensor.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields
from enum import StrEnum


class Fault(StrEnum):
    PAPER_OUT = "paper_out"  # status: paper out; bytes received while out are not printed
    PAPER_NEAR_END = "paper_near_end"  # status only: near end, still printing
    COVER_OPEN = "cover_open"  # status: cover open (offline); nothing printed meanwhile
    OFFLINE = "offline"  # status: offline with no other cause; nothing printed meanwhile
    ERROR = "error"  # status: autocutter error (offline); nothing printed meanwhile
    SILENT = "silent"  # no reply to DLE EOT at all (prints normally)
    GARBAGE = "garbage"  # replies 0xFF to DLE EOT (not a valid status byte)
    PAPER_OUT_AFTER_LINES = "paper_out_after_lines"  # =N: paper runs out after N lines
    DISCONNECT_MID_JOB = "disconnect_mid_job"  # =N: drop the link after N bytes of a job
    UNPLUGGED = "unplugged"  # TCP: connections closed at once; pty: every byte ignored
    BAUD = "baud"  # =N: a serial line of N baud: bytes in and replies out at N/10 per second


# What each fault does, as the control line's `faults` lists it (docs/hardware/printer.md).
FAULTS: dict[str, str] = {
    Fault.PAPER_OUT: "status: paper out; bytes received while out are not printed",
    Fault.PAPER_NEAR_END: "status: roll paper near its end; still printing",
    Fault.COVER_OPEN: "status: cover open (offline); nothing printed meanwhile",
    Fault.OFFLINE: "status: offline with no other cause; nothing printed meanwhile",
    Fault.ERROR: "status: autocutter error (offline); nothing printed meanwhile",
    Fault.SILENT: "no reply to DLE EOT at all (prints normally)",
    Fault.GARBAGE: "replies 0xFF to DLE EOT (not a valid status byte)",
    Fault.PAPER_OUT_AFTER_LINES: "=N: the paper runs out after N more lines",
    Fault.DISCONNECT_MID_JOB: "=N: the link drops after N bytes of the next job (once)",
    Fault.UNPLUGGED: "TCP: connections are closed at once; pty: every byte is ignored",
    Fault.BAUD: "=N: a serial line of N baud (bytes in and replies out at N/10 a second)",
}

_BASE = 0x12  # bits 1 and 4 are fixed on in every status byte


def _baud(value: bool | int) -> int | None:
    if value is False:
        return None  # off: full speed again
    if isinstance(value, bool) or int(value) <= 0:
        raise ValueError("baud needs a line speed in baud, e.g. baud=115200")
    return int(value)


@dataclass
class _Switches:
    paper_out: bool = False
    paper_near_end: bool = False
    cover_open: bool = False
    offline: bool = False
    error: bool = False
    silent: bool = False
    garbage: bool = False
    paper_out_after_lines: int | None = None
    disconnect_mid_job: int | None = None
    unplugged: bool = False
    baud: int | None = None


class FaultState:
    """Thread-safe fault switches shared by the simulator's connections."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._switches = _Switches()
        self._lines_left: int | None = None

    def set(self, name: str | Fault, value: bool | int = True) -> None:
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
        if not isinstance(value, bool | int):
            raise ValueError(f"{name}: the value is true, false or a whole number")
        fault = Fault(name)
        with self._lock:
            if fault in (Fault.PAPER_OUT_AFTER_LINES, Fault.DISCONNECT_MID_JOB):
                count = None if value is False else int(value)
                if count is not None and count < 0:
                    raise ValueError(f"{fault.value} needs a count >= 0")
                setattr(self._switches, fault.value, count)
                if fault is Fault.PAPER_OUT_AFTER_LINES:
                    self._lines_left = count
                    if count == 0:  # no paper left at all
                        self._switches.paper_out_after_lines = self._lines_left = None
                        self._switches.paper_out = True
            elif fault is Fault.BAUD:
                self._switches.baud = _baud(value)
            else:
                setattr(self._switches, fault.value, bool(value))

    def clear(self) -> None:
        with self._lock:
            self._switches = _Switches()
            self._lines_left = None

    def active(self) -> dict[str, bool | int]:
        """Faults that are on, for logs and the command line."""
        with self._lock:
            result: dict[str, bool | int] = {}
            for item in fields(self._switches):
                value = getattr(self._switches, item.name)
                if value not in (False, None):
                    result[item.name] = value
            return result

    # --- what the interpreter asks ---------------------------------------------------

    def can_print(self) -> bool:
        with self._lock:
            s = self._switches
            return not (s.paper_out or s.cover_open or s.offline or s.error)

    def count_printed_line(self) -> bool:
        """Count one printed line; True when this line used the last of the paper."""
        with self._lock:
            if self._lines_left is None:
                return False
            self._lines_left -= 1
            if self._lines_left > 0:
                return False
            self._lines_left = None
            self._switches.paper_out_after_lines = None
            self._switches.paper_out = True
            return True

    def unplugged(self) -> bool:
        with self._lock:
            return self._switches.unplugged

    def baud(self) -> int | None:
        """The emulated line speed in baud, None for full speed."""
        with self._lock:
            return self._switches.baud

    def disconnect_after(self) -> int | None:
        with self._lock:
            return self._switches.disconnect_mid_job

    def take_disconnect(self) -> None:
        """The disconnect fault fires once; the next connection works."""
        with self._lock:
            self._switches.disconnect_mid_job = None

    def status_reply(self, n: int) -> bytes:
        """Reply to DLE EOT n: one status byte, nothing when silent, 0xFF for garbage."""
        with self._lock:
            s = self._switches
            if s.silent:
                return b""
            if s.garbage:
                return b"\xff"
            offline = s.paper_out or s.cover_open or s.offline or s.error
            if n == 1:
                byte = _BASE | (0x08 if offline else 0)
            elif n == 2:
                byte = (_BASE | (0x04 if s.cover_open else 0) | (0x20 if s.paper_out else 0)
                        | (0x40 if s.error else 0))
            elif n == 3:
                byte = _BASE | (0x08 if s.error else 0)
            elif n == 4:
                byte = (_BASE | (0x0C if s.paper_near_end or s.paper_out else 0)
                        | (0x60 if s.paper_out else 0))
            else:
                return b""  # not a status the printer knows: no reply
            return bytes((byte,))
