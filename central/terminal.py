"""Text a kiosk sent, made safe for an operator's terminal (kiosk-admin).

Central bounds what it takes, but a database can hold rows from before that, or from a
kiosk that was compromised: an escape sequence (ESC, or the one-byte CSI U+009B), a
carriage return, a line break or a bidirectional override in a kiosk's error line would
otherwise rewrite the operator's screen or forge table rows. Such characters (Unicode
categories Cc, Cf, Cs, Zl, Zp, as the wire refuses them in heartbeats) are shown as
visible escapes instead: ``\\x1b``, ``\\u202e``.

``json.dumps`` escapes C0 controls but, with ``ensure_ascii=False``, neither C1 controls,
bidirectional overrides nor line separators, and a lone surrogate makes printing fail;
``dumps`` escapes them all and stays valid JSON that decodes to the same data.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from kiosk.sync.wire_fleet import UNPRINTABLE_CATEGORIES


def _unprintable(char: str) -> bool:
    return unicodedata.category(char) in UNPRINTABLE_CATEGORIES


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(value: object) -> str:
    """``str(value)`` with every control and format character as a visible escape."""
    text = str(value)
    if not any(_unprintable(char) for char in text):
        return text
    return "".join(_escape(char) if _unprintable(char) else char for char in text)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON writes characters beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def dumps(data: Any) -> str:
    """JSON for a terminal: non-ASCII text stays readable, control and format characters
    are \\u escapes. They can only occur inside JSON strings (the syntax is ASCII), where
    an escape decodes to the same character."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    # json.dumps already wrote C0 controls inside strings as escapes: a raw line break is
    # the indentation's own.
    return "".join(_json_escape(char) if char != "\n" and _unprintable(char) else char
                   for char in text)
