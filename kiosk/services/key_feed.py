"""The tactile keypad's keys for the UI (ports.KeyInput) from the keypad device
(hardware.base.Keypad): a keypad that is gone is no error the UI must handle, only a
device status (the driver logs the outage once)."""

from __future__ import annotations

import time

from hardware.base import DeviceError, Keypad


class KeyFeed:
    def __init__(self, keypad: Keypad) -> None:
        self.keypad = keypad

    def next_key(self, timeout_s: float) -> str | None:
        try:
            key = self.keypad.read_key(timeout_s)
        except DeviceError:
            time.sleep(timeout_s)  # gone: try again later, without spinning
            return None
        return key.value if key is not None else None
