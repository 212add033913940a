"""A tactile keypad simulator on a pseudo-terminal, with the unplugged fault and a
control line (docs/hardware/keypad.md).

The kiosk opens the path ``start_pty()`` returns as it would open the keypad's
``/dev/serial/by-id/...`` link: a symlink to the current pty. "unplugged" closes the pty
and removes the link; clearing it opens a new pty behind the same link, as udev does
when a USB-serial keypad comes back. ``press`` writes a key's line at once.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hardware.base import Key
from hardware.keypad.protocol import encode_key
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
    UNPLUGGED: "the keypad is unplugged: its pty closes and the link disappears until cleared",
    SILENT: "the keypad hangs: keys pressed send nothing",
    GARBAGE: "a line of bytes naming no key before every key (skipped by the kiosk)",
}
_GARBAGE_LINE = b"\x07\x1b[0~noise\r\n"  # what a confused keypad might send


class KeypadSimulator(PtySimulator):
    def __init__(self, *, link_dir: Path | None = None,
                 on_sent: Callable[[str], None] | None = None) -> None:
        self._on_sent = on_sent
        self._lock = threading.Lock()
        self._line = PtyLink("keypad", link_dir)
        self._faults: set[str] = set()
        self._control: ControlServer | None = None
        self._control_handler = fault_handler(
            FaultSwitches(described=FAULTS, active=self._active, set=self.set_fault,
                          clear=self.clear_faults,
                          listing=lambda: {"keys": [key.value for key in Key]}),
            {"press": self._press_answer})

    # --- lifecycle ----------------------------------------------------------------------

    def start_pty(self) -> str:
        """Open a pty pair behind a stable link; returns the link's path."""
        if self.url is not None:
            raise RuntimeError("the simulator is already running")
        with self._lock:
            url = self._line.open()
        log.info("keypad simulator on %s (%s)", self.url, self.pty_path)
        return url

    def stop(self) -> None:
        self.stop_control()
        with self._lock:
            self._line.close()

    # --- keys and faults ----------------------------------------------------------------

    def press(self, key: Key | str) -> bool:
        """Press ``key`` (a Key or its name): its line goes out now. False when the
        keypad is unplugged (nothing is sent, as with a real one)."""
        key = Key(key)
        with self._lock:
            master = self._line.master
            if master is None or SILENT in self._faults:
                log.info("keypad simulator: %s not sent (%s)", key.value,
                         "silent" if master is not None else "unplugged")
                return False
            noise = _GARBAGE_LINE if GARBAGE in self._faults else b""
            os.write(master, noise + encode_key(key))
        if self._on_sent is not None:
            self._on_sent(f"pressed {key.value}")
        return True

    def send_raw(self, data: bytes) -> None:
        """Put bytes on the line as they are: a line naming no key, half a line."""
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
        ``{"cmd": "press", "key": "select"}``."""
        try:
            return self._control_handler(request)
        except (ValueError, RuntimeError, OSError) as exc:
            return {"ok": False, "error": str(exc)}

    def _active(self) -> dict[str, Any]:
        with self._lock:
            return dict.fromkeys(sorted(self._faults), True)

    def _press_answer(self, request: dict[str, Any]) -> dict[str, Any]:
        key = str(request.get("key", ""))
        try:
            sent = self.press(key)
        except ValueError:
            raise ValueError(f"unknown key {key!r}; known: "
                             f"{', '.join(k.value for k in Key)}") from None
        return {"ok": True, "pressed": key, "sent": sent}

    # --- the pty and its link (lock held) -----------------------------------------------

    def _follow_plug(self) -> None:
        if UNPLUGGED in self._faults:
            self._line.unplug()
        elif self._line.master is None and self._line.url is not None:
            self._line.plug_in()
