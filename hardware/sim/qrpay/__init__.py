"""QR payment provider simulator: Alipay (OpenAPI gateway, RSA2), WeChat Pay (API v3,
public-key mode) and UnionPay QR (acpsdk 5.1.0) on one HTTP server, with the person who
pays, notifications, daily statements and fault switches.

Used by the integration tests and, as ``kiosk sim qrpay`` (``main``), by central's
tests, the demo and technicians. docs/hardware/qrpay-simulator.md says how.
"""

from hardware.sim.qrpay.cli import main
from hardware.sim.qrpay.faults import FAULTS
from hardware.sim.qrpay.ledger import OrderState, Provider
from hardware.sim.qrpay.simulator import QrPaySimulator

__all__ = ["FAULTS", "OrderState", "Provider", "QrPaySimulator", "main"]
