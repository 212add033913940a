"""The driver side of a device that only sends lines, one item per line (the tactile
keypad's keys, the payment-code scanner's codes): a line opened on first use and again
after a failure (serial_line.ReopeningLine), what it sent queued in order for the one
thread that reads them, and a status that can only say whether the line is open (such
devices answer no query)."""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from datetime import UTC, datetime
from typing import Generic, TypeVar

from hardware.base import DeviceError, DeviceStatus, Health
from hardware.serial_line import ReopeningLine

T = TypeVar("T")
WRITE_TIMEOUT_S = 1.0  # nothing is written; pyserial still wants one
_SLICE_S = 0.05  # one read's wait: bounds how late a deadline is noticed


class LineDevice(ABC, Generic[T]):
    """Subclasses turn bytes into items in ``_take`` (lock held) and forget a half-read
    line in ``_reset``."""

    def __init__(self, device: str, model: str, url: str, *, baudrate: int,
                 log: logging.Logger) -> None:
        if not url:
            raise ValueError(f"{device} url is empty")
        if baudrate <= 0:
            raise ValueError("baudrate must be positive")
        self.device = device
        self.model = model
        self.url = url
        self.baudrate = baudrate
        self._log = log
        self._lock = threading.Lock()
        self._items: deque[T] = deque()
        self._line = ReopeningLine(device, url, baudrate=baudrate,
                                   write_timeout_s=WRITE_TIMEOUT_S, log=log,
                                   on_open=self._reset)

    @abstractmethod
    def _take(self, chunk: bytes) -> None:
        """Queue in self._items what ``chunk`` completes (lock held)."""

    @abstractmethod
    def _reset(self) -> None:
        """Forget a half-read line (lock held)."""

    def _next(self, timeout_s: float) -> T | None:
        """The next item within ``timeout_s``, else None. Raises DeviceError(disconnected)
        when the port is missing or fails; the next call tries to open it again."""
        deadline = time.monotonic() + max(timeout_s, 0.0)
        while True:
            with self._lock:
                if self._items:
                    return self._items.popleft()
                port = self._line.get()
                try:
                    chunk = port.read(min(max(deadline - time.monotonic(), 0.0), _SLICE_S))
                except DeviceError as exc:
                    self._line.fail(exc)
                    raise
                self._take(chunk)
                if not self._items and time.monotonic() >= deadline:
                    return None

    def discard_pending(self) -> None:
        """Forget what was read before now, and bytes the driver holds. Never raises: a
        failing port is closed, to be opened again by the next read."""
        with self._lock:
            dropped = len(self._items)
            self._items.clear()
            self._reset()
            if self._line.port is not None:
                try:
                    self._line.port.discard_input()
                except DeviceError as exc:
                    self._line.fail(exc)
        if dropped:
            self._log.info("%s: discarded %d unread line(s)", self.device, dropped)

    def status(self) -> DeviceStatus:
        """OK while the line is open (or opens now); UNKNOWN with the reason when not."""
        started = time.monotonic()
        problem: DeviceError | None = None
        with self._lock:
            try:
                self._line.get()
            except DeviceError as exc:
                problem = exc
        return DeviceStatus(
            device=self.device, health=Health.OK if problem is None else Health.UNKNOWN,
            reason=problem.reason if problem else None,
            detail=problem.detail if problem else "", connection=self.url, model=self.model,
            query_ms=round((time.monotonic() - started) * 1000.0, 1),
            checked_at=datetime.now(UTC))

    def close(self) -> None:
        with self._lock:
            self._line.drop()
            self._items.clear()
            self._reset()
