"""The QR payment simulator's commands on the control line (hardware.sim.control).

faults, set and clear as every simulator answers them; then the person and the ledger:

    {"cmd": "code", "provider": "alipay"}      a fresh payment code the person's app shows
    {"cmd": "scan", "code": QR}                the person's app scans a shown code
    {"cmd": "pay", "code": QR}                 ... and pays it (scans it first if needed)
    {"cmd": "pay"} / {"cmd": "pay", "provider": "wechat"}   the newest shown code
    {"cmd": "confirm", "order": ID}            confirm in the app an order paid by code
    {"cmd": "orders"} / {"cmd": "orders", "provider": "unionpay"}   the ledger
    {"cmd": "notifications"}                   every notification and its attempts

From a shell: ``kiosk sim control HOST:PORT code provider=alipay``,
``kiosk sim control HOST:PORT pay``, ``kiosk sim control HOST:PORT set slow 5``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hardware.sim.control import FaultSwitches, Handler, fault_handler
from hardware.sim.qrpay.bank import Refusal
from hardware.sim.qrpay.faults import FAULTS
from hardware.sim.qrpay.ledger import Order, Provider

if TYPE_CHECKING:
    from hardware.sim.qrpay.simulator import QrPaySimulator


def _provider(request: dict[str, Any], required: bool) -> Provider | None:
    name = request.get("provider")
    if name is None and not required:
        return None
    try:
        return Provider(str(name))
    except ValueError:
        known = ", ".join(p.value for p in Provider)
        raise ValueError(f"provider is one of: {known}") from None


def control_handler(simulator: QrPaySimulator) -> Handler:
    """The request -> answer function that ControlServer serves for ``simulator``."""
    bank = simulator.bank

    def person(act: Callable[[str], Order]) -> Handler:
        def handle(request: dict[str, Any]) -> dict[str, Any]:
            code = request.get("code")
            if code is None:
                newest = bank.newest_shown(_provider(request, required=False))
                if newest is None:
                    raise ValueError("no shown code is waiting to be paid")
                code = newest.qr_content
            try:
                return {"ok": True, "order": act(str(code)).as_dict()}
            except Refusal as refusal:
                raise ValueError(f"refused: {refusal.reason.value}") from None
        return handle

    def code(request: dict[str, Any]) -> dict[str, Any]:
        provider = _provider(request, required=True)
        assert provider is not None
        return {"ok": True, "provider": provider.value, "code": bank.codes.issue(provider)}

    def confirm(request: dict[str, Any]) -> dict[str, Any]:
        order_id = request.get("order")
        if not isinstance(order_id, str) or not order_id:
            raise ValueError("confirm needs order=ID")
        try:
            order = bank.confirm(order_id, _provider(request, required=False))
        except Refusal as refusal:
            raise ValueError(f"refused: {refusal.reason.value}") from None
        return {"ok": True, "order": order.as_dict()}

    def orders(request: dict[str, Any]) -> dict[str, Any]:
        provider = _provider(request, required=False)
        return {"ok": True, "orders": [order.as_dict() for order in bank.ledger.all()
                                       if provider is None or order.provider is provider]}

    def notifications(_request: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "notifications": simulator.notifier.deliveries()}

    switches = FaultSwitches(described=FAULTS, active=simulator.faults.active,
                             set=simulator.faults.set, clear=simulator.faults.clear)
    return fault_handler(switches, {"code": code, "scan": person(bank.scan),
                                    "pay": person(bank.pay_shown), "confirm": confirm,
                                    "orders": orders, "notifications": notifications})
