"""The payment simulator's commands on the control line (hardware.sim.control).

faults, set and clear as every simulator answers them; then its own. Values may be JSON
types or the strings that ``kiosk sim control HOST:PORT card pan=... pin_ok=false`` sends:

    {"cmd": "faults"}                         the faults, their descriptions, those on
    {"cmd": "set", "fault": "baud", "value": 1200}   switch a fault on (value false: off)
    {"cmd": "clear"} / {"cmd": "clear", "fault": "silent"}   all faults off / one off
    {"cmd": "card", "pan": "6222...", "pin_ok": false}       the card for the next sales
    {"cmd": "ledger"}                         the sales, masked PANs only
    {"cmd": "replug"}                         a new pty after the disconnect fault

Answers: {"ok": true, ...} or {"ok": false, "error": "..."}. A full card number is never
in an answer, not even an echo of the ``card`` command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hardware.payment.messages import mask_pan
from hardware.sim.control import FaultSwitches, Handler, fault_handler, fault_value
from hardware.sim.payment.faults import FAULTS

if TYPE_CHECKING:
    from hardware.sim.payment.simulator import PaymentSimulator


def control_handler(simulator: PaymentSimulator) -> Handler:
    """The request -> answer function that ControlServer serves for ``simulator``."""

    def card(request: dict[str, Any]) -> dict[str, Any]:
        pan = request.get("pan")
        if not isinstance(pan, str) or not pan:
            raise ValueError("card needs pan=...")
        pin_ok = fault_value(request.get("pin_ok", True))
        if not isinstance(pin_ok, bool):
            raise ValueError("pin_ok must be true or false")
        simulator.present_card(pan, pin_ok=pin_ok)
        return {"ok": True, "card": mask_pan(pan), "pin_ok": pin_ok}

    def ledger(_request: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "sales": [sale.as_dict() for sale in simulator.ledger.values()]}

    def replug(_request: dict[str, Any]) -> dict[str, Any]:
        if simulator.line_up:
            raise ValueError("the line is up: replug is for after the disconnect fault")
        return {"ok": True, "url": simulator.start_pty()}

    def set_fault(name: str, value: Any) -> None:
        if not isinstance(value, int):  # True, False (bool is an int) or a speed
            raise ValueError(f"{name}: the value is true, false or a number")
        simulator.set_fault(name, value)

    switches = FaultSwitches(described=FAULTS, active=lambda: simulator.fault_settings,
                             set=set_fault, clear=simulator.clear_faults)
    return fault_handler(switches, {"card": card, "ledger": ledger, "replug": replug})
