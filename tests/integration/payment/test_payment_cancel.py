"""cancel(): the customer's Cancel while a sale runs, turned into a CANC by the real
adapter and honoured (or not) by the simulator, over a real pty."""

from __future__ import annotations

import threading
import time

import pytest

from hardware.base import SaleResult, TerminalEvent
from hardware.payment import SerialPaymentTerminal
from hardware.payment.terminal import CANCEL_POLL_S
from hardware.sim.payment import PaymentSimulator, SimState

pytestmark = pytest.mark.timeout(10)


def _sale_in_thread(terminal: SerialPaymentTerminal, reference: str,
                    events: list[TerminalEvent]) -> tuple[threading.Thread, list[SaleResult]]:
    results: list[SaleResult] = []
    worker = threading.Thread(target=lambda: results.append(
        terminal.sale(reference, 2500, on_event=events.append)), daemon=True)
    worker.start()
    return worker, results


def _wait_for(events: list[TerminalEvent], event: TerminalEvent, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while event not in events:
        assert time.monotonic() < deadline, f"no {event.value} prompt"
        time.sleep(0.005)


def test_cancel_from_another_thread_while_waiting_for_the_card_gives_17(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN a sale running in a worker thread, the terminal waiting for the card
    WHEN the main thread calls cancel()
    THEN cancel() returns at once, the sale returns 17 within a few poll periods (long
    before the card would have come), and the ledger charged nothing."""
    simulator.card_wait_s = 5.0
    events: list[TerminalEvent] = []
    worker, results = _sale_in_thread(terminal, "C-0001", events)
    _wait_for(events, TerminalEvent.PRESENT_CARD, 2.0)

    started = time.monotonic()
    terminal.cancel()
    assert time.monotonic() - started < 0.05  # does not wait for the sale's lock
    worker.join(timeout=3.0)
    assert not worker.is_alive()
    assert time.monotonic() - started < 1.0
    assert results[0].response_code == "17" and not results[0].approved
    assert events == [TerminalEvent.PRESENT_CARD]
    sale = simulator.ledger["C-0001"]
    assert (sale.state, sale.charged_fen) == (SimState.CANCELLED, 0)


def test_cancel_from_the_event_callback_gives_17(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN a sale whose on_event callback (the sale's own thread) calls cancel() on the
    card prompt
    WHEN the sale runs
    THEN it returns 17 with no card data, and the terminal logged the cancellation."""
    simulator.card_wait_s = 5.0

    def press_cancel(event: TerminalEvent) -> None:
        if event is TerminalEvent.PRESENT_CARD:
            terminal.cancel()

    result = terminal.sale("C-0002", 100, on_event=press_cancel)
    assert (result.response_code, result.masked_pan, result.auth_code) == ("17", None, None)
    assert simulator.ledger["C-0002"].charged_fen == 0


def test_cancel_during_processing_is_ignored_and_the_sale_completes(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal,
        transaction_lines: list[str]) -> None:
    """GIVEN a sale whose card has been read (the terminal shows "processing")
    WHEN cancel() is called then
    THEN the CANC reaches the terminal, which ignores it, and the sale is approved and
    charged as usual."""
    simulator.card_wait_s = 0.0  # the card is read at once...
    simulator.step_delay_s = 3 * CANCEL_POLL_S  # ...and the CANC arrives mid-processing
    events: list[TerminalEvent] = []
    worker, results = _sale_in_thread(terminal, "C-0003", events)
    _wait_for(events, TerminalEvent.PROCESSING, 3.0)
    terminal.cancel()
    worker.join(timeout=5.0)
    assert results and results[0].approved
    assert simulator.ledger["C-0003"].charged_fen == 2500
    assert any("cancel ref=C-0003 ignored: the card was already read" in line
               for line in transaction_lines)


def test_cancel_without_a_sale_does_nothing(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal,
        transaction_lines: list[str]) -> None:
    """GIVEN no sale running, before and after a sale
    WHEN cancel() is called
    THEN it returns at once, sends nothing, and the next sale is approved as usual."""
    terminal.cancel()
    assert terminal.sale("C-0004", 100).approved
    terminal.cancel()
    assert terminal.sale("C-0005", 100).approved
    assert not any("cancel" in line for line in transaction_lines)
    assert [s.state for s in simulator.ledger.values()] == [SimState.APPROVED] * 2


def test_a_cancelled_reference_is_not_charged_when_sold_again(
        simulator: PaymentSimulator, terminal: SerialPaymentTerminal) -> None:
    """GIVEN a sale cancelled before the card was read
    WHEN a SALE with the same reference comes again
    THEN the stored 17 comes back: one reference is never charged later by surprise."""
    simulator.card_wait_s = 5.0
    terminal.sale("C-0006", 100, on_event=lambda _: terminal.cancel())
    simulator.card_wait_s = None
    assert terminal.sale("C-0006", 100).response_code == "17"
    assert simulator.ledger["C-0006"].charged_fen == 0
