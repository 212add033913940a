"""The background loop every sync worker runs (forwarder, heartbeat, config agent,
credential rotation): a daemon thread that does one round at start and then one every
``delay()`` seconds, or at once when woken, until it is stopped.

A round must not raise: each worker's round catches and logs its own failures (a
worker that died of one error would leave the kiosk silent until it restarts).
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class PeriodicThread:
    def __init__(self, name: str, round_: Callable[[], object],
                 delay: Callable[[], float]) -> None:
        self.name = name
        self._round = round_
        self._delay = delay
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Run the next round now (returns at once)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask the thread to end and wait up to ``timeout``; True if it has ended."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # a wake() during the round triggers the next one at once
            self._round()
            if self._stop.is_set():
                break
            self._wake.wait(self._delay())


class RunsPeriodically:
    """start, wake, stop and running for a worker whose rounds run on ``self._loop``."""

    _loop: PeriodicThread

    def start(self) -> None:
        self._loop.start()

    def wake(self) -> None:
        """Run the next round now (returns at once)."""
        self._loop.wake()

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask the thread to end and wait up to ``timeout``; True if it has ended."""
        return self._loop.stop(timeout)

    @property
    def running(self) -> bool:
        return self._loop.running
