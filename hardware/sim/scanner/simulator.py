"""A payment-code scanner simulator on a pseudo-terminal, with the unplugged, silent and
garbage faults and a control line (docs/hardware/payment-code-scanner.md).

The kiosk opens the path ``start_pty()`` returns as it would open the scanner's
``/dev/serial/by-id/...`` link: a symlink to the current pty. "unplugged" closes the pty
and removes the link; clearing it opens a new pty behind the same link, as udev does
when a USB-COM scanner comes back. ``scan`` sends a code's line at once, as the scanner
does the moment it decodes a code held to it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hardware.scanner.protocol import DEFAULT_SUFFIX, Suffix, encode_code
from hardware.sim.control import GARBAGE, SILENT, UNPLUGGED
from hardware.sim.line_device import LineDeviceSimulator

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


class ScannerSimulator(LineDeviceSimulator):
    def __init__(self, *, suffix: Suffix | str = DEFAULT_SUFFIX, link_dir: Path | None = None,
                 on_sent: Callable[[str], None] | None = None) -> None:
        self.suffix = Suffix(suffix)
        super().__init__("scanner", FAULTS, link_dir=link_dir, on_sent=on_sent,
                         listing=lambda: {"suffix": self.suffix.value},
                         verbs={"scan": self._scan_answer})

    def scan(self, code: str) -> bool:
        """A code held to the scanner: its line goes out now. False when the scanner is
        unplugged or hung (nothing is sent, as with a real one)."""
        if not code or not code.isprintable():
            raise ValueError("a code is printable text, not empty")
        return self._send(encode_code(code, self.suffix),
                          _NOISE + self.suffix.terminator + _NOISE,
                          f"scanned a code of {len(code)} characters")

    def _scan_answer(self, request: dict[str, Any]) -> dict[str, Any]:
        code = request.get("code")
        if not isinstance(code, str | int) or isinstance(code, bool):
            raise ValueError("scan needs code=TEXT")
        return {"ok": True, "sent": self.scan(str(code))}
