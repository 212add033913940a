"""UnionPay QR (acpsdk 5.1.0 gateway, form-encoded) signed with ``cryptography``
(docs/payments-qr.md): UnionPay has no maintained Python SDK.

Signing as acpsdk 5.1.0 does (signMethod 01): the fields other than ``signature``,
sorted by name, as ``k=v&k=v``; its SHA-256 as lowercase hex; that hex string signed
RSA-SHA256 (PKCS#1 v1.5) with the merchant's key, base64. UnionPay signs its answers
and notifications the same way with its own key. Everything UnionPay answers becomes a
ProviderOrder, a RefundResult or ProviderUncertain in ``_call`` and ``_order_of``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from central.payments.providers import (
    PROVIDER_TIMEOUT_S,
    BadNotification,
    Notification,
    NotificationReply,
    OrderRef,
    ProviderOrder,
    ProviderUncertain,
    RefundResult,
    StatementLine,
    form_fields,
)
from central.payments.statement_unionpay import parse_unionpay_file
from central.timeutil import SHANGHAI
from kiosk.domain.qr import QrFailure, QrMode, QrProvider, QrState

BACK_TRANS: Final = "/gateway/api/backTransReq.do"
QUERY_TRANS: Final = "/gateway/api/queryTrans.do"
FILE_TRANS: Final = "/gateway/api/fileTransRequest.do"
ACCEPTED: Final = "00"
RUNNING: Final = frozenset({"03", "04", "05"})
NOT_FOUND: Final = "34"
# respCode of a refused payment -> why, in the kiosk's words.
FAILURES: Final = {
    "64": QrFailure.INSUFFICIENT_BALANCE,  # 卡上的余额不足
    "61": QrFailure.CODE_INVALID,  # 输入的卡号无效: the code is not one, expired or used
}
REPEATED: Final = "12"  # 重复交易: this orderId was sent before
CLOSED_CODES: Final = frozenset({"01", "45"})  # 交易失败 (closed, voided), 已被撤销
TIME_FORMAT: Final = "%Y%m%d%H%M%S"  # Beijing time


def sign_fields(fields: Mapping[str, str], key: rsa.RSAPrivateKey) -> str:
    """acpsdk 5.1.0's signature (signMethod 01) of ``fields`` (without ``signature``)."""
    digest = hashlib.sha256(_signed_text(fields).encode("utf-8")).hexdigest()
    return base64.b64encode(key.sign(digest.encode("ascii"), padding.PKCS1v15(),
                                     hashes.SHA256())).decode("ascii")


def verify_fields(fields: Mapping[str, str], key: rsa.RSAPublicKey) -> bool:
    """Whether ``fields['signature']`` is UnionPay's signature over the others."""
    try:
        signature = base64.b64decode(fields.get("signature", ""), validate=True)
    except (binascii.Error, ValueError):
        return False
    digest = hashlib.sha256(_signed_text(fields).encode("utf-8")).hexdigest()
    try:
        key.verify(signature, digest.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def _signed_text(fields: Mapping[str, str]) -> str:
    return "&".join(f"{name}={value}" for name, value in sorted(fields.items())
                    if name != "signature" and value != "")


class UnionPayClient:
    provider = QrProvider.UNIONPAY
    accepted = NotificationReply(200, b"ok", "text/plain")

    def __init__(self, *, base_url: str, mer_id: str, cert_id: str,
                 merchant_private_key: bytes, unionpay_public_key: bytes,
                 timeout_s: float = PROVIDER_TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.mer_id = mer_id
        self.cert_id = cert_id
        private = serialization.load_pem_private_key(merchant_private_key, password=None)
        public = serialization.load_pem_public_key(unionpay_public_key)
        if not isinstance(private, rsa.RSAPrivateKey) or not isinstance(public,
                                                                           rsa.RSAPublicKey):
            raise ValueError("UnionPay keys must be RSA")
        self._private, self._public = private, public
        self._timeout_s = timeout_s
        self._http = requests.Session()

    @classmethod
    def from_config(cls, section: dict[str, Any], folder: Path,
                    timeout_s: float = PROVIDER_TIMEOUT_S) -> UnionPayClient:
        return cls(timeout_s=timeout_s,
                   base_url=str(section["base_url"]), mer_id=str(section["mer_id"]),
                   cert_id=str(section["cert_id"]),
                   merchant_private_key=(folder / section["merchant_private_key"]).read_bytes(),
                   unionpay_public_key=(folder / section["unionpay_public_key"]).read_bytes())

    # --- orders ----------------------------------------------------------------------

    def create(self, order: OrderRef, subject: str, expires_at: datetime,
               notify_url: str) -> ProviderOrder:
        answer = self._call(BACK_TRANS, self._consume(order, "07", notify_url, {
            "payTimeout": expires_at.astimezone(SHANGHAI).strftime(TIME_FORMAT)}))
        if answer.get("respCode") == ACCEPTED and answer.get("qrCode"):
            return ProviderOrder(QrState.WAITING, qr_content=answer["qrCode"])
        return _refused_or_uncertain(answer)

    def pay_by_code(self, order: OrderRef, subject: str, auth_code: str,
                    notify_url: str) -> ProviderOrder:
        answer = self._call(BACK_TRANS, self._consume(order, "06", notify_url,
                                                      {"qrNo": auth_code}))
        code = answer.get("respCode", "")
        if code in (ACCEPTED, REPEATED) or code in RUNNING:
            return self.query(order)  # accepted: the result is the transaction's
        return _refused_or_uncertain(answer)

    def query(self, order: OrderRef) -> ProviderOrder:
        answer = self._call(QUERY_TRANS, self._common("00", "00", {
            "orderId": order.out_trade_no, "txnTime": _txn_time(order.created_at)}))
        code = answer.get("respCode", "")
        if code == NOT_FOUND:
            return ProviderOrder(QrState.WAITING)
        if code != ACCEPTED:
            raise ProviderUncertain(_reason(answer))
        return self._order_of(answer, order)

    def close(self, order: OrderRef) -> ProviderOrder:
        """UnionPay QR has no close for an unpaid order: a shown code ends at its
        payTimeout, and a payment that still comes is refunded as a late one. The query
        says whether it was paid (then it is not closed)."""
        now = self.query(order)
        if now.state in (QrState.PAID, QrState.REFUNDED, QrState.FAILED):
            return now
        return ProviderOrder(QrState.CLOSED)

    def refund(self, order: OrderRef, refund_no: str, refund_fen: int) -> RefundResult:
        if not order.provider_txn_id:
            return RefundResult(done=False, reason="no_query_id")
        answer = self._call(BACK_TRANS, self._common("04", "00", {
            "orderId": refund_no, "txnTime": _txn_time(datetime.now(SHANGHAI)),
            "origQryId": order.provider_txn_id, "txnAmt": str(refund_fen),
            "currencyCode": "156"}))
        code = answer.get("respCode", "")
        if code in (ACCEPTED, REPEATED) or code in RUNNING:  # 12: this refund again
            return RefundResult(done=True)
        if code in ("01", "02", "06", "10", "11", "13", "31", "32", "33", "35", "36"):
            return RefundResult(done=False, reason=f"unionpay_{_safe(code)}")
        raise ProviderUncertain(_reason(answer))

    # --- notifications and statements --------------------------------------------------

    def parse_notification(self, headers: dict[str, str], body: bytes) -> Notification:
        fields = form_fields(body)
        if fields.get("signMethod") != "01" or not verify_fields(fields, self._public):
            raise BadNotification("bad_signature")
        if fields.get("merId") != self.mer_id:
            raise BadNotification("unknown_app")
        if fields.get("respCode") != ACCEPTED or not fields.get("orderId") or \
                fields.get("txnType") != "01":
            raise BadNotification("wrong_event")
        what = {key: fields.get(key, "") for key in (
            "orderId", "queryId", "respCode", "txnAmt", "txnTime", "traceTime")}
        return Notification(
            out_trade_no=fields["orderId"], state=QrState.PAID,
            provider_txn_id=_safe(fields.get("queryId")) or None,
            amount_fen=_fen(fields.get("txnAmt")),
            paid_at=_paid_at(fields),
            digest=hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest())

    def statement(self, day: date) -> list[StatementLine]:
        answer = self._call(FILE_TRANS, {
            "version": "5.1.0", "encoding": "UTF-8", "signMethod": "01",
            "certId": self.cert_id, "txnType": "76", "txnSubType": "01", "bizType": "000000",
            "accessType": "0", "merId": self.mer_id, "settleDate": f"{day:%m%d}",
            "txnTime": _txn_time(datetime.now(SHANGHAI)), "fileType": "00"})
        if answer.get("respCode") != ACCEPTED or "fileContent" not in answer:
            raise ProviderUncertain(_reason(answer))
        return parse_unionpay_file(answer["fileContent"])

    # --- the one place UnionPay's answers are read ----------------------------------

    def _consume(self, order: OrderRef, sub_type: str, notify_url: str,
                 extra: dict[str, str]) -> dict[str, str]:
        return self._common("01", sub_type, {
            "orderId": order.out_trade_no, "txnTime": _txn_time(order.created_at),
            "txnAmt": str(order.amount_fen), "currencyCode": "156", "backUrl": notify_url,
            **extra})

    def _common(self, txn_type: str, sub_type: str, extra: dict[str, str]) -> dict[str, str]:
        return {"version": "5.1.0", "encoding": "UTF-8", "signMethod": "01",
                "certId": self.cert_id, "txnType": txn_type, "txnSubType": sub_type,
                "bizType": "000000", "accessType": "0", "channelType": "08",
                "merId": self.mer_id, **extra}

    def _call(self, path: str, fields: dict[str, str]) -> dict[str, str]:
        """UnionPay's verified answer, or ProviderUncertain."""
        signed = {**fields, "signature": sign_fields(fields, self._private)}
        try:
            response = self._http.post(self.base_url + path, data=signed,
                                       timeout=(self._timeout_s, self._timeout_s),
                                       allow_redirects=False)
        except requests.Timeout:
            raise ProviderUncertain("timeout") from None
        except requests.RequestException:
            raise ProviderUncertain("connection") from None
        if response.status_code != 200:
            raise ProviderUncertain(f"http_{response.status_code}")
        try:
            answer = _fields(response.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ProviderUncertain("unreadable") from None
        if not verify_fields(answer, self._public):
            raise ProviderUncertain("bad_signature")
        return answer

    def _order_of(self, answer: dict[str, str], order: OrderRef) -> ProviderOrder:
        original = answer.get("origRespCode", "")
        txn = _safe(answer.get("queryId")) or None
        amount = _fen(answer.get("txnAmt"))
        if original == ACCEPTED:
            return ProviderOrder(QrState.PAID, provider_txn_id=txn, amount_fen=amount,
                                 paid_at=_paid_at(answer))
        if original in RUNNING:
            # UnionPay does not say whether a shown code was scanned: still waiting.
            running = QrState.USER_PAYING if order.mode is QrMode.SCAN else QrState.WAITING
            return ProviderOrder(running, provider_txn_id=txn, amount_fen=amount)
        if not original:
            raise ProviderUncertain("unionpay_no_orig_code")
        if original in CLOSED_CODES:
            return ProviderOrder(QrState.CLOSED, amount_fen=amount)
        return ProviderOrder(QrState.FAILED, provider_txn_id=txn, amount_fen=amount,
                             failure=FAILURES.get(original, QrFailure.DECLINED))


def _refused_or_uncertain(answer: dict[str, str]) -> ProviderOrder:
    code = answer.get("respCode", "")
    if code in FAILURES or (code and code[0] in "16" and code not in RUNNING):
        return ProviderOrder(QrState.FAILED, failure=FAILURES.get(code, QrFailure.DECLINED))
    raise ProviderUncertain(_reason(answer))


def _fields(text: str) -> dict[str, str]:
    """UnionPay's answer: ``k=v&k=v`` with the values as they are (not URL-encoded: a
    signature or fileContent keeps its ``+``, ``/`` and ``=``)."""
    fields: dict[str, str] = {}
    for pair in text.strip().split("&"):
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise ValueError("not k=v")
        fields[name] = value
    return fields


def _txn_time(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime(TIME_FORMAT)


def _paid_at(fields: Mapping[str, str]) -> datetime | None:
    for name in ("traceTime", "txnTime"):
        value = fields.get(name, "")
        try:
            if name == "traceTime" and len(value) == 10:  # MMDDhhmmss
                year = datetime.now(SHANGHAI).year
                return datetime.strptime(f"{year}{value}", TIME_FORMAT).replace(
                    tzinfo=SHANGHAI)
            return datetime.strptime(value, TIME_FORMAT).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    return None


def _fen(value: object) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) <= 12 else None


def _safe(value: object) -> str:
    text = str(value or "")[:64]
    return text if all(ch.isalnum() or ch in "._-" for ch in text) else "unprintable"


def _reason(answer: Mapping[str, str]) -> str:
    code = _safe(answer.get("respCode", ""))
    return f"unionpay_{code}" if code else "unionpay_no_code"
