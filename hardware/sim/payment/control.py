"""The payment simulator's commands on the control line (hardware.sim.control).

One JSON object per line; values may be JSON types or the strings that
``kiosk sim control HOST:PORT card pan=... pin_ok=false`` sends:

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

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hardware.payment.messages import mask_pan
from hardware.sim.payment.faults import FAULTS

if TYPE_CHECKING:
    from hardware.sim.payment.simulator import PaymentSimulator

Handler = Callable[[dict[str, Any]], dict[str, Any]]

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


def control_handler(simulator: PaymentSimulator) -> Handler:
    """The request -> answer function that ControlServer serves for ``simulator``."""

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        command = request.get("cmd")
        if command == "faults":
            return {"ok": True, "faults": dict(FAULTS), "active": simulator.fault_settings}
        if command == "set":
            simulator.set_fault(_text(request, "fault"), _fault_value(request.get("value", True)))
            return {"ok": True, "active": simulator.fault_settings}
        if command == "clear":
            if "fault" in request:
                simulator.set_fault(_text(request, "fault"), False)
            else:
                simulator.clear_faults()
            return {"ok": True, "active": simulator.fault_settings}
        if command == "card":
            pan = _text(request, "pan")
            pin_ok = _flag(request.get("pin_ok", True), "pin_ok")
            simulator.present_card(pan, pin_ok=pin_ok)
            return {"ok": True, "card": mask_pan(pan), "pin_ok": pin_ok}
        if command == "ledger":
            sales = [sale.as_dict() for sale in simulator.ledger.values()]
            return {"ok": True, "sales": sales}
        if command == "replug":
            if simulator.line_up:
                raise ValueError("the line is up: replug is for after the disconnect fault")
            return {"ok": True, "url": simulator.start_pty()}
        raise ValueError(f"unknown command {command!r}: "
                         "faults | set | clear | card | ledger | replug")

    return handle


def _text(request: dict[str, Any], key: str) -> str:
    value = request.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{request.get('cmd')} needs {key}=...")
    return value


def _flag(value: object, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise ValueError(f"{key} must be true or false")


def _fault_value(value: object) -> int | bool:
    """True/False switch a fault on/off; a number is a setting (baud)."""
    if isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        if value.isdigit():
            return int(value)
        return _flag(value, "value")
    raise ValueError("value must be true, false or a number")
