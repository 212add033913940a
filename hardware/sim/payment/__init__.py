"""Payment terminal simulator: the real protocol on a pty, a ledger, test cards, faults.

Used by the integration tests and, as ``kiosk sim payment`` (``main``), by demos and
technicians. docs/hardware/payment-terminal.md lists the test cards and faults.
"""

from hardware.sim.payment.cards import DECLINING_CARDS, TEST_CARDS, SimCard
from hardware.sim.payment.cli import main
from hardware.sim.payment.faults import FAULTS
from hardware.sim.payment.ledger import SimSale, SimState
from hardware.sim.payment.simulator import PaymentSimulator

__all__ = ["DECLINING_CARDS", "FAULTS", "TEST_CARDS", "PaymentSimulator", "SimCard",
           "SimSale", "SimState", "main"]
