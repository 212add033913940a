"""Fixtures for the payment terminal tests: a simulator on a real pty and the real
adapter opened on its slave path. Both are closed after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from hardware.payment import SerialPaymentTerminal, open_terminal
from hardware.sim.payment import PaymentSimulator

ACK_TIMEOUT_S = 0.2
CARD_TIMEOUT_S = 1.0
STEP_DELAY_S = 0.02


@pytest.fixture
def transaction_lines() -> list[str]:
    """The lines the simulator reports, one per transaction (what its CLI prints)."""
    return []


@pytest.fixture
def simulator(transaction_lines: list[str]) -> Iterator[PaymentSimulator]:
    sim = PaymentSimulator(step_delay_s=STEP_DELAY_S, ack_timeout_s=ACK_TIMEOUT_S,
                           on_transaction=transaction_lines.append)
    sim.start_pty()
    try:
        yield sim
    finally:
        sim.stop()


Connect = Callable[[str], SerialPaymentTerminal]


@pytest.fixture
def connect() -> Iterator[Connect]:
    """Builds adapters on any URL with the test timeouts; closes them all afterwards."""
    opened: list[SerialPaymentTerminal] = []

    def build(url: str) -> SerialPaymentTerminal:
        adapter = open_terminal(url, baudrate=9600, ack_timeout_s=ACK_TIMEOUT_S,
                                card_timeout_s=CARD_TIMEOUT_S)
        opened.append(adapter)
        return adapter

    yield build
    for adapter in opened:
        adapter.close()


@pytest.fixture
def terminal(simulator: PaymentSimulator, connect: Connect) -> SerialPaymentTerminal:
    assert simulator.url is not None
    return connect(simulator.url)
