"""Central's log cannot be forged or fed personal data by a client.

At the source, log lines carry values central chose or bounded (codes, counts, its own
references, keys that passed IDEMPOTENCY_KEY_PATTERN); ``shown`` bounds and escapes the
few client values a line must name, and ``validation_summary`` says what kind of input
was wrong without the field names (a client chooses those too: a passport number can be
a key of a payload).

Defence in depth: ``OneLineFormatter`` escapes every control character (newlines, ANSI
escapes, Unicode line separators, bidirectional overrides) in the final text of every
record, traceback included, so one record is always one line. ``install_on_root`` puts
it on the root logger's handlers (central/cli.py); ``uvicorn_log_config`` sends
uvicorn's records there too (central/server.py).
"""

from __future__ import annotations

import importlib
import logging
import re
from typing import Any

from pydantic import ValidationError

# C0 and C1 controls, DEL, and what terminals or viewers treat as a line break or a
# reordering: NEL is C1; U+2028/2029 separate lines; U+200E/F, U+202A-E and U+2066-9
# reorder text (CVE-2021-42574 "Trojan Source").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with every control character written as an escape (\\n, \\x1b, \\u2028)."""
    return _CONTROL.sub(_escape_one, text)


def shown(value: object, limit: int = 64) -> str:
    """A client's value fit for a log line: escaped, and cut to ``limit`` characters."""
    text = escape_controls(str(value))
    return text if len(text) <= limit else f"{text[:limit]}…"


def validation_summary(exc: ValidationError, limit: int = 5) -> str:
    """How many errors of which kinds (pydantic's own words), never where or what."""
    kinds = sorted({str(error["type"]) for error in exc.errors()})
    more = f",+{len(kinds) - limit}" if len(kinds) > limit else ""
    return f"{exc.error_count()} error(s): {','.join(kinds[:limit])}{more}"


class OneLineFormatter(logging.Formatter):
    """Formats with ``inner`` (a plain Formatter by default), then escapes control
    characters in the whole text: a record is one line whatever a client put in it."""

    def __init__(self, inner: logging.Formatter | None = None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return escape_controls(self.inner.format(record))

    @classmethod
    def wrapping(cls, inner: str, **options: Any) -> OneLineFormatter:
        """For logging.config.dictConfig: ``inner`` is a formatter class's dotted name,
        ``options`` its arguments."""
        module, _, name = inner.rpartition(".")
        formatter_class = getattr(importlib.import_module(module), name)
        return cls(formatter_class(**options))


def install_on_root() -> None:
    """Wrap the formatter of every handler of the root logger (once)."""
    for handler in logging.getLogger().handlers:
        current = handler.formatter
        if not isinstance(current, OneLineFormatter):
            handler.setFormatter(OneLineFormatter(current))


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's loggers without handlers of their own: their records go to the root
    logger's, so they come out in the one format (kiosk.logsetup), escaped like every
    other record (install_on_root)."""
    return {"version": 1, "disable_existing_loggers": False,
            "loggers": {name: {"handlers": [], "propagate": True}
                        for name in ("uvicorn", "uvicorn.error", "uvicorn.access")}}
