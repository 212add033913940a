"""The keypad's line protocol (docs/hardware/keypad.md): each key press is its name in
ASCII followed by LF ("select\\n"); a CR before the LF is allowed. A line that names no
key is ignored, so a keypad with more keys than the kiosk knows does no harm."""

from __future__ import annotations

from hardware.base import Key

LF = b"\n"
MAX_LINE = 32  # longer than any key name: a line this long without LF is noise


def encode_key(key: Key) -> bytes:
    return key.value.encode("ascii") + LF


def decode_line(line: bytes) -> Key | None:
    """The key a line names, or None for anything else."""
    try:
        return Key(line.strip().decode("ascii").lower())
    except (UnicodeDecodeError, ValueError):
        return None
