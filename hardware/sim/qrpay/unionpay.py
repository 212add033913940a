"""UnionPay QR through the acpsdk 5.1.0 form gateway (``/gateway/api/...``).

Requests are form POSTs, ``signMethod=01``: ``signature`` = base64 RSA-SHA256 (the
merchant's key) over the lower-case hex SHA-256 of every other non-empty field sorted
``k=v&k=v``. A bad signature or a certId that is not the merchant's is refused with
``respCode=11``. Answers are ``k=v&k=v`` (values not URL-encoded, as UnionPay sends
them; none contains ``&``) signed the same way with UnionPay's key; notifications are
form POSTs to ``backUrl`` signed with it, and the merchant answers HTTP 200 ``ok``.

Every transaction (a payment, a void, a refund) has its own ``orderId`` and ``txnTime``;
a query names both. A void (``txnType=31``) names the payment by ``origQryId``; for a
shown code nobody paid yet there is no queryId, so the simulator also takes
``origOrderId`` (its own convenience: real UnionPay lets such a code expire).
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from hardware.sim.qrpay.bank import Bank, CancelAction, Reason, Refusal
from hardware.sim.qrpay.keys import UNIONPAY_MER_ID, SimulatorKeys
from hardware.sim.qrpay.ledger import Order, OrderState, Provider, now
from hardware.sim.qrpay.messages import BadRequest, BillStore, Request, Response, fen_from_int
from hardware.sim.qrpay.notify import Outgoing
from hardware.sim.qrpay.signing import rsa_sign, rsa_verify, unionpay_digest
from hardware.sim.qrpay.statement import corrupted, day_entries
from hardware.sim.qrpay.statement_unionpay import unionpay_statement, zip_name

BACK_TRANS = "/gateway/api/backTransReq.do"
QUERY_TRANS = "/gateway/api/queryTrans.do"
FILE_TRANS = "/gateway/api/fileTransRequest.do"
COMMON = ("version", "encoding", "signMethod", "certId", "merId", "txnType", "signature")

RESP_CODES: dict[Reason, tuple[str, str]] = {
    Reason.NOT_FOUND: ("34", "查无此交易"),
    Reason.NOT_SCANNED: ("34", "查无此交易"),
    Reason.CONFLICT: ("12", "重复交易"),
    Reason.ALREADY_PAID: ("12", "重复交易: 订单已支付"),
    Reason.CLOSED: ("35", "原交易状态不正确: 已关闭"),
    Reason.NOT_PAID: ("35", "原交易状态不正确: 未支付"),
    Reason.REFUND_EXCEEDS: ("35", "退货金额超限"),
    Reason.INSUFFICIENT_BALANCE: ("64", "余额不足"),
    Reason.CODE_INVALID: ("61", "付款码无效 (code invalid)"),
    Reason.CODE_EXPIRED: ("61", "付款码已过期 (code expired)"),
    Reason.CODE_USED: ("61", "付款码已使用 (code used)"),
}


@dataclass(frozen=True)
class Follow:
    """A void or refund: its own transaction, found by its own orderId and txnTime."""

    kind: str  # "31" void, "04" refund
    order_id: str
    txn_time: str
    query_id: str
    amount_fen: int
    of_order: str  # the payment's orderId
    resp_code: str  # "00" done, else why not
    resp_msg: str


def _settle_date(moment: datetime) -> str:
    return moment.strftime("%m%d")


class UnionPayGateway:
    provider = Provider.UNIONPAY

    def __init__(self, bank: Bank, keys: SimulatorKeys, bills: BillStore,
                 base_url: Callable[[], str]) -> None:
        self.bank = bank
        self.keys = keys
        self.base_url = base_url
        self._follows: dict[str, Follow] = {}

    def handle(self, request: Request) -> Response:
        try:
            fields = request.form() if request.method == "POST" else {}
        except UnicodeDecodeError:
            fields = {}
        base = {name: fields.get(name, "") for name in
                ("version", "encoding", "signMethod", "merId", "orderId", "txnTime",
                 "txnType", "txnSubType", "bizType", "accessType")}
        base = {k: v for k, v in base.items() if v}
        missing = [name for name in COMMON if not fields.get(name)]
        if request.method != "POST" or missing:
            return self._answer(base, "13", f"报文交易要素缺失: {', '.join(missing)}")
        if fields["version"] != "5.1.0" or fields["signMethod"] != "01":
            return self._answer(base, "10", "报文格式错误: version 5.1.0, signMethod 01")
        if fields["merId"] != UNIONPAY_MER_ID or fields["certId"] != self.keys.unionpay_cert_id \
                or not rsa_verify(self.keys.unionpay.merchant.public, unionpay_digest(fields),
                                  fields["signature"]):
            return self._answer(base, "11", "验证签名失败")
        try:
            if request.path == BACK_TRANS:
                return self._back_trans(fields, base)
            if request.path == QUERY_TRANS:
                return self._query(fields, base)
            if request.path == FILE_TRANS:
                return self._file(fields, base)
            return self._answer(base, "10", "报文格式错误: unknown endpoint", status=404)
        except BadRequest as exc:
            return self._answer(base, "13", f"报文交易要素缺失: {exc}")
        except Refusal as refusal:
            return self._answer(base, *RESP_CODES[refusal.reason])

    # -- transactions ---------------------------------------------------------------------

    @staticmethod
    def _required(fields: dict[str, str], *names: str) -> list[str]:
        missing = [name for name in names if not fields.get(name)]
        if missing:
            raise BadRequest(", ".join(missing))
        return [fields[name] for name in names]

    def _back_trans(self, fields: dict[str, str], base: dict[str, str]) -> Response:
        txn_type, sub = fields["txnType"], fields.get("txnSubType", "")
        order_id, txn_time, amount = self._required(fields, "orderId", "txnTime", "txnAmt")
        fen = fen_from_int(amount)
        if fields.get("currencyCode", "156") != "156":
            raise BadRequest("currencyCode 156")
        extra = {"txnTime": txn_time, "txnSubType": sub}
        if txn_type == "01" and sub == "07":
            order = self.bank.show(self.provider, order_id, fen, fields.get("orderDesc", ""),
                                   fields.get("backUrl", ""), extra)
            if order.extra.get("txnTime") != txn_time:
                raise Refusal(Reason.CONFLICT)
            return self._answer(base, "00", "成功[0000000]", qrCode=order.qr_content)
        if txn_type == "01" and sub == "06":
            (qr_no,) = self._required(fields, "qrNo")
            self.bank.pay_by_code(self.provider, order_id, fen, fields.get("orderDesc", ""),
                                  qr_no, fields.get("backUrl", ""), extra)
            return self._answer(base, "00", "成功[0000000]")  # accepted: query for the result
        if txn_type in ("31", "04"):
            return self._follow(fields, base, txn_type, order_id, txn_time, fen)
        raise BadRequest("txnType/txnSubType: 01/07, 01/06, 31 or 04")

    def _payment_named(self, fields: dict[str, str]) -> Order:
        if fields.get("origQryId"):
            found = self.bank.ledger.by_txn_id(self.provider, fields["origQryId"])
            if found is None or found.paid_at is None:
                raise Refusal(Reason.NOT_FOUND)
            return found
        if fields.get("origOrderId"):
            return self.bank.order(self.provider, fields["origOrderId"])
        raise BadRequest("origQryId")

    def _follow(self, fields: dict[str, str], base: dict[str, str], txn_type: str,
                order_id: str, txn_time: str, fen: int) -> Response:
        if order_id in self._follows or self.bank.ledger.get(self.provider, order_id):
            raise Refusal(Reason.CONFLICT)
        payment = self._payment_named(fields)
        query_id = self.bank.ids.transaction(self.provider)
        resp_code, resp_msg = "00", "成功[0000000]"
        if txn_type == "31":
            if fen != payment.amount_fen:
                raise BadRequest("txnAmt of a void is the payment's amount")
            order, action = self.bank.cancel(self.provider, payment.order_id, order_id,
                                              query_id)
            if action is CancelAction.CLOSE and order.state is OrderState.CLOSED \
                    and self.bank.faults.on("pay_after_close"):
                resp_code, resp_msg = "35", "原交易状态不正确: 撤销时交易已支付"
        else:
            self.bank.refund(self.provider, payment.order_id, order_id, fen, txn_id=query_id)
        self._follows[order_id] = Follow(txn_type, order_id, txn_time, query_id, fen,
                                         payment.order_id, resp_code, resp_msg)
        return self._answer(base, "00", "成功[0000000]", queryId=query_id)

    def _query(self, fields: dict[str, str], base: dict[str, str]) -> Response:
        order_id, txn_time = self._required(fields, "orderId", "txnTime")
        follow = self._follows.get(order_id)
        if follow is not None:
            if follow.txn_time != txn_time:
                raise Refusal(Reason.NOT_FOUND)
            return self._answer(base, "00", "成功[0000000]", origRespCode=follow.resp_code,
                                origRespMsg=follow.resp_msg, queryId=follow.query_id,
                                txnAmt=str(follow.amount_fen), origTxnType=follow.kind)
        order = self.bank.order(self.provider, order_id)
        if order.extra.get("txnTime") != txn_time:
            raise Refusal(Reason.NOT_FOUND)
        code, message = self._orig_resp(order)
        answer: dict[str, str] = {
            "origRespCode": code, "origRespMsg": message, "txnAmt": str(order.amount_fen),
            "origTxnType": "01", "origTxnSubType": order.extra.get("txnSubType", "")}
        if order.paid_at is not None:
            answer.update(queryId=order.txn_id, settleAmt=str(order.amount_fen),
                          settleDate=_settle_date(order.paid_at),
                          traceTime=order.paid_at.strftime("%m%d%H%M%S"))
        return self._answer(base, "00", "成功[0000000]", answer)

    @staticmethod
    def _orig_resp(order: Order) -> tuple[str, str]:
        if order.paid_at is not None:  # a void or refund is its own transaction
            return "00", "成功[0000000]"
        if order.state is OrderState.FAILED:
            return RESP_CODES[Reason(order.failure)]
        if order.state is OrderState.CLOSED:
            return "01", "交易失败: 已撤销 (closed)"
        return "05", "交易已受理，请稍后查询交易结果"

    def _file(self, fields: dict[str, str], base: dict[str, str]) -> Response:
        (settle,) = self._required(fields, "settleDate")
        if fields["txnType"] != "76" or len(settle) != 4 or not settle.isdigit():
            raise BadRequest("txnType 76, settleDate MMDD")
        today = now().date()
        try:
            day = date(today.year, int(settle[:2]), int(settle[2:]))
        except ValueError:
            raise BadRequest("settleDate MMDD") from None
        if day > today:
            day = day.replace(year=today.year - 1)
        entries = day_entries(self.bank.ledger.all(), self.provider, day,
                              drift=self.bank.faults.on("statement_drift"))
        content = zlib.compress(unionpay_statement(entries, day))
        if self.bank.faults.on("statement_corrupt"):
            content = corrupted(content)
        return self._answer(base, "00", "成功[0000000]", settleDate=settle,
                            fileType=fields.get("fileType", "00"), fileName=zip_name(day),
                            fileContent=base64.b64encode(content).decode("ascii"))

    # -- answers --------------------------------------------------------------------------

    def _sign(self, fields: dict[str, str]) -> dict[str, str]:
        key = self.keys.wrong.private if self.bank.faults.on("bad_signature") \
            else self.keys.unionpay.provider.private
        fields = {k: v for k, v in fields.items() if v != ""}
        fields["signature"] = rsa_sign(key, unionpay_digest(fields))
        return fields

    def _answer(self, base: dict[str, str], resp_code: str, resp_msg: str,
                more: dict[str, str] | None = None, *, status: int = 200,
                **named: str) -> Response:
        fields = {**base, "signMethod": "01", "respCode": resp_code, "respMsg": resp_msg,
                  **(more or {}), **named}
        signed = self._sign(fields)
        text = "&".join(f"{key}={value}" for key, value in signed.items())
        return Response.text(status, text, "text/plain; charset=UTF-8")

    def notification(self, order: Order, amount_fen: int) -> Outgoing:
        paid_at = order.paid_at or now()
        fields = self._sign({
            "version": "5.1.0", "encoding": "UTF-8", "signMethod": "01", "accessType": "0",
            "bizType": "000000", "channelType": "08", "currencyCode": "156",
            "merId": UNIONPAY_MER_ID, "orderId": order.order_id,
            "txnTime": order.extra.get("txnTime", ""), "txnType": "01",
            "txnSubType": order.extra.get("txnSubType", ""), "txnAmt": str(amount_fen),
            "settleAmt": str(amount_fen), "settleCurrencyCode": "156",
            "settleDate": _settle_date(paid_at), "queryId": order.txn_id,
            "traceNo": order.txn_id[-6:], "traceTime": paid_at.strftime("%m%d%H%M%S"),
            "respCode": "00", "respMsg": "成功[0000000]"})
        return Outgoing(urlencode(fields).encode("ascii"),
                        {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})

    @staticmethod
    def acknowledged(status: int, body: bytes) -> bool:
        return status == 200
