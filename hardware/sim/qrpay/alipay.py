"""Alipay's OpenAPI gateway (``GET|POST /gateway.do``, RSA2) as python-alipay-sdk 3.4.0
talks to it.

The request's parameters (query string, and form body for POST) are signed by the app's
private key: RSA-SHA256 over every parameter but ``sign``, sorted, ``k=v&k=v``, empty
values left out. The answer is ``{"<method with _>_response": {...}, "sign": "..."}``
with ``sign`` over the exact JSON text of the response object; gateway errors (40001,
40002: a bad signature, app_id or method) come unsigned, as Alipay sends them, and the
SDK raises AliPayException on them. Notifications are form POSTs signed over every
parameter but ``sign`` and ``sign_type``; the merchant answers ``success``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from hardware.sim.qrpay.bank import Bank, CancelAction, Reason, Refusal
from hardware.sim.qrpay.keys import ALIPAY_APP_ID, SimulatorKeys
from hardware.sim.qrpay.ledger import Mode, Order, OrderState, Provider, now
from hardware.sim.qrpay.messages import (
    BadRequest,
    Bill,
    BillStore,
    Request,
    Response,
    fen_from_yuan,
    yuan,
)
from hardware.sim.qrpay.notify import Outgoing
from hardware.sim.qrpay.signing import rsa_sign, rsa_verify, sorted_pairs
from hardware.sim.qrpay.statement import corrupted, day_entries, first_member_middle
from hardware.sim.qrpay.statement_alipay import alipay_statement, zip_name

PATH = "/gateway.do"
BILL_PATH = "/bills/alipay/"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
BUSINESS_FAILED = "Business Failed"

SUB_CODES: dict[Reason, tuple[str, str]] = {
    Reason.NOT_FOUND: ("ACQ.TRADE_NOT_EXIST", "交易不存在"),
    Reason.NOT_SCANNED: ("ACQ.TRADE_NOT_EXIST", "交易不存在"),
    Reason.CONFLICT: ("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改"),
    Reason.ALREADY_PAID: ("ACQ.TRADE_HAS_SUCCESS", "交易已被支付"),
    Reason.CLOSED: ("ACQ.TRADE_HAS_CLOSE", "交易已经关闭"),
    Reason.NOT_PAID: ("ACQ.TRADE_STATUS_ERROR", "交易状态不合法"),
    Reason.REFUND_EXCEEDS: ("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限"),
    Reason.INSUFFICIENT_BALANCE: ("ACQ.BUYER_BALANCE_NOT_ENOUGH", "买家余额不足"),
    Reason.CODE_INVALID: ("ACQ.PAYMENT_AUTH_CODE_INVALID", "付款码无效 (code invalid)"),
    Reason.CODE_EXPIRED: ("ACQ.PAYMENT_AUTH_CODE_INVALID", "付款码已过期 (code expired)"),
    Reason.CODE_USED: ("ACQ.PAYMENT_AUTH_CODE_INVALID", "付款码已使用 (code used)"),
}


def trade_status(order: Order) -> str:
    if order.state in (OrderState.SCANNED, OrderState.USER_PAYING):
        return "WAIT_BUYER_PAY"
    if order.state is OrderState.PAID and order.refunded_fen < order.amount_fen:
        return "TRADE_SUCCESS"
    return "TRADE_CLOSED"  # closed, failed, cancelled or refunded in full


class AlipayGateway:
    provider = Provider.ALIPAY

    def __init__(self, bank: Bank, keys: SimulatorKeys, bills: BillStore,
                 base_url: Callable[[], str]) -> None:
        self.bank = bank
        self.keys = keys
        self.bills = bills
        self.base_url = base_url
        self._methods: dict[str, Callable[[dict[str, Any], dict[str, str]], dict[str, Any]]] = {
            "alipay.trade.precreate": self._precreate,
            "alipay.trade.pay": self._pay,
            "alipay.trade.query": self._query,
            "alipay.trade.close": self._close,
            "alipay.trade.cancel": self._cancel,
            "alipay.trade.refund": self._refund,
            "alipay.data.dataservice.bill.downloadurl.query": self._bill_url,
        }

    # -- the gateway ----------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path.startswith(BILL_PATH):
            return self._download(request.path[len(BILL_PATH):])
        params = request.query
        if request.method == "POST" and request.body:
            params.update(request.form())
        method = params.get("method", "")
        for name in ("app_id", "method", "sign", "sign_type", "timestamp", "version"):
            if not params.get(name):
                return self._gateway_error(method, "40001", "Missing Required Arguments",
                                           f"isv.missing-{name.replace('_', '-')}")
        if params["app_id"] != ALIPAY_APP_ID:
            return self._gateway_error(method, "40002", "Invalid Arguments",
                                       "isv.invalid-app-id")
        if params["sign_type"] != "RSA2":
            return self._gateway_error(method, "40002", "Invalid Arguments",
                                       "isv.invalid-signature-type")
        signed = sorted_pairs(params, ("sign",)).encode("utf-8")
        if not rsa_verify(self.keys.alipay.merchant.public, signed, params["sign"]):
            return self._gateway_error(method, "40002", "Invalid Arguments",
                                       "isv.invalid-signature")
        handler = self._methods.get(method)
        if handler is None:
            return self._gateway_error("", "40002", "Invalid Arguments", "isv.invalid-method")
        try:
            biz = json.loads(params.get("biz_content") or "{}")
            if not isinstance(biz, dict):
                raise BadRequest("biz_content is a JSON object")
            content = handler(biz, params)
        except (BadRequest, json.JSONDecodeError) as exc:
            content = {"code": "40004", "msg": BUSINESS_FAILED,
                       "sub_code": "ACQ.INVALID_PARAMETER", "sub_msg": f"参数无效: {exc}"}
        except Refusal as refusal:
            content = self._refusal(refusal)
        return self._answer(method, content)

    def _answer(self, method: str, content: dict[str, Any], *, signed: bool = True) -> Response:
        key = (method.replace(".", "_") + "_response") if method else "error_response"
        inner = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        text = f'{{"{key}":{inner}'
        if signed:
            text += f',"sign":"{rsa_sign(self._signing_key(), inner.encode("utf-8"))}"'
        return Response.text(200, text + "}", "application/json;charset=utf-8")

    def _gateway_error(self, method: str, code: str, msg: str, sub_code: str) -> Response:
        return self._answer(method if method in self._methods else "",
                            {"code": code, "msg": msg, "sub_code": sub_code,
                             "sub_msg": sub_code}, signed=False)

    def _signing_key(self) -> Any:
        if self.bank.faults.on("bad_signature"):
            return self.keys.wrong.private
        return self.keys.alipay.provider.private

    @staticmethod
    def _refusal(refusal: Refusal) -> dict[str, Any]:
        sub_code, sub_msg = SUB_CODES[refusal.reason]
        content: dict[str, Any] = {"code": "40004", "msg": BUSINESS_FAILED,
                                   "sub_code": sub_code, "sub_msg": sub_msg}
        if refusal.order is not None and refusal.order.mode is Mode.SCAN:
            content["out_trade_no"] = refusal.order.order_id
        return content

    # -- methods --------------------------------------------------------------------------

    @staticmethod
    def _required(biz: dict[str, Any], *names: str) -> list[str]:
        values = []
        for name in names:
            value = biz.get(name)
            if value in (None, ""):
                raise BadRequest(f"{name} is required")
            values.append(str(value))
        return values

    def _order_id(self, biz: dict[str, Any]) -> str:
        if biz.get("out_trade_no"):
            return str(biz["out_trade_no"])
        if biz.get("trade_no"):
            found = self.bank.ledger.by_txn_id(self.provider, str(biz["trade_no"]))
            if found is None:
                raise Refusal(Reason.NOT_FOUND)
            return found.order_id
        raise BadRequest("out_trade_no or trade_no is required")

    def _precreate(self, biz: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        order_id, amount, subject = self._required(biz, "out_trade_no", "total_amount",
                                                   "subject")
        order = self.bank.show(self.provider, order_id, fen_from_yuan(amount), subject,
                               params.get("notify_url", ""))
        return {"code": "10000", "msg": "Success", "out_trade_no": order.order_id,
                "qr_code": order.qr_content}

    def _pay(self, biz: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        order_id, amount, subject, scene, auth_code = self._required(
            biz, "out_trade_no", "total_amount", "subject", "scene", "auth_code")
        if scene not in ("bar_code", "wave_code"):
            raise BadRequest("scene is bar_code or wave_code")
        order = self.bank.pay_by_code(self.provider, order_id, fen_from_yuan(amount), subject,
                                      auth_code, params.get("notify_url", ""))
        content: dict[str, Any] = {"code": "10000", "msg": "Success", "trade_no": order.txn_id,
                                   "out_trade_no": order.order_id,
                                   "total_amount": yuan(order.amount_fen)}
        if order.state is OrderState.USER_PAYING:
            content.update(code="10003", msg="Order success pay inprocess")
            return content
        paid = yuan(order.amount_fen)
        content.update(receipt_amount=paid, buyer_pay_amount=paid, invoice_amount=paid,
                       gmt_payment=_when(order.paid_at),
                       fund_bill_list=[{"fund_channel": "ALIPAYACCOUNT", "amount": paid}])
        return content

    def _query(self, biz: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        order = self.bank.order(self.provider, self._order_id(biz))
        if order.mode is Mode.SHOW and not order.scanned:
            raise Refusal(Reason.NOT_FOUND)  # nobody scanned it: no trade at Alipay yet
        content = {"code": "10000", "msg": "Success", "trade_no": order.txn_id,
                   "out_trade_no": order.order_id, "trade_status": trade_status(order),
                   "total_amount": yuan(order.amount_fen)}
        if order.paid_at is not None:
            paid = yuan(order.amount_fen)
            content.update(buyer_pay_amount=paid, receipt_amount=paid,
                           send_pay_date=_when(order.paid_at))
        return content

    def _close(self, biz: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        order = self.bank.close(self.provider, self._order_id(biz), unscanned_is_missing=True)
        return {"code": "10000", "msg": "Success", "trade_no": order.txn_id,
                "out_trade_no": order.order_id}

    def _cancel(self, biz: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        order, action = self.bank.cancel(self.provider, self._order_id(biz))
        return {"code": "10000", "msg": "Success", "trade_no": order.txn_id,
                "out_trade_no": order.order_id, "retry_flag": "N",
                "action": "refund" if action is CancelAction.REFUND else "close"}

    def _refund(self, biz: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        order_id = self._order_id(biz)
        (amount,) = self._required(biz, "refund_amount")
        refund_no = str(biz.get("out_request_no") or order_id)
        order, refund, moved = self.bank.refund(self.provider, order_id, refund_no,
                                                fen_from_yuan(amount), txn_id="")
        return {"code": "10000", "msg": "Success", "trade_no": order.txn_id,
                "out_trade_no": order.order_id, "fund_change": "Y" if moved else "N",
                "refund_fee": yuan(order.refunded_fen), "send_back_fee": yuan(refund.amount_fen),
                "gmt_refund_pay": _when(refund.at)}

    def _bill_url(self, biz: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        bill_type, bill_date = self._required(biz, "bill_type", "bill_date")
        if bill_type != "trade":
            raise BadRequest("bill_type: the simulator keeps trade bills only")
        try:
            day = date.fromisoformat(bill_date)
        except ValueError:
            raise BadRequest("bill_date is YYYY-MM-DD") from None
        if day > now().date():
            return {"code": "40004", "msg": BUSINESS_FAILED, "sub_code": "isp.bill_not_exist",
                    "sub_msg": "账单不存在"}
        entries = day_entries(self.bank.ledger.all(), self.provider, day,
                              drift=self.bank.faults.on("statement_drift"))
        content = alipay_statement(entries, day)
        if self.bank.faults.on("statement_corrupt"):
            content = corrupted(content, first_member_middle(content))
        token = self.bills.publish(Bill(content, "application/zip"))
        return {"code": "10000", "msg": "Success",
                "bill_download_url": f"{self.base_url()}{BILL_PATH}{token}"
                                     f"?downloadFileName={zip_name(day)}"}

    def _download(self, token: str) -> Response:
        bill = self.bills.get(token)
        if bill is None:
            return Response.text(404, "bill not found", "text/plain; charset=utf-8")
        return Response(200, bill.content, {"Content-Type": bill.content_type})

    # -- notifications --------------------------------------------------------------------

    def notification(self, order: Order, amount_fen: int) -> Outgoing:
        paid = yuan(amount_fen)
        params = {
            "notify_time": _when(now()), "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16), "app_id": ALIPAY_APP_ID, "charset": "utf-8",
            "version": "1.0", "sign_type": "RSA2", "trade_no": order.txn_id,
            "out_trade_no": order.order_id, "trade_status": "TRADE_SUCCESS",
            "total_amount": paid, "receipt_amount": paid, "buyer_pay_amount": paid,
            "gmt_create": _when(order.created_at), "gmt_payment": _when(order.paid_at),
        }
        signed = sorted_pairs(params, ("sign", "sign_type")).encode("utf-8")
        params["sign"] = rsa_sign(self._signing_key(), signed)
        return Outgoing(urlencode(params).encode("ascii"),
                        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})

    @staticmethod
    def acknowledged(status: int, body: bytes) -> bool:
        return status == 200 and body.strip() == b"success"


def _when(moment: datetime | None) -> str:
    return moment.strftime(TIME_FORMAT) if moment is not None else ""
