"""What a simulator of a device that only sends lines has (the keypad's keys, the
payment-code scanner's codes): a pty behind a stable link (PtySimulator), the three
faults such a device has (unplugged, hung, a noisy line) and the control line that
switches them and sends what a person does (a key pressed, a code held up)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

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

Answer = Callable[[dict[str, Any]], dict[str, Any]]


class LineDeviceSimulator(PtySimulator):
    """Subclasses name the device, describe its FAULTS (keys among UNPLUGGED, SILENT,
    GARBAGE) and add their control verbs; they send with ``_send``."""

    def __init__(self, name: str, faults: dict[str, str], *, link_dir: Path | None,
                 on_sent: Callable[[str], None] | None,
                 listing: Callable[[], dict[str, Any]], verbs: dict[str, Answer]) -> None:
        self.name = name
        self._described = faults
        self._on_sent = on_sent  # one line per thing sent: what, never its content
        self._lock = threading.Lock()
        self._line = PtyLink(name, link_dir)
        self._faults: set[str] = set()
        self._control: ControlServer | None = None
        self._control_handler = fault_handler(
            FaultSwitches(described=faults, active=self._active, set=self.set_fault,
                          clear=self.clear_faults, listing=listing), verbs)

    # --- lifecycle ----------------------------------------------------------------------

    def start_pty(self) -> str:
        """Open a pty pair behind a stable link; returns the link's path."""
        if self.url is not None:
            raise RuntimeError("the simulator is already running")
        with self._lock:
            url = self._line.open()
        log.info("%s simulator on %s (%s)", self.name, url, self.pty_path)
        return url

    def stop(self) -> None:
        self.stop_control()
        with self._lock:
            self._line.close()

    # --- the line -----------------------------------------------------------------------

    def _send(self, line: bytes, noise: bytes, sent: str) -> bool:
        """Write ``line`` now (after ``noise`` while the garbage fault is on); False and
        nothing written while unplugged or hung. ``sent`` goes to on_sent."""
        with self._lock:
            master = self._line.master
            if master is None or SILENT in self._faults:
                log.info("%s simulator: nothing sent (%s)", self.name,
                         "silent" if master is not None else "unplugged")
                return False
            os.write(master, (noise if GARBAGE in self._faults else b"") + line)
        if self._on_sent is not None:
            self._on_sent(sent)
        return True

    def send_raw(self, data: bytes) -> None:
        """Put bytes on the line as they are: half a line, a line too long."""
        with self._lock:
            master = self._line.master
            if master is not None:
                os.write(master, data)

    # --- faults and the control line ----------------------------------------------------

    def set_fault(self, name: str, value: object = True) -> None:
        """Switch a fault on (a false value: off). An unplug or a replug has taken effect
        on the line when this returns."""
        name = canonical_fault(name, self._described)
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
        """One control-line request: faults, set, clear (hardware.sim.control) and the
        device's own verbs."""
        try:
            return self._control_handler(request)
        except (ValueError, RuntimeError, OSError) as exc:
            return {"ok": False, "error": str(exc)}

    def _active(self) -> dict[str, Any]:
        with self._lock:
            return dict.fromkeys(sorted(self._faults), True)

    def _follow_plug(self) -> None:  # lock held
        if UNPLUGGED in self._faults:
            self._line.unplug()
        elif self._line.master is None and self._line.url is not None:
            self._line.plug_in()
