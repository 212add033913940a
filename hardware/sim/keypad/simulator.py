"""A tactile keypad simulator on a pseudo-terminal, with the unplugged fault and a
control line (docs/hardware/keypad.md).

The kiosk opens the path ``start_pty()`` returns as it would open the keypad's
``/dev/serial/by-id/...`` link: a symlink to the current pty. "unplugged" closes the pty
and removes the link; clearing it opens a new pty behind the same link, as udev does
when a USB-serial keypad comes back. ``press`` writes a key's line at once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hardware.base import Key
from hardware.keypad.protocol import encode_key
from hardware.sim.control import GARBAGE, SILENT, UNPLUGGED
from hardware.sim.line_device import LineDeviceSimulator

FAULTS: dict[str, str] = {
    UNPLUGGED: "the keypad is unplugged: its pty closes and the link disappears until cleared",
    SILENT: "the keypad hangs: keys pressed send nothing",
    GARBAGE: "a line of bytes naming no key before every key (skipped by the kiosk)",
}
_GARBAGE_LINE = b"\x07\x1b[0~noise\r\n"  # what a confused keypad might send


class KeypadSimulator(LineDeviceSimulator):
    def __init__(self, *, link_dir: Path | None = None,
                 on_sent: Callable[[str], None] | None = None) -> None:
        super().__init__("keypad", FAULTS, link_dir=link_dir, on_sent=on_sent,
                         listing=lambda: {"keys": [key.value for key in Key]},
                         verbs={"press": self._press_answer})

    def press(self, key: Key | str) -> bool:
        """Press ``key`` (a Key or its name): its line goes out now. False when the
        keypad is unplugged or hung (nothing is sent, as with a real one)."""
        key = Key(key)
        return self._send(encode_key(key), _GARBAGE_LINE, f"pressed {key.value}")

    def _press_answer(self, request: dict[str, Any]) -> dict[str, Any]:
        key = str(request.get("key", ""))
        try:
            sent = self.press(key)
        except ValueError:
            raise ValueError(f"unknown key {key!r}; known: "
                             f"{', '.join(k.value for k in Key)}") from None
        return {"ok": True, "pressed": key, "sent": sent}
