"""The tactile keypad driver: one key name per line over a serial line
(docs/hardware/keypad.md)."""

from hardware.keypad.adapter import SerialKeypad, open_keypad
from hardware.keypad.protocol import decode_line, encode_key

__all__ = ["SerialKeypad", "decode_line", "encode_key", "open_keypad"]
