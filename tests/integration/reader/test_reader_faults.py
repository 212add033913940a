"""The document reader adapter when the reader goes away: unplugged and plugged back,
hung, or gone for good. Simulator and adapter talk over real ptys."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest

from hardware.base import (
    REASON_DISCONNECTED,
    REASON_NO_REPLY,
    DeviceError,
    DocumentFormat,
    DocumentRead,
    Health,
)
from hardware.reader import SerialDocumentReader
from hardware.sim.reader import ReaderSimulator

Connect = Callable[..., SerialDocumentReader]  # the `connect` fixture (conftest.py)

pytestmark = pytest.mark.timeout(15)


def test_unplugged_reader_is_unknown_and_read_raises_disconnected(
        simulator: ReaderSimulator, reader: SerialDocumentReader) -> None:
    """GIVEN a working reader
    WHEN it is unplugged (its pty closes and its link vanishes)
    THEN status is UNKNOWN/disconnected at once, and read() raises DeviceError(disconnected)
    promptly rather than waiting out its timeout; a document presented meanwhile is lost."""
    simulator.set_fault("unplugged")
    assert simulator.url is not None and not os.path.exists(simulator.url)
    status = reader.status()
    assert (status.health, status.reason) == (Health.UNKNOWN, REASON_DISCONNECTED)
    assert status.query_ms is not None and status.query_ms < 200
    simulator.present("td3-valid")
    started = time.monotonic()
    with pytest.raises(DeviceError) as caught:
        reader.read(5.0)
    assert caught.value.reason == REASON_DISCONNECTED and caught.value.device == "reader"
    assert time.monotonic() - started < 1.0


def test_plugged_back_it_works_again_without_a_restart(
        simulator: ReaderSimulator, reader: SerialDocumentReader) -> None:
    """GIVEN a reader that was unplugged while the adapter had its port open, and failed
    a read
    WHEN it is plugged back (a new pty behind the same link)
    THEN the same adapter object reports OK and reads a document."""
    first_pty = simulator.pty_path
    simulator.set_fault("unplugged")
    with pytest.raises(DeviceError):
        reader.read(0.5)
    simulator.clear_faults()
    assert first_pty is not None and simulator.pty_path is not None
    assert reader.status().health is Health.OK
    simulator.present("pr2023")
    result = reader.read(2.0)
    assert isinstance(result, DocumentRead) and result.format is DocumentFormat.PR2023


def test_a_hung_reader_is_unknown_and_reads_time_out(
        simulator: ReaderSimulator, reader: SerialDocumentReader) -> None:
    """GIVEN a reader whose port is there but which answers nothing (fault silent)
    WHEN status is asked and a document is presented
    THEN status is UNKNOWN/no_reply after the status timeout (not OK, not a fault) and
    read() returns None."""
    simulator.set_fault("silent")
    status = reader.status()
    assert (status.health, status.reason) == (Health.UNKNOWN, REASON_NO_REPLY)
    assert status.query_ms is not None and status.query_ms >= reader.status_timeout_s * 1000 * 0.9
    simulator.present("td3-valid")
    assert reader.read(0.4) is None
    simulator.clear_faults()
    assert reader.status().ok


def test_a_reader_that_never_existed_is_unknown(connect: Connect, tmp_path: os.PathLike[str]
                                                ) -> None:
    """GIVEN an adapter on a path where no port exists
    WHEN status and read are called
    THEN status is UNKNOWN/disconnected and read raises DeviceError(disconnected)."""
    reader = connect(os.path.join(tmp_path, "no-such-port"))
    status = reader.status()
    assert (status.health, status.reason) == (Health.UNKNOWN, REASON_DISCONNECTED)
    with pytest.raises(DeviceError) as caught:
        reader.read(0.1)
    assert caught.value.reason == REASON_DISCONNECTED


def test_a_stopped_simulator_leaves_the_adapter_disconnected(
        connect: Connect) -> None:
    """GIVEN an adapter reading from a simulator
    WHEN the simulator stops (its pty and link are gone)
    THEN read() raises DeviceError(disconnected) and status is UNKNOWN."""
    simulator = ReaderSimulator()
    url = simulator.start_pty()
    try:
        reader = connect(url)
        assert reader.status().ok
    finally:
        simulator.stop()
    with pytest.raises(DeviceError) as caught:
        reader.read(1.0)
    assert caught.value.reason == REASON_DISCONNECTED
    assert reader.status().health is Health.UNKNOWN
