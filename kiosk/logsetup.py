"""The one logging set-up of the kiosk's processes and of central (docs/operations.md#logs).

Every record goes to standard error (journald collects it under systemd, and reads its
level from an sd-daemon prefix such as ``<4>``) as one line:
its time in ISO 8601 with the kiosk's offset (``2026-11-22T10:15:30.123+08:00``, the
convention of kiosk.domain.clock.machine_timestamp), its level, its logger's name and
its message; or, with the JSON format, as one JSON object a line with the same fields.

Levels mean the same everywhere: ERROR, a person must act (a payment may be charged
and is not settled, a part crashed); WARNING, something is wrong now (a device gone,
central unreachable, a record refused); INFO, normal work, recoveries included (a
device back, central reachable again, a payment settled at start-up); DEBUG, detail for
developers. The heartbeat's "last error" and the technician screen list WARNING and
above only, so a recovery never shows up as an error.

Standard library only: central imports this module too (a written exception of the
dependency rule).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import IO, Literal
from zoneinfo import ZoneInfo

from kiosk.domain.clock import DEFAULT_ZONE, machine_timestamp

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

# python-escpos logs "Network printer enabled" and "Closing Network connection to
# printer ..." with logging.info() on the root logger at every connection: the kiosk
# connects for every status poll, two lines every 10 s (about 17,000 a day). A logger
# name cannot tell them apart (they are the root logger's), their source file can.
QUIET_LIBRARIES = ("escpos",)


def package_folder(name: str) -> str | None:
    """Where an installed package's files are, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(Path(next(iter(spec.submodule_search_locations))).resolve())


class LibraryInfoIsDebug(logging.Filter):
    """INFO records a library logs on the root logger become DEBUG: kept when debug
    logging is on (``-v``), dropped otherwise. Records of any other source, and the
    libraries' warnings and errors, pass unchanged."""

    def __init__(self, folders: Iterable[str]) -> None:
        super().__init__()
        self.folders = tuple(folder.rstrip("/") + "/" for folder in folders)

    def filter(self, record: logging.LogRecord) -> bool:
        if (record.levelno != logging.INFO or record.name != "root" or not self.folders
                or not str(Path(record.pathname).resolve()).startswith(self.folders)):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)


class ZonedFormatter(logging.Formatter):
    """``TIME LEVEL logger: message``, TIME in ISO 8601 with the zone's offset."""

    def __init__(self, zone: str = DEFAULT_ZONE) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        self.zone = ZoneInfo(zone)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        return machine_timestamp(datetime.fromtimestamp(record.created, self.zone),
                                 timespec="milliseconds")


class JsonFormatter(ZonedFormatter):
    """One JSON object a line: time, level, logger, message, and the exception's
    traceback as ``exception`` when there is one. ASCII only (every other character
    escaped), so no value can break the line or reorder what a terminal shows."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=True)


# sd-daemon(3) priorities: journald files a line starting "<4>" as a warning, so
# `journalctl -p warning` finds it (a line without one is filed as info).
JOURNAL_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
                    logging.CRITICAL: 2}


def stderr_is_journal(stream: IO[str] | None = None) -> bool:
    """Whether standard error (or ``stream``) is journald's: systemd names the stream it
    connected in $JOURNAL_STREAM ("device:inode")."""
    expected = os.environ.get("JOURNAL_STREAM", "")
    if not expected:
        return False
    try:
        info = os.fstat((stream if stream is not None else sys.stderr).fileno())
    except (AttributeError, OSError, ValueError):
        return False
    return f"{info.st_dev}:{info.st_ino}" == expected


class JournalPriority(logging.Formatter):
    """``inner``'s line after its sd-daemon priority prefix (``<4>``), which journald
    takes off and keeps as the record's priority."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        priority = JOURNAL_PRIORITY.get(record.levelno, 6 if record.levelno < 30 else 3)
        return f"<{priority}>{self.inner.format(record)}"


class _OurHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler configure_logging puts on the root logger (replaced, not added to,
    when it runs again). Without a stream of its own it writes to whatever sys.stderr
    is at the time, as print() does: a caller (a test) may have replaced it since."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        super().__init__(stream)
        self._explicit = stream  # StreamHandler would have fixed sys.stderr as it is now

    @property
    def stream(self) -> IO[str]:
        return self._explicit if self._explicit is not None else sys.stderr

    @stream.setter
    def stream(self, value: IO[str] | None) -> None:
        self._explicit = value


def make_formatter(log_format: LogFormat = "text", zone: str = DEFAULT_ZONE) -> logging.Formatter:
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format {log_format!r} is not one of {', '.join(LOG_FORMATS)}")
    return JsonFormatter(zone) if log_format == "json" else ZonedFormatter(zone)


def configure_logging(level: int | str = logging.INFO, log_format: LogFormat = "text", *,
                      zone: str = DEFAULT_ZONE, stream: IO[str] | None = None,
                      quiet_libraries: Iterable[str] = QUIET_LIBRARIES) -> logging.Handler:
    """Put one stderr handler (or ``stream``'s) with this format on the root logger at
    ``level``; a second call replaces the first's handler. Returns the handler."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _OurHandler):
            root.removeHandler(handler)
    handler = _OurHandler(stream)
    formatter = make_formatter(log_format, zone)
    handler.setFormatter(JournalPriority(formatter) if stderr_is_journal(stream) else formatter)
    folders = [folder for name in quiet_libraries if (folder := package_folder(name))]
    handler.addFilter(LibraryInfoIsDebug(folders))
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for noisy in ("kivy", "uvicorn.access", "PIL", "asyncio", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.ERROR)  # its retries are ours to report
    return handler
