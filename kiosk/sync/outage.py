"""A failure that comes back at every round of a periodic worker (the config poll, the
heartbeat, the outbox forwarder, credential rotation) is logged when it begins and when
it ends, not at every round: a kiosk that cannot reach central for a day would otherwise
log thousands of identical warnings, and the newest of them would stand as its "last
error" long after central came back.

- the first failure: WARNING (or the level the worker gives: an ERROR for a refusal a
  person must fix), with its reason (an error code) and what more the error says;
- the same reason again: nothing (counted), whatever more it says (a central that
  answers "connection refused" and "timeout" in turn is one outage);
- another reason while it still fails: logged as the first (the cause changed);
- the first success after failures: INFO, with how long it failed and how many rounds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from kiosk.domain.clock import format_duration
from kiosk.errors import KioskError


def error_detail(exc: KioskError) -> str:
    """What a worker's failure line adds to the code: the kind of failure and the HTTP
    status (never the rest of the detail)."""
    kind, status = exc.detail.get("reason"), exc.detail.get("status")
    return ", ".join(part for part in (kind, f"HTTP {status}" if status else None) if part)


class FailureStreak:
    """The failures in a row of one worker's rounds (thread-safe)."""

    def __init__(self, logger: logging.Logger, what: str, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger = logger
        self.what = what
        self.clock = clock
        self.failures = 0  # rounds failed in a row
        self._reason: str | None = None  # the reason last logged; None: not failing
        self._since = 0.0
        self._lock = threading.Lock()

    @property
    def failing(self) -> bool:
        return self._reason is not None

    def failed(self, reason: str, detail: str = "", *, level: int = logging.WARNING) -> bool:
        """One more failed round; True if it was logged (it began, or its reason changed)."""
        with self._lock:
            self.failures += 1
            if reason == self._reason:
                return False
            if self._reason is None:
                self._since = self.clock()
            self._reason = reason
        self.logger.log(level, "%s failing: %s%s (logged again when it works or fails "
                        "otherwise)", self.what, reason, f" ({detail})" if detail else "")
        return True

    def failed_with(self, exc: KioskError, *, level: int = logging.WARNING) -> bool:
        """failed() with the error's code as the reason."""
        return self.failed(exc.code.value, error_detail(exc), level=level)

    def succeeded(self) -> bool:
        """A round that worked; True if it ended a streak of failures (logged at INFO)."""
        with self._lock:
            if self._reason is None:
                self.failures = 0
                return False
            lasted, failures = self.clock() - self._since, self.failures
            self._reason, self.failures = None, 0
        self.logger.info("%s works again after %s (%d failed round(s))", self.what,
                         format_duration(lasted), failures)
        return True
