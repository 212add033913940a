"""A payment-code scanner simulator on a pseudo-terminal, with the unplugged, silent and
garbage faults and a control line (docs/hardware/payment-code-scanner.md).

The kiosk opens the path ``start_pty()`` returns as it would open the scanner's
``/dev/serial/by-id/...`` link: a symlink to the current pty. "unplugged" closes the pty
and removes the link; clearing it opens a new pty behind the same link, as udev does
when a USB-COM scanner comes back. ``scan`` sends a code's line at once, as the scanner
does the moment it decodes a code held to it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hardware.scanner.protocol import DEFAULT_SUFFIX, Suffix, encode_code
from hardware.sim.control import (
    GARBAGE,
    SILENT,
    UNPLUGGED,
    ControlServer,
    FaultSwitches,
    canonical_fault,
    fault_handler,
)
from hardware.sim.pty_link import PtyLink, PtySimulator

log = logging.getLogger(__name__)

FAULTS: dict[str, str] = {
    UNPLUGGED: "the scanner is unplugged: its pty closes and the link disappears until "
               "cleared",
    SILENT: "the scanner hangs: codes held to it send nothing",
    GARBAGE: "bytes that are not text before every code, and a line of them alone "
             "(skipped by the kiosk)",
}
# What a scanner with a flaky cable or a wrong baud rate might send: control bytes,
# bytes that are no UTF-8.
_NOISE = b"\x00\x07\x1b\xfe\xff\x02"


class ScannerSimulator(PtySimulator):
    def __init__(self, *, suffix: Suffix | str = DEFAULT_SUFFIX, link_dir: Path | None = None,
                 on_sent: Callable[[str], None] | None = None) -> None:
        self.suffix = Suffix(suffix)
        self._on_sent = on_sent
        self._lock = threading.Lock()
        self._line = PtyLink("scanner", link_dir)
        self._faults: set[str] = set()
        self._control: ControlServer | None = None
        self._control_handler = fault_handler(
            FaultSwitches(described=FAULTS, active=self._active, set=self.set_fault,
                          clear=self.clear_faults,
                          listing=lambda: {"suffix": self.suffix.value}),
            {"scan": self._scan_answer})

    # --- lifecycle ----------------------------------------------------------------------

    def start_pty(self) -> str:
        """Open a pty pair behind a stable link; returns the link's path."""
        if self.url is not None:
            raise RuntimeError("the simulator is already running")
        with self._lock:
            url = self._line.open()
        log.info("scanner simulator on %s (%s)", self.url, self.pty_path)
        return url

    def stop(self) -> None:
        self.stop_control()
        with self._lock:
            self._line.close()

    # --- codes and faults ---------------------------------------------------------------

    def scan(self, code: str) -> bool:
        """A code held to the scanner: its line goes out now. False when the scanner is
        unplugged or hung (nothing is sent, as with a real one)."""
        if not code or not code.isprintable():
            raise ValueError("a code is printable text, not empty")
        with self._lock:
            master = self._line.master
            if master is None or SILENT in self._faults:
                log.info("scanner simulator: code not sent (%s)",
                         "silent" if master is not None else "unplugged")
                return False
            if GARBAGE in self._faults:
                line = _NOISE + self.suffix.terminator + _NOISE + encode_code(code, self.suffix)
            else:
                line = encode_code(code, self.suffix)
            os.write(master, line)
        if self._on_sent is not None:
            self._on_sent(f"scanned a code of {len(code)} characters")
        return True

    def send_raw(self, data: bytes) -> None:
        """Put bytes on the line as they are: half a code, a line too long."""
        with self._lock:
            master = self._line.master
            if master is not None:
                os.write(master, data)

    def set_fault(self, name: str, value: object = True) -> None:
        """Switch a fault on (a false value: off). An unplug or a replug has taken effect
        on the line when this returns."""
        name = canonical_fault(name, FAULTS)
        with self._lock:
            if value in (False, 0, None, "", "off"):
                self._faults.discard(name)
            else:
                self._faults.add(name)
            self._follow_plug()

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._follow_plug()

    @property
    def faults(self) -> dict[str, object]:
        return self._active()

    def control(self, request: dict[str, Any]) -> dict[str, Any]:
        """One control-line request: faults, set, clear (hardware.sim.control) and
        ``{"cmd": "scan", "code": "281234567890123456"}``."""
        try:
            return self._control_handler(request)
        except (ValueError, RuntimeError, OSError) as exc:
            return {"ok": False, "error": str(exc)}

    def _active(self) -> dict[str, Any]:
        with self._lock:
            return dict.fromkeys(sorted(self._faults), True)

    def _scan_answer(self, request: dict[str, Any]) -> dict[str, Any]:
        code = request.get("code")
        if not isinstance(code, str | int) or isinstance(code, bool):
            raise ValueError("scan needs code=TEXT")
        return {"ok": True, "sent": self.scan(str(code))}

    # --- the pty and its link (lock held) -----------------------------------------------

    def _follow_plug(self) -> None:
        if UNPLUGGED in self._faults:
            self._line.unplug()
        elif self._line.master is None and self._line.url is not None:
            self._line.plug_in()
