"""Fixtures for the document reader tests: a simulator on a real pty and the real adapter
opened on its link. Both are closed after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from hardware.base import Health
from hardware.reader import SerialDocumentReader, open_reader
from hardware.sim.reader import ReaderSimulator

STATUS_TIMEOUT_S = 0.3
DOUBLE_GAP_S = 0.15


@pytest.fixture
def simulator() -> Iterator[ReaderSimulator]:
    sim = ReaderSimulator(double_gap_s=DOUBLE_GAP_S)
    sim.start_pty()
    try:
        yield sim
    finally:
        sim.stop()


Connect = Callable[..., SerialDocumentReader]


@pytest.fixture
def connect() -> Iterator[Connect]:
    """Builds adapters on any URL with the test timeouts; closes them all afterwards."""
    opened: list[SerialDocumentReader] = []

    def build(url: str, debounce_s: float = 3.0) -> SerialDocumentReader:
        adapter = open_reader(url, baudrate=9600, debounce_s=debounce_s,
                              status_timeout_s=STATUS_TIMEOUT_S)
        opened.append(adapter)
        return adapter

    yield build
    for adapter in opened:
        adapter.close()


@pytest.fixture
def reader(simulator: ReaderSimulator, connect: Connect) -> SerialDocumentReader:
    """The adapter with its port already open (opening a serial port flushes what was
    waiting, so a document presented before that would be lost, as on a real line)."""
    assert simulator.url is not None
    adapter = connect(simulator.url)
    assert adapter.status().health is Health.OK
    return adapter
