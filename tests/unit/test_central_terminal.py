"""central.terminal: what kiosk-admin prints of a kiosk's text shows control and format
characters as visible escapes, as text and as JSON, and changes nothing else."""

from __future__ import annotations

import json
import unicodedata

from central.terminal import dumps, printable
from kiosk.sync.wire_fleet import UNPRINTABLE_CATEGORIES

HOSTILE = "a\x1b[2J\x9b1m\u202e\u200b\u2028\r\n\t\x7f\ud800\U000e0041z"


def unprintable(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c) in UNPRINTABLE_CATEGORIES]


def test_printable_escapes_every_control_and_format_character() -> None:
    """GIVEN text with ESC, the one-byte CSI, bidi and zero-width marks, line and paragraph
    breaks, DEL, a lone surrogate and a tag character
    WHEN it is made printable
    THEN each is a visible escape and nothing else changed."""
    assert printable(HOSTILE) == ("a\\x1b[2J\\x9b1m\\u202e\\u200b\\u2028\\x0d\\x0a\\x09\\x7f"
                                  "\\ud800\\U000e0041z")
    assert printable("SH-CN-0001 打印机 épuisé") == "SH-CN-0001 打印机 épuisé"
    assert printable(12) == "12"


def test_dumps_is_json_of_the_same_data_without_raw_controls() -> None:
    """GIVEN data holding those characters in keys and values, and readable non-ASCII
    WHEN it is dumped for the terminal
    THEN the JSON decodes to the same data, keeps 打印机 readable, and holds no raw control
    or format character but its own line breaks (json.dumps alone leaves C1, bidi and
    line separators raw)."""
    data = {"kiosks": [{"last_error": HOSTILE, HOSTILE: "打印机"}], "n": 1}
    text = dumps(data)
    assert json.loads(text) == data
    assert "打印机" in text
    assert [c for c in unprintable(text) if c != "\n"] == []
    raw = json.dumps(data, ensure_ascii=False, indent=2)
    assert [c for c in unprintable(raw) if c != "\n"] != []  # why dumps exists
