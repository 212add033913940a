"""The ``baud`` fault: the simulator behaves as if it sat at the end of a serial line.

Bytes are taken from the OS (pty or socket) in small slices and each slice is handed to
the interpreter only when it would have finished arriving at N/10 bytes per second
(8N1: ten bits a byte). A status query sent after a job therefore waits behind the job,
as on a real line, and each reply byte takes its own 10/N seconds on the way back. Bytes
the simulator has not taken yet stay in the OS buffer, so a writer that fills it blocks.
"""

from __future__ import annotations

import threading
import time

from hardware.sim.printer.faults import FaultState

BITS_PER_BYTE = 10
SLICE_S = 0.005  # pacing granularity: a reply is at most this late
# Bytes read within this long of the line falling free continue the stream. The wake-ups
# of a loaded machine come late by more than a slice; counting each late slice as a new
# start let the lag of ~100 slices add up past the host's reply allowance (a 0.5 s job
# answered "no reply" with two suites on two cores). A host that really paused this
# briefly gets its next bytes at most this much early.
STREAM_GAP_S = 0.05


class LinePacer:
    """Paces one connection's traffic by the current ``baud`` fault (none: full speed).
    Waits end early when ``stop`` is set."""

    def __init__(self, faults: FaultState, stop: threading.Event) -> None:
        self._faults = faults
        self._stop = stop
        self._line_free_at = 0.0  # monotonic time the last byte read so far arrived
        self._replied = False  # a reply went out since the last bytes came in

    def read_size(self, full_speed: int) -> int:
        """How many bytes to take from the OS at once."""
        baud = self._faults.baud()
        if baud is None:
            return full_speed
        return max(1, int(baud / BITS_PER_BYTE * SLICE_S))

    def arrive(self, nbytes: int) -> None:
        """Wait until ``nbytes`` just taken from the OS would have come down the line."""
        baud = self._faults.baud()
        if baud is None:
            return
        now = time.monotonic()
        # A stream (a job) runs back to back, so our own late wake-ups do not add up over
        # a long job; bytes after a pause or after a reply (the next status query, sent
        # once the host had the reply) start down the line now.
        streaming = not self._replied and now - self._line_free_at < STREAM_GAP_S
        self._replied = False
        start = self._line_free_at if streaming else now
        self._line_free_at = start + nbytes * BITS_PER_BYTE / baud
        self._wait_until(self._line_free_at)

    def send(self, nbytes: int) -> None:
        """Wait while ``nbytes`` of reply go back up the line."""
        baud = self._faults.baud()
        self._replied = True
        if baud is not None:
            self._wait_until(time.monotonic() + nbytes * BITS_PER_BYTE / baud)

    def _wait_until(self, deadline: float) -> None:
        delay = deadline - time.monotonic()
        if delay > 0:
            self._stop.wait(delay)
