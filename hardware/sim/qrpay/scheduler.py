"""Timed work of the simulator (notification retries, the scripted person, payments
that arrive late): one thread keeps the clock, each due job runs on its own daemon
thread so a slow merchant never holds up another job."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Scheduler:
    def __init__(self) -> None:
        self._jobs: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="qrpay-scheduler", daemon=True)
        self._thread.start()

    @property
    def stopped(self) -> bool:
        return self._stopped

    def call_later(self, delay_s: float, job: Callable[[], None]) -> None:
        with self._wake:
            if self._stopped:
                return
            heapq.heappush(self._jobs, (time.monotonic() + max(0.0, delay_s),
                                        next(self._order), job))
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._jobs.clear()
            self._wake.notify()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._stopped and (
                        not self._jobs or self._jobs[0][0] > time.monotonic()):
                    timeout = self._jobs[0][0] - time.monotonic() if self._jobs else None
                    self._wake.wait(timeout)
                if self._stopped:
                    return
                _, _, job = heapq.heappop(self._jobs)
            threading.Thread(target=self._guarded, args=(job,), name="qrpay-job",
                             daemon=True).start()

    @staticmethod
    def _guarded(job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:  # a job's bug must not end the simulator: log it, go on
            logger.exception("qrpay simulator: a timed job failed")
