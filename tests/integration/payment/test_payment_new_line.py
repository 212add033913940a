"""A newly opened line (a kiosk process that started again, or a port reopened after a
failure) between the real adapter and the simulator, over a real pty. The simulator
applies the documented duplicate rule: a frame with the SEQ and DATA of the last frame
it accepted is ACKed and ignored."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from hardware.base import ReversalResult, SaleResult
from hardware.payment import SerialPaymentTerminal
from hardware.sim.payment import PaymentSimulator, SimState

pytestmark = pytest.mark.timeout(20)

Connect = Callable[[str], SerialPaymentTerminal]
Request = Callable[[SerialPaymentTerminal, str], ReversalResult | SaleResult | None]


def _reverse(terminal: SerialPaymentTerminal, reference: str) -> ReversalResult:
    return terminal.reversal(reference)


def _ask(terminal: SerialPaymentTerminal, reference: str) -> SaleResult | None:
    return terminal.transaction_status(reference)


@pytest.mark.parametrize("request_", [_reverse, _ask], ids=["reversal", "status"])
def test_a_new_line_repeating_the_last_request_of_the_one_before_is_answered(
        simulator: PaymentSimulator, connect: Connect, request_: Request) -> None:
    """GIVEN an approved sale, and a first adapter (a kiosk process) whose first and only
    request about it (a reversal, or a status query) the terminal answered
    WHEN that adapter is gone (closed, as by a crash before the answer was committed) and
    a new one, on the same line, sends the same request as its first
    THEN the terminal answers it, with the same result, instead of taking it for a
    retransmission of the old frame (same SEQ, same DATA) and ignoring it."""
    assert simulator.url is not None
    seller = connect(simulator.url)
    assert seller.sale("NL-0001", 2500).approved
    seller.close()
    first = connect(simulator.url)
    answer = request_(first, "NL-0001")
    first.close()

    second = connect(simulator.url)
    assert request_(second, "NL-0001") == answer
    assert simulator.ledger["NL-0001"].state is (
        SimState.REVERSED if request_ is _reverse else SimState.APPROVED)


def test_the_line_check_has_no_side_effect_and_is_sent_once_per_opening(
        simulator: PaymentSimulator, connect: Connect, transaction_lines: list[str]) -> None:
    """GIVEN a new adapter
    WHEN it runs two sales, then its port is closed and it runs a third
    THEN one status query for a LINK- reference went before the first sale and one
    before the third (none in between), every answer was "unknown", and the ledger holds
    the three sales only."""
    assert simulator.url is not None
    terminal = connect(simulator.url)
    for reference in ("NL-0002", "NL-0003"):
        assert terminal.sale(reference, 100).approved
    terminal.close()  # the next call opens the port again
    assert terminal.sale("NL-0004", 100).approved

    kinds = ["check" if "ref=LINK-" in line else line.split()[0] for line in transaction_lines]
    assert kinds == ["check", "sale", "sale", "check", "sale"]
    assert all(line.endswith("state=unknown") for line in transaction_lines
               if "ref=LINK-" in line)
    assert sorted(simulator.ledger) == ["NL-0002", "NL-0003", "NL-0004"]


def test_a_terminal_that_ignores_status_queries_still_takes_a_sale(
        simulator: PaymentSimulator, connect: Connect) -> None:
    """GIVEN a terminal that ACKs every STAT and never answers it (the previous protocol
    version)
    WHEN a new adapter runs a sale
    THEN the line check waits its query timeout, the sale goes on and is approved."""
    assert simulator.url is not None
    simulator.set_fault("no_status")
    terminal = connect(simulator.url)
    started = time.monotonic()
    assert terminal.sale("NL-0005", 100).approved
    assert time.monotonic() - started >= terminal.query_timeout_s
    assert simulator.ledger["NL-0005"].charged_fen == 100
