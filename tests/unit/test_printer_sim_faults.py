"""The simulator's fault switches for a slow line (`baud`) and the pacer that applies it."""

from __future__ import annotations

import threading
import time

import pytest

from hardware.sim.printer.faults import Fault, FaultState
from hardware.sim.printer.pacing import LinePacer


@pytest.mark.parametrize("value", [True, 0, -9600])
def test_baud_needs_a_positive_rate(value: bool | int) -> None:
    """GIVEN no rate, zero or a negative rate WHEN baud is set THEN ValueError."""
    with pytest.raises(ValueError, match="baud"):
        FaultState().set(Fault.BAUD, value)


def test_baud_is_listed_and_cleared() -> None:
    """GIVEN baud=115200 WHEN listed, switched off and set again then cleared THEN the
    active faults say so each time."""
    faults = FaultState()
    faults.set("baud", 115200)
    assert faults.active() == {"baud": 115200} and faults.baud() == 115200
    faults.set("baud", False)
    assert faults.baud() is None and faults.active() == {}
    faults.set("baud", 9600)
    faults.clear()
    assert faults.baud() is None


def test_pacer_takes_a_stream_at_line_speed() -> None:
    """GIVEN 9600 baud WHEN 480 bytes come in slices THEN they take 0.5 s (ten bits a
    byte), slices are a few ms of the line each, and a one-byte reply takes ~1 ms."""
    faults = FaultState()
    faults.set(Fault.BAUD, 9600)
    pacer = LinePacer(faults, threading.Event())
    size = pacer.read_size(65536)
    assert 1 <= size <= 10
    started = time.monotonic()
    remaining = 480
    while remaining:
        chunk = min(size, remaining)
        pacer.arrive(chunk)
        remaining -= chunk
    assert 0.49 <= time.monotonic() - started < 0.6
    started = time.monotonic()
    pacer.send(1)
    assert 0.001 <= time.monotonic() - started < 0.05


def test_pacer_at_full_speed_never_waits() -> None:
    """GIVEN no baud fault WHEN a large read is paced THEN it is taken whole at once."""
    pacer = LinePacer(FaultState(), threading.Event())
    started = time.monotonic()
    assert pacer.read_size(65536) == 65536
    pacer.arrive(65536)
    pacer.send(100)
    assert time.monotonic() - started < 0.01


def test_stopping_ends_a_wait_at_once() -> None:
    """GIVEN a 300-baud line and the simulator stopping WHEN 1000 bytes are paced
    THEN the wait ends at once instead of after 33 s."""
    faults = FaultState()
    faults.set(Fault.BAUD, 300)
    stop = threading.Event()
    stop.set()
    started = time.monotonic()
    LinePacer(faults, stop).arrive(1000)
    assert time.monotonic() - started < 0.1
