"""WeChat Pay API v3 (``/v3/...``, JSON) in public-key mode, as wechatpayv3 2.0.4 talks
to it.

A request carries ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",
signature="…",timestamp="…",serial_no="…"``, the signature RSA-SHA256 of
``METHOD\\nPATH?QUERY\\ntimestamp\\nnonce\\nbody\\n`` with the merchant's key; a bad one is
401 SIGN_ERROR. Every answer (errors and 204 too) and every notification carries
``Wechatpay-Timestamp``, ``-Nonce``, ``-Serial`` (the PUB_KEY_ID), ``-Signature-Type``
and ``-Signature`` over ``timestamp\\nnonce\\nbody\\n`` with WeChat Pay's key. The
notification's resource is AEAD_AES_256_GCM with the merchant's API v3 key; the merchant
answers 200 or 204.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import secrets
import string
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from hardware.sim.qrpay.bank import Bank, Reason, Refusal
from hardware.sim.qrpay.keys import WECHAT_APPID, WECHAT_MCHID, WECHAT_PUBLIC_KEY_ID, SimulatorKeys
from hardware.sim.qrpay.ledger import Mode, Order, OrderState, Provider, Refund, now
from hardware.sim.qrpay.messages import (
    BadRequest,
    Bill,
    BillStore,
    Request,
    Response,
    fen_from_int,
)
from hardware.sim.qrpay.notify import Outgoing
from hardware.sim.qrpay.signing import aead_encrypt, rsa_sign, rsa_verify, wechat_message
from hardware.sim.qrpay.statement import corrupted, day_entries
from hardware.sim.qrpay.statement_wechat import wechat_statement

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
CLOCK_SKEW_S = 300  # WeChat Pay refuses a request signed more than 5 minutes off
BILL_DOWNLOAD = "/v3/billdownload/file"
ORDER_PATH = re.compile(r"^/v3/pay/transactions/out-trade-no/([^/]+)(/close|/reverse)?$")
ID_PATH = re.compile(r"^/v3/pay/transactions/id/([^/]+)$")
REFUND_PATH = re.compile(r"^/v3/refund/domestic/refunds/([^/]+)$")

ERRORS: dict[Reason, tuple[int, str, str]] = {
    Reason.NOT_FOUND: (404, "ORDER_NOT_EXIST", "订单不存在"),
    Reason.NOT_SCANNED: (404, "ORDER_NOT_EXIST", "订单不存在"),
    Reason.CONFLICT: (400, "INVALID_REQUEST", "商户订单号重复"),
    Reason.ALREADY_PAID: (400, "ORDERPAID", "订单已支付"),
    Reason.CLOSED: (400, "ORDER_CLOSED", "订单已关闭"),
    Reason.NOT_PAID: (400, "INVALID_REQUEST", "订单状态不正确"),
    Reason.REFUND_EXCEEDS: (400, "INVALID_REQUEST", "申请退款金额超过订单可退金额"),
    Reason.INSUFFICIENT_BALANCE: (403, "NOT_ENOUGH", "用户账户余额不足"),
    Reason.CODE_INVALID: (400, "AUTH_CODE_INVALID", "付款码无效 (code invalid)"),
    Reason.CODE_EXPIRED: (400, "AUTH_CODE_INVALID", "付款码已过期 (code expired)"),
    Reason.CODE_USED: (400, "AUTH_CODE_INVALID", "付款码已使用 (code used)"),
}
TRADE_STATE_DESC = {"NOTPAY": "未支付", "USERPAYING": "用户支付中", "SUCCESS": "支付成功",
                    "REFUND": "转入退款", "CLOSED": "已关闭", "REVOKED": "已撤销",
                    "PAYERROR": "支付失败"}


class Unauthorized(Exception):
    """The request's Authorization does not check out: 401 SIGN_ERROR."""


def trade_state(order: Order) -> str:
    if order.state in (OrderState.WAITING, OrderState.SCANNED):
        return "NOTPAY"
    return {OrderState.USER_PAYING: "USERPAYING", OrderState.CLOSED: "CLOSED",
            OrderState.FAILED: "PAYERROR", OrderState.REVERSED: "REVOKED"}.get(
        order.state, "REFUND" if order.refunds else "SUCCESS")


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _nonce(length: int = 32) -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(length))


class WeChatPayApi:
    provider = Provider.WECHAT

    def __init__(self, bank: Bank, keys: SimulatorKeys, bills: BillStore,
                 base_url: Callable[[], str]) -> None:
        self.bank = bank
        self.keys = keys
        self.bills = bills
        self.base_url = base_url

    # -- the API --------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        try:
            self._authenticate(request)
        except Unauthorized as exc:
            return self._error(401, "SIGN_ERROR", f"签名错误: {exc}")
        try:
            return self._route(request)
        except Refusal as refusal:
            return self._error(*ERRORS[refusal.reason])
        except (BadRequest, json.JSONDecodeError, UnicodeDecodeError) as exc:
            return self._error(400, "PARAM_ERROR", f"参数错误: {exc}")

    def _route(self, request: Request) -> Response:
        path, method = request.path, request.method
        if method == "POST" and path == "/v3/pay/transactions/native":
            return self._native(self._body(request))
        if method == "POST" and path == "/v3/pay/transactions/codepay":
            return self._codepay(self._body(request))
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            return self._refund(self._body(request))
        if method == "GET" and path == "/v3/bill/tradebill":
            return self._trade_bill(request.query)
        if method == "GET" and path == BILL_DOWNLOAD:
            return self._download(request.query.get("token", ""))
        if match := ORDER_PATH.match(path):
            order_id, action = match.group(1), match.group(2)
            if method == "GET" and action is None:
                self._mchid(request.query)
                return self._json(200, self._transaction(self.bank.order(self.provider,
                                                                         order_id)))
            if method == "POST" and action == "/close":
                self._mchid(self._body(request))
                self.bank.close(self.provider, order_id)
                return self._signed(204, b"", {})
            if method == "POST" and action == "/reverse":
                self._mchid(self._body(request))
                order, _ = self.bank.cancel(self.provider, order_id)
                return self._json(200, {"appid": WECHAT_APPID, "mchid": WECHAT_MCHID,
                                        "out_trade_no": order.order_id})
        if method == "GET" and (match := ID_PATH.match(path)):
            self._mchid(request.query)
            found = self.bank.ledger.by_txn_id(self.provider, match.group(1))
            if found is None or found.paid_at is None:
                raise Refusal(Reason.NOT_FOUND)
            return self._json(200, self._transaction(self.bank.order(self.provider,
                                                                     found.order_id)))
        if method == "GET" and (match := REFUND_PATH.match(path)):
            return self._json(200, self._find_refund(match.group(1)))
        return self._error(404, "NOT_FOUND", "请求的资源不存在")

    # -- requests -------------------------------------------------------------------------

    def _authenticate(self, request: Request) -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, rest = header.partition(" ")
        if scheme != SIGNATURE_TYPE:
            raise Unauthorized("Authorization is not WECHATPAY2-SHA256-RSA2048")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if fields.get("mchid") != WECHAT_MCHID:
            raise Unauthorized("mchid")
        if fields.get("serial_no", "").upper() != self.keys.wechat_merchant_serial:
            raise Unauthorized("serial_no is not the merchant's certificate")
        stamp = fields.get("timestamp", "")
        if not stamp.isdigit() or abs(int(stamp) - time.time()) > CLOCK_SKEW_S:
            raise Unauthorized("timestamp")
        message = wechat_message(request.method, request.target, stamp,
                                 fields.get("nonce_str", ""),
                                 request.body.decode("utf-8", errors="replace"))
        if not rsa_verify(self.keys.wechat.merchant.public, message,
                          fields.get("signature", "")):
            raise Unauthorized("signature")

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        body = json.loads(request.body.decode("utf-8") or "{}")
        if not isinstance(body, dict):
            raise BadRequest("the body is a JSON object")
        return body

    @staticmethod
    def _mchid(fields: dict[str, Any]) -> None:
        if fields.get("mchid") != WECHAT_MCHID:
            raise BadRequest("mchid is not this merchant's")

    @staticmethod
    def _merchant(body: dict[str, Any]) -> None:
        WeChatPayApi._mchid(body)
        if body.get("appid") != WECHAT_APPID:
            raise BadRequest("appid does not belong to mchid (APPID_MCHID_NOT_MATCH)")

    @staticmethod
    def _text(body: dict[str, Any], name: str) -> str:
        value = body.get(name)
        if not isinstance(value, str) or not value:
            raise BadRequest(f"{name} is required")
        return value

    @staticmethod
    def _total(body: dict[str, Any]) -> int:
        amount = body.get("amount")
        if not isinstance(amount, dict):
            raise BadRequest("amount is required")
        if amount.get("currency", "CNY") != "CNY":
            raise BadRequest("amount.currency is CNY")
        return fen_from_int(amount.get("total"))

    def _native(self, body: dict[str, Any]) -> Response:
        self._merchant(body)
        order = self.bank.show(self.provider, self._text(body, "out_trade_no"),
                               self._total(body), self._text(body, "description"),
                               self._text(body, "notify_url"))
        return self._json(200, {"code_url": order.qr_content})

    def _codepay(self, body: dict[str, Any]) -> Response:
        self._merchant(body)
        payer = body.get("payer")
        auth_code = payer.get("auth_code") if isinstance(payer, dict) else None
        if not isinstance(auth_code, str) or not auth_code:
            raise BadRequest("payer.auth_code is required")
        order = self.bank.pay_by_code(self.provider, self._text(body, "out_trade_no"),
                                      self._total(body), self._text(body, "description"),
                                      auth_code, str(body.get("notify_url") or ""))
        if order.state is OrderState.USER_PAYING:
            return self._error(202, "USERPAYING", "用户支付中，需要输入密码")
        return self._json(200, self._transaction(order))

    def _refund(self, body: dict[str, Any]) -> Response:
        if body.get("out_trade_no"):
            order_id = self._text(body, "out_trade_no")
        else:
            found = self.bank.ledger.by_txn_id(self.provider, self._text(body, "transaction_id"))
            if found is None:
                raise Refusal(Reason.NOT_FOUND)
            order_id = found.order_id
        amount = body.get("amount")
        if not isinstance(amount, dict):
            raise BadRequest("amount is required")
        refund_fen = fen_from_int(amount.get("refund"))
        if fen_from_int(amount.get("total")) != self.bank.order(self.provider, order_id).amount_fen:
            raise BadRequest("amount.total is not the order's amount")
        order, refund, _ = self.bank.refund(self.provider, order_id,
                                            self._text(body, "out_refund_no"), refund_fen,
                                            txn_id=self.bank.ids.wechat_refund())
        return self._json(200, self._refund_json(order, refund))

    def _find_refund(self, refund_no: str) -> dict[str, Any]:
        for order in self.bank.ledger.all():
            if order.provider is self.provider:
                for refund in order.refunds:
                    if refund.refund_no == refund_no and not refund.reversal:
                        return self._refund_json(order, refund)
        raise Refusal(Reason.NOT_FOUND)

    def _trade_bill(self, query: dict[str, str]) -> Response:
        try:
            day = date.fromisoformat(query.get("bill_date", ""))
        except ValueError:
            raise BadRequest("bill_date is YYYY-MM-DD") from None
        if day > now().date():
            return self._error(400, "NO_STATEMENT_EXIST", "账单文件不存在")
        table = wechat_statement(day_entries(self.bank.ledger.all(), self.provider, day,
                                             drift=self.bank.faults.on("statement_drift")))
        digest = hashlib.sha1(table, usedforsecurity=False).hexdigest()  # before any gzip
        if self.bank.faults.on("statement_corrupt"):
            table = corrupted(table)
        bill = Bill(gzip.compress(table), "application/gzip") \
            if query.get("tar_type") == "GZIP" else Bill(table, "text/csv; charset=utf-8")
        token = self.bills.publish(bill)
        return self._json(200, {"hash_type": "SHA1", "hash_value": digest,
                                "download_url": f"{self.base_url()}{BILL_DOWNLOAD}?token={token}"})

    def _download(self, token: str) -> Response:
        bill = self.bills.get(token)
        if bill is None:
            return self._error(404, "NO_STATEMENT_EXIST", "账单文件不存在")
        return Response(200, bill.content, {"Content-Type": bill.content_type})

    # -- answers --------------------------------------------------------------------------

    def _transaction(self, order: Order, amount_fen: int | None = None) -> dict[str, Any]:
        state = trade_state(order)
        total = order.amount_fen if amount_fen is None else amount_fen
        content: dict[str, Any] = {
            "appid": WECHAT_APPID, "mchid": WECHAT_MCHID, "out_trade_no": order.order_id,
            "trade_type": "NATIVE" if order.mode is Mode.SHOW else "MICROPAY",
            "trade_state": state, "trade_state_desc": TRADE_STATE_DESC[state],
            "amount": {"total": total, "currency": "CNY"}}
        if order.mode is Mode.SCAN or order.paid_at is not None:
            content["transaction_id"] = order.txn_id
        if order.paid_at is not None:
            content.update(bank_type="OTHERS", success_time=_rfc3339(order.paid_at),
                           payer={"openid": "o" + order.txn_id[-16:]})
            content["amount"].update(payer_total=total, payer_currency="CNY")
        return content

    @staticmethod
    def _refund_json(order: Order, refund: Refund) -> dict[str, Any]:
        return {"refund_id": refund.txn_id, "out_refund_no": refund.refund_no,
                "transaction_id": order.txn_id, "out_trade_no": order.order_id,
                "channel": "ORIGINAL", "user_received_account": "支付用户零钱",
                "create_time": _rfc3339(refund.at), "success_time": _rfc3339(refund.at),
                "status": "SUCCESS", "funds_account": "AVAILABLE",
                "amount": {"total": order.amount_fen, "refund": refund.amount_fen,
                           "payer_total": order.amount_fen, "payer_refund": refund.amount_fen,
                           "settlement_total": order.amount_fen,
                           "settlement_refund": refund.amount_fen, "discount_refund": 0,
                           "currency": "CNY"}}

    def _platform_headers(self, body: bytes) -> dict[str, str]:
        stamp, nonce = str(int(time.time())), _nonce()
        key = self.keys.wrong.private if self.bank.faults.on("bad_signature") \
            else self.keys.wechat.provider.private
        return {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce,
                "Wechatpay-Serial": WECHAT_PUBLIC_KEY_ID,
                "Wechatpay-Signature-Type": SIGNATURE_TYPE,
                "Wechatpay-Signature": rsa_sign(key, wechat_message(
                    stamp, nonce, body.decode("utf-8")))}

    def _signed(self, status: int, body: bytes, headers: dict[str, str]) -> Response:
        return Response(status, body, {**headers, **self._platform_headers(body),
                                       "Request-ID": _nonce(24)})

    def _json(self, status: int, content: dict[str, Any]) -> Response:
        body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return self._signed(status, body, {"Content-Type": "application/json; charset=utf-8"})

    def _error(self, status: int, code: str, message: str) -> Response:
        return self._json(status, {"code": code, "message": message})

    # -- notifications --------------------------------------------------------------------

    def notification(self, order: Order, amount_fen: int) -> Outgoing:
        resource = json.dumps(self._transaction(order, amount_fen), ensure_ascii=False,
                              separators=(",", ":"))
        nonce = _nonce(12)
        content = {
            "id": "EV-" + secrets.token_hex(16), "create_time": _rfc3339(now()),
            "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                         "ciphertext": aead_encrypt(self.keys.apiv3_key, nonce, "transaction",
                                                    resource),
                         "associated_data": "transaction", "nonce": nonce}}
        body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return Outgoing(body, {"Content-Type": "application/json; charset=utf-8",
                               **self._platform_headers(body)})

    @staticmethod
    def acknowledged(status: int, body: bytes) -> bool:
        return status in (200, 204)
