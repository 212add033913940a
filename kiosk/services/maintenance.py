"""The nightly restart window (docs/operations.md#maintenance): once a night, while
nobody uses the kiosk, the kiosk process ends cleanly and its supervisor (systemd,
Restart=always) starts it again, so a kiosk that runs for months starts each day fresh
(its heap, its device connections, its threads).

The decision is a pure function of explicit times (``decide_restart``), so every case
is a unit test. ``NightlyRestart`` feeds it the clock and the process's uptime (from
the monotonic clock: a wall clock set right after boot must not make a fresh process
look old) and keeps the time of the last nightly restart in a file of the data folder,
so the kiosk restarts at most once per window, whatever its minimum uptime.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time as clock_time, timedelta
from enum import StrEnum
from pathlib import Path

from kiosk.services.ports import Clock

log = logging.getLogger(__name__)

RESTART_MARKER_FILE = "nightly-restart"  # in the data folder: when the last one happened
RESTART_CHECK_S = 15.0  # how often the UI asks whether the restart is due (its default)
DAY = timedelta(days=1)
_WINDOW = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])")


@dataclass(frozen=True)
class RestartWindow:
    """A daily span of local time, "03:00-04:00"; an end before the start crosses
    midnight ("23:30-00:30")."""

    start: clock_time
    end: clock_time

    @classmethod
    def parse(cls, text: str) -> RestartWindow:
        match = _WINDOW.fullmatch(text)
        if match is None:
            raise ValueError(f"restart window {text!r} is not HH:MM-HH:MM")
        hour, minute, end_hour, end_minute = (int(part) for part in match.groups())
        start, end = clock_time(hour, minute), clock_time(end_hour, end_minute)
        if start == end:
            raise ValueError(f"restart window {text!r} is empty")
        return cls(start, end)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def length(self) -> timedelta:
        start = timedelta(hours=self.start.hour, minutes=self.start.minute)
        end = timedelta(hours=self.end.hour, minutes=self.end.minute)
        return (end - start) % DAY

    def opened(self, now: datetime) -> datetime | None:
        """When the window that holds ``now`` opened (in ``now``'s zone); None when
        ``now`` is outside it."""
        opens = now.replace(hour=self.start.hour, minute=self.start.minute, second=0,
                            microsecond=0)
        if opens > now:
            opens -= DAY  # a window that crosses midnight opened yesterday
        return opens if now < opens + self.length else None


class Verdict(StrEnum):
    RESTART = "restart"
    OFF = "no restart window"
    OUTSIDE = "outside the window"
    DONE = "already restarted in this window"
    FRESH = "started too recently"
    BUSY = "in use"


@dataclass(frozen=True)
class RestartDecision:
    verdict: Verdict
    window_opened: datetime | None = None  # the window now is in, if any

    @property
    def restart(self) -> bool:
        return self.verdict is Verdict.RESTART


def decide_restart(now: datetime, *, window: RestartWindow | None, up_since: datetime,
                   last_restart: datetime | None, min_uptime: timedelta,
                   busy: bool) -> RestartDecision:
    """Restart now? Only inside the window, once per window (``last_restart`` before it
    opened), after ``min_uptime`` (a kiosk that just booted is fresh), and never while
    someone uses the kiosk (``busy``: a session, a payment, a print, technician mode).
    A window that closes while the kiosk is busy is missed: the next night's counts."""
    if window is None:
        return RestartDecision(Verdict.OFF)
    opened = window.opened(now)
    if opened is None:
        return RestartDecision(Verdict.OUTSIDE)
    if last_restart is not None and last_restart >= opened:
        return RestartDecision(Verdict.DONE, opened)
    if now - up_since < min_uptime:
        return RestartDecision(Verdict.FRESH, opened)
    if busy:
        return RestartDecision(Verdict.BUSY, opened)
    return RestartDecision(Verdict.RESTART, opened)


class NightlyRestart:
    """Asked by the UI while the kiosk rests (``due``); True means: stop now, the
    restart is recorded. The time of the last one is kept in ``RESTART_MARKER_FILE``:
    a restart that cannot be recorded (a full disk) is not made, or a kiosk with a short
    minimum uptime would restart over and over inside one window."""

    def __init__(self, window: RestartWindow | None, data_dir: Path, clock: Clock, *,
                 min_uptime: timedelta,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.path = data_dir / RESTART_MARKER_FILE
        self.clock = clock
        self.min_uptime = min_uptime
        self._monotonic = monotonic
        self._started = monotonic()
        self.last_restart = self._read_marker()
        self._busy_in: datetime | None = None  # a window the kiosk was busy in
        self._unrecorded_in: datetime | None = None  # a window whose restart could not be kept

    def up_since(self, now: datetime | None = None) -> datetime:
        """When this process started, by the monotonic clock."""
        now = now if now is not None else self.clock.now()
        return now - timedelta(seconds=self._monotonic() - self._started)

    def due(self, busy: bool) -> bool:
        now = self.clock.now()
        up_since = self.up_since(now)
        decision = decide_restart(now, window=self.window, up_since=up_since,
                                  last_restart=self.last_restart,
                                  min_uptime=self.min_uptime, busy=busy)
        self._note_missed(decision)
        if not decision.restart:
            return False
        try:
            self._write_marker(now)
        except OSError as exc:
            if self._unrecorded_in != decision.window_opened:
                self._unrecorded_in = decision.window_opened
                log.warning("nightly restart skipped: %s cannot be written (%s)", self.path,
                            exc.strerror or type(exc).__name__)
            return False
        self.last_restart = now
        hours = (now - up_since).total_seconds() / 3600
        log.info("nightly restart: %s is in the restart window %s, up since %s (%.1f h), "
                 "nobody is using the kiosk: stopping, to be started again",
                 now.isoformat(timespec="seconds"), self.window,
                 up_since.isoformat(timespec="seconds"), hours)
        return True

    def _note_missed(self, decision: RestartDecision) -> None:
        """Say once when a window closed while the kiosk was in use the whole time."""
        if decision.verdict is Verdict.BUSY:
            self._busy_in = decision.window_opened
        elif decision.verdict is Verdict.OUTSIDE and self._busy_in is not None:
            log.info("nightly restart missed: the kiosk was in use until the window %s "
                     "closed; next night", self.window)
            self._busy_in = None
        elif decision.restart:
            self._busy_in = None

    def _read_marker(self) -> datetime | None:
        try:
            text = self.path.read_text(encoding="ascii").strip()
            moment = datetime.fromisoformat(text)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, UnicodeDecodeError):
            log.warning("nightly restart: %s is unreadable; taken as no restart yet", self.path)
            return None
        return moment if moment.tzinfo is not None else None

    def _write_marker(self, now: datetime) -> None:
        """Atomically, 0600 like everything in the data folder (kiosk.private_files)."""
        staged = self.path.with_name(self.path.name + ".new")
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as marker:
            marker.write(now.isoformat() + "\n")
            marker.flush()
            os.fsync(marker.fileno())
        os.replace(staged, self.path)
