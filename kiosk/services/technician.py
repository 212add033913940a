"""Technician mode, the plain-Python part: the PIN (a salted PBKDF2 hash in config,
checked in constant time, locked after too many wrong tries), the hidden tap gesture
that opens it, the out-of-service switch (kept in a small file so it survives a
restart) and a ring buffer of the last warnings for the technician screen.

The lockout counter lives in memory: a restart of the kiosk process resets it (a
restart needs physical access or an SSH login, which is a stronger credential).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.domain.clock import DEFAULT_ZONE, machine_timestamp
from kiosk.services.central_mark import CentralMark
from kiosk.services.ports import TechnicianPort
from kiosk.services.technician_events import PIN_ACCEPTED, PIN_LOCKED_OUT, TechnicianEvents

log = logging.getLogger(__name__)

ALGORITHM = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 200_000  # about 0.1 s here: slow enough against guessing a stolen hash
SALT_BYTES = 16
OUT_OF_SERVICE_FILE = "out-of-service"
LINE_MAX = 300  # the wire's LAST_ERROR_MAX: the heartbeat sends the newest line as is
RECENT_ERRORS_KEPT = 20


# --- the PIN ---------------------------------------------------------------------------


def hash_pin(pin: str, *, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>`` for technician.pin_hash."""
    if not pin:
        raise ValueError("the PIN is empty")
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return "$".join((ALGORITHM, str(iterations), base64.b64encode(salt).decode(),
                     base64.b64encode(digest).decode()))


def verify_pin(pin: str, pin_hash: str) -> bool:
    """True when ``pin`` matches ``pin_hash``; False for a malformed or empty hash.
    The digests are compared in constant time."""
    try:
        algorithm, iterations, salt_b64, hash_b64 = pin_hash.split("$")
        if algorithm != ALGORITHM:
            return False
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(hash_b64, validate=True)
        rounds = int(iterations)
    except ValueError:  # wrong number of fields, bad base64 or iteration count
        return False
    if rounds < 1 or not expected:
        return False
    actual = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, rounds)
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class PinCheck:
    """The answer to one PIN attempt."""

    ok: bool
    tries_left: int  # before the lockout (0 once locked)
    locked_for_s: float = 0.0  # > 0: locked, try again after this many seconds
    configured: bool = True  # False: no PIN in config, technician mode cannot be opened


class PinGate:
    """Checks PINs against the configured hash; after ``max_tries`` wrong ones in a row
    it refuses every attempt (right or wrong) for ``lockout_s`` seconds. An accepted PIN
    and a lockout are technician events for central's audit trail (``events``)."""

    def __init__(self, pin_hash: str, *, max_tries: int = 5, lockout_s: float = 300.0,
                 monotonic: Callable[[], float] = time.monotonic,
                 events: TechnicianEvents | None = None) -> None:
        if max_tries < 1 or lockout_s <= 0:
            raise ValueError("max_tries must be >= 1 and lockout_s positive")
        self.pin_hash = pin_hash
        self.max_tries = max_tries
        self.lockout_s = lockout_s
        self._monotonic = monotonic
        self._wrong = 0
        self._locked_until = 0.0
        self._lock = threading.Lock()  # checks run on a worker thread
        self.events = events

    @property
    def configured(self) -> bool:
        return bool(self.pin_hash)

    def locked_for(self) -> float:
        """Seconds left of the lockout (0 when not locked)."""
        return max(0.0, self._locked_until - self._monotonic())

    @property
    def tries_left(self) -> int:
        return 0 if self.locked_for() else self.max_tries - self._wrong

    def check(self, pin: str) -> PinCheck:
        result, locks_out = self._check(pin)
        if self.events is not None:  # after the lock: the outbox write may take a moment
            if result.ok:
                self.events.record(PIN_ACCEPTED, "ok")
            elif locks_out:
                self.events.record(PIN_LOCKED_OUT, "refused",
                                   details={"tries": self.max_tries,
                                            "locked_for_s": round(self.lockout_s)})
        return result

    def _check(self, pin: str) -> tuple[PinCheck, bool]:
        """The answer, and whether this attempt started a lockout."""
        with self._lock:
            if not self.configured:
                return PinCheck(ok=False, tries_left=0, configured=False), False
            locked = self.locked_for()
            if locked:
                return PinCheck(ok=False, tries_left=0, locked_for_s=locked), False
            if self._locked_until:  # a lockout ran out: a fresh set of tries
                self._locked_until = 0.0
                self._wrong = 0
            if verify_pin(pin, self.pin_hash):
                self._wrong = 0
                log.info("technician PIN accepted")
                return PinCheck(ok=True, tries_left=self.max_tries), False
            self._wrong += 1
            if self._wrong >= self.max_tries:
                self._locked_until = self._monotonic() + self.lockout_s
                log.warning("technician PIN wrong %d times: locked for %.0f s",
                            self._wrong, self.lockout_s)
                return PinCheck(ok=False, tries_left=0, locked_for_s=self.lockout_s), True
            log.warning("technician PIN wrong (%d of %d)", self._wrong, self.max_tries)
            return PinCheck(ok=False, tries_left=self.max_tries - self._wrong), False


# --- the hidden gesture ----------------------------------------------------------------


class TapSequence:
    """``count`` taps within ``within_s`` seconds (in the hidden corner) open the PIN
    screen. A slower tap starts the count again from that tap."""

    def __init__(self, count: int = 5, within_s: float = 3.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.count = count
        self.within_s = within_s
        self._monotonic = monotonic
        self._taps: deque[float] = deque(maxlen=count)

    def tap(self) -> bool:
        """One tap in the corner; True when it completes the gesture (then reset)."""
        now = self._monotonic()
        self._taps.append(now)
        if len(self._taps) == self.count and now - self._taps[0] <= self.within_s:
            self._taps.clear()
            return True
        return False

    def reset(self) -> None:
        self._taps.clear()


# --- out of service --------------------------------------------------------------------


class OutOfService:
    """The technician's out-of-service switch. On: the kiosk shows the out-of-service
    screen instead of the attract loop and starts no session. Kept as a file in the
    data folder, so it survives a restart."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / OUT_OF_SERVICE_FILE
        self._active = self.path.exists()
        self._since = (datetime.fromtimestamp(self.path.stat().st_mtime).astimezone()
                       if self._active else None)
        self.listeners: list[Callable[[bool], None]] = []

    @property
    def active(self) -> bool:
        return self._active

    @property
    def since(self) -> datetime | None:
        """When a technician switched the kiosk off (the switch file's time, which
        survives a restart); None while in service."""
        return self._since if self._active else None

    def set(self, active: bool) -> None:
        if active == self._active:
            return
        if active:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # 0600 like everything in the data folder (kiosk.private_files).
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as switch:
                switch.write("out of service (set by a technician)\n")
        else:
            self.path.unlink(missing_ok=True)
        self._active = active
        self._since = datetime.now().astimezone() if active else None
        # Out of service is a problem while it lasts; back in service is not an error.
        log.log(logging.WARNING if active else logging.INFO, "kiosk %s by a technician",
                "out of service" if active else "back in service")
        for listener in list(self.listeners):
            listener(active)


# --- recent errors ---------------------------------------------------------------------


class RecentErrors(logging.Handler):
    """The last ``keep`` WARNING-or-worse records of the loggers it is attached to: the
    technician screen lists them, the heartbeat sends the newest to central. The kiosk's
    log messages carry no personal data (a house rule), which is what makes them fit to
    show and to send."""

    def __init__(self, keep: int = RECENT_ERRORS_KEPT, level: int = logging.WARNING,
                 zone: str = DEFAULT_ZONE) -> None:
        super().__init__(level)
        self.zone = ZoneInfo(zone)
        self._records: deque[tuple[float, str]] = deque(maxlen=keep)  # (created, line)
        self._loggers: list[logging.Logger] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not break the caller's logging
            message = "(unformattable message)"
        line = " ".join(f"{record.levelname} {record.name}: {message}".split())
        self._records.append((record.created, line[:LINE_MAX]))  # handle() holds self.lock

    def lines(self) -> list[str]:
        """Newest first, each with its time as the logs write it (ISO 8601, +08:00)."""
        return [f"{machine_timestamp(datetime.fromtimestamp(created, self.zone))} {line}"
                for created, line in reversed(self._records)]

    def newest(self) -> str | None:
        """The newest line without its time ("ERROR kiosk.x: message"), or None."""
        records = self._records
        return records[-1][1] if records else None

    def attach(self, *logger_names: str) -> None:
        for name in logger_names:
            logger = logging.getLogger(name)
            logger.addHandler(self)
            self._loggers.append(logger)

    def detach(self) -> None:
        for logger in self._loggers:
            logger.removeHandler(self)
        self._loggers.clear()


# --- everything the technician screens use ---------------------------------------------


@dataclass
class Technician:
    """What the UI's technician screens get (kiosk.bootstrap builds it)."""

    gate: PinGate
    out_of_service: OutOfService
    port: TechnicianPort
    gesture: TapSequence = field(default_factory=TapSequence)
    events: TechnicianEvents | None = None  # what the kiosk reports to the audit trail
    central_mark: CentralMark | None = None  # central's out-of-service mark, obeyed

    @property
    def kiosk_out_of_service(self) -> bool:
        """Out of service while either says so: the technician's switch or central's
        mark (docs/operations.md#out-of-service)."""
        return self.out_of_service.active or (self.central_mark is not None
                                              and self.central_mark.active)
