"""The QR payment simulator's faults: names, what each does, and the values they take.

Listed again in docs/hardware/qrpay-simulator.md; the control line's ``faults`` command
returns this table. A value is ``True`` (on) or ``False`` (off) for every fault; some
also take a number:

- seconds (``slow``, ``confirm_in_app``, ``pay_after_close``): how long;
- a count (``lost``, ``notify_lost``, ``notify_duplicate``, ``notify_conflict``): only
  the next N times, then the fault switches itself off. ``True`` means every time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from hardware.sim.control import SILENT

FAULTS: dict[str, str] = {
    SILENT: "reads every provider request and never answers it (nor does it take effect); "
            "the connection stays open until the fault is cleared",
    "slow": "waits N seconds (default 3) before taking and answering each provider request",
    "lost": "each request takes effect but its answer is dropped: the connection is closed "
            "with nothing sent (a number: only the next N requests)",
    "notify_lost": "notifications are never sent: the merchant must ask (a number: only the "
                   "next N notifications)",
    "notify_duplicate": "each notification is delivered a second time after it was "
                        "acknowledged (a number: only the next N)",
    "notify_conflict": "each notification is followed by a second, validly signed one with "
                       "an amount 1.00 CNY higher (a number: only the next N)",
    "bad_signature": "answers and notifications are signed with a key that is not the "
                     "provider's",
    "pay_after_close": "closing (or cancelling) an unpaid order answers success, then the "
                       "person's payment arrives N seconds later (default 0.2): the order "
                       "is paid and notified",
    "confirm_in_app": "paying by the person's code answers 'user paying' (Alipay 10003, "
                      "WeChat USERPAYING, UnionPay origRespCode 05); the order is paid when "
                      "the person confirms (control: confirm) or, with a number, after N "
                      "seconds",
    "insufficient_balance": "the person's balance is too low: paying by code fails, paying "
                            "a shown code is refused in the app",
    "code_expired": "every payment code the person shows is refused as expired",
    "statement_drift": "each statement misses one paid order and lists one the merchant "
                       "never made (for reconciliation tests)",
    "statement_corrupt": "each statement file is served with one byte changed (WeChat Pay's "
                         "hash still that of the true file): the merchant must refuse it",
}
SECONDS_FAULTS = {"slow": 3.0, "confirm_in_app": None, "pay_after_close": 0.2}
COUNT_FAULTS = frozenset({"lost", "notify_lost", "notify_duplicate", "notify_conflict"})
MAX_SECONDS = 3600.0


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"{name} takes a number of seconds, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not 0 <= value <= MAX_SECONDS:
        raise ValueError(f"{name} takes a number of seconds from 0 to {MAX_SECONDS:g}")
    return float(value)


def checked_fault(name: str, value: Any) -> Any:
    """``value`` as fault ``name`` keeps it (True, False, seconds or a count); raises
    ValueError for an unknown fault or a value it does not take."""
    if name not in FAULTS:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
    if value is True or value is False:
        return value
    if name in SECONDS_FAULTS:
        return _seconds(name, value)
    if name in COUNT_FAULTS:
        if isinstance(value, int) and value > 0:
            return value
        raise ValueError(f"{name} takes on, off or a count of times (a whole number > 0)")
    raise ValueError(f"fault {name!r} takes no value")


def parse_fault(text: str) -> tuple[str, Any]:
    """``NAME`` or ``NAME=VALUE`` as the command line takes it: ``slow=2``, ``lost=1``."""
    name, sep, raw = text.partition("=")
    if not sep:
        return name, checked_fault(name, True)
    value: Any = int(raw) if raw.isdigit() else raw
    return name, checked_fault(name, value)


class FaultState:
    """The switched-on faults, shared by the server's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: dict[str, Any] = {}
        self.changed = threading.Condition(self._lock)  # silent waits on it

    def set(self, name: str, value: Any) -> None:
        value = checked_fault(name, value)
        with self._lock:
            if value is False:
                self._active.pop(name, None)
            else:
                self._active[name] = value
            self.changed.notify_all()

    def clear(self) -> None:
        with self._lock:
            self._active.clear()
            self.changed.notify_all()

    def active(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._active)

    def on(self, name: str) -> bool:
        with self._lock:
            return name in self._active

    def seconds(self, name: str) -> float | None:
        """The fault's seconds (its default when switched on with True), or None when
        off or switched on without a time (confirm_in_app: wait for the person)."""
        with self._lock:
            value = self._active.get(name)
        if value is None or value is False:
            return None
        if value is True:
            return SECONDS_FAULTS[name]
        return float(value)

    def wait_while_on(self, name: str, give_up: Callable[[], bool]) -> None:
        """Block while ``name`` is on, or until ``give_up()`` (after a ``wake``)."""
        with self.changed:
            self.changed.wait_for(lambda: give_up() or name not in self._active)

    def sleep(self, seconds: float, give_up: Callable[[], bool]) -> None:
        """Sleep ``seconds``, or less when ``give_up()`` becomes true (after a ``wake``)."""
        with self.changed:
            self.changed.wait_for(give_up, timeout=seconds)

    def wake(self) -> None:
        with self.changed:
            self.changed.notify_all()

    def take(self, name: str) -> bool:
        """Whether a counting fault fires this time; a count is used up by one."""
        with self._lock:
            value = self._active.get(name)
            if value is None:
                return False
            if value is not True:
                if value <= 1:
                    del self._active[name]
                else:
                    self._active[name] = value - 1
            return True
