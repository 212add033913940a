"""Which self-services can be offered right now, from the devices' and central's health.

A DeviceWatch polls off the UI thread. A device counts as gone only after several polls
in a row fail (a brief disconnect, or a replug, changes nothing for the user), and as
back at its first good poll. Devices reconnect by themselves (their adapters reopen the
port on the next call); the watch only observes. A status query that finds a device busy
(the terminal in the middle of a sale) says nothing about its health and is ignored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from hardware.base import REASON_BUSY, DeviceStatus
from kiosk.domain.clock import format_duration
from kiosk.services.ports import Reachability

log = logging.getLogger(__name__)

PRINTER = "printer"
PAYMENT = "payment"
READER = "reader"
KEYPAD = "keypad"  # the tactile keypad: watched and reported, needed by no service
# The payment-code scanner: needed by no service (a code can be shown instead); while it
# is gone the bill payment greys "scan my app's code" (BillPaymentDeps.device_gone).
SCANNER = "scanner"
CENTRAL = "central"

# What each service cannot do without. Every service prints a slip.
NEEDS: dict[str, tuple[str, ...]] = {
    "bill_payment": (PAYMENT, PRINTER, CENTRAL),
    "tax_record": (READER, PRINTER, CENTRAL),
    # Accepted with central away (the outbox delivers them later):
    "accommodation": (READER, PRINTER),
    "arbitration": (READER, PRINTER),
    "points": (PRINTER,),
}


@dataclass(frozen=True)
class Unavailable:
    """Why a service is not offered: the first missing part and its reason code."""

    part: str  # PRINTER, PAYMENT, CENTRAL
    reason: str | None  # hardware.base REASON_* (paper_out, disconnected...) or None


class DeviceWatch:
    def __init__(self, devices: dict[str, Callable[[], DeviceStatus]], central: Reachability,
                 *, interval_s: float = 10.0, grace_polls: int = 2) -> None:
        self._devices = devices
        self._central = central
        self.interval_s = interval_s
        self.grace_polls = grace_polls
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._latest: dict[str, DeviceStatus | bool] = {}
        self._down: dict[str, str | None] = {}
        self._down_since: dict[str, float] = {}  # monotonic time it was first seen failing
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listeners: list[Callable[[], None]] = []

    # --- what the UI asks ------------------------------------------------------------

    def unavailable(self, service: str, *, besides: frozenset[str] = frozenset()
                    ) -> Unavailable | None:
        """Why ``service`` cannot be offered now (a part it needs is gone), None when it
        can; a part in ``besides`` has a stand-in (bills paid by QR without the terminal)."""
        with self._lock:
            for part in NEEDS.get(service, ()):
                if part in self._down and part not in besides:
                    return Unavailable(part=part, reason=self._down[part])
        return None

    def gone(self, part: str) -> Unavailable | None:
        """Why the part counts as gone now, None when it does not (cheap, as is_down)."""
        with self._lock:
            if part not in self._down:
                return None
            return Unavailable(part=part, reason=self._down[part])

    def is_down(self, part: str) -> bool:
        """The part counts as gone now (cheap: what the last polls saw)."""
        with self._lock:
            return part in self._down

    def latest(self) -> dict[str, DeviceStatus | bool]:
        with self._lock:
            return dict(self._latest)

    # --- polling ---------------------------------------------------------------------

    def poll_once(self) -> None:
        changed = False
        for name, query in self._devices.items():
            status = query()
            if status.reason == REASON_BUSY:
                continue
            changed |= self._observe(name, status, status.ok, status.reason)
        reachable = self._central.health()
        changed |= self._observe(CENTRAL, reachable, reachable, "unreachable")
        if changed:
            for listener in list(self.listeners):
                listener()

    def _observe(self, part: str, latest: DeviceStatus | bool, ok: bool,
                 reason: str | None) -> bool:
        now = since = time.monotonic()
        with self._lock:
            self._latest[part] = latest
            was_down = part in self._down
            if ok:
                self._failures[part] = 0
                self._down.pop(part, None)
                since = self._down_since.pop(part, now)
            else:
                self._failures[part] = self._failures.get(part, 0) + 1
                self._down_since.setdefault(part, now)
                if self._failures[part] >= self.grace_polls:
                    self._down[part] = reason
            now_down = part in self._down
        if now_down and not was_down:
            log.warning("%s is gone%s", part, f" ({reason})" if reason else "")
        elif was_down and not now_down:  # a recovery: INFO, never a "last error"
            log.info("%s is back after %s", part, format_duration(now - since))
        return was_down != now_down

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="device-watch", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # a broken adapter must not stop the watch
                log.exception("device watch: poll failed")
            self._stop.wait(self.interval_s)
