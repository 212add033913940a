"""The simulated bank's ledger: what happened to each sale reference, and the answers
(SALR, STAR) the terminal gives from it.

Tests compare it with what the kiosk believes; the control line's ``ledger`` command
shows it (PANs masked, as everywhere in the simulator).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hardware.payment.messages import (
    RESPONSE_CANCELLED,
    SaleResponse,
    StatusResponse,
    TransactionState,
)
from hardware.sim.payment.cards import MERCHANT_ID, TERMINAL_ID


class SimState(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # CANC before the card was read: response code 17
    REVERSED = "reversed"


# How a STAR reports each ledger state. A cancelled sale is a decline with code 17.
_REPORTED_STATE = {
    SimState.APPROVED: TransactionState.APPROVED,
    SimState.DECLINED: TransactionState.DECLINED,
    SimState.CANCELLED: TransactionState.DECLINED,
    SimState.REVERSED: TransactionState.REVERSED,
}


@dataclass(frozen=True)
class SimSale:
    """What the simulated bank did with one sale reference."""

    reference: str
    amount_fen: int
    state: SimState
    response_code: str
    auth_code: str  # "" unless approved
    rrn: str  # "" when cancelled (the bank never saw it)
    masked_pan: str  # "" when cancelled (no card was read)
    card_brand: str

    @property
    def charged_fen(self) -> int:
        return self.amount_fen if self.state is SimState.APPROVED else 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for the control line. Only the masked PAN is in it."""
        return {"reference": self.reference, "amount_fen": self.amount_fen,
                "state": self.state.value, "response_code": self.response_code,
                "auth_code": self.auth_code, "rrn": self.rrn, "masked_pan": self.masked_pan,
                "card_brand": self.card_brand, "charged_fen": self.charged_fen}


def cancelled_sale(reference: str, amount_fen: int) -> SimSale:
    return SimSale(reference=reference, amount_fen=amount_fen, state=SimState.CANCELLED,
                   response_code=RESPONSE_CANCELLED, auth_code="", rrn="", masked_pan="",
                   card_brand="")


def sale_response(sale: SimSale) -> SaleResponse:
    """The SALR for ``sale``. A cancelled sale carries no card or terminal data."""
    if sale.state is SimState.CANCELLED:
        return SaleResponse(reference=sale.reference, response_code=sale.response_code)
    return SaleResponse(reference=sale.reference, response_code=sale.response_code,
                        auth_code=sale.auth_code, rrn=sale.rrn, masked_pan=sale.masked_pan,
                        card_brand=sale.card_brand, terminal_id=TERMINAL_ID,
                        merchant_id=MERCHANT_ID)


def status_response(reference: str, sale: SimSale | None, running: str | None) -> StatusResponse:
    """The STAR for ``reference``: the stored result, in_progress for the sale the
    terminal is running now, unknown for a reference it never saw."""
    if sale is not None:
        return StatusResponse.of_sale(_REPORTED_STATE[sale.state], sale_response(sale))
    if reference == running:
        return StatusResponse(reference, TransactionState.IN_PROGRESS)
    return StatusResponse(reference, TransactionState.UNKNOWN)
