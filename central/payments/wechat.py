"""WeChat Pay (API v3) over wechatpayv3 2.0.4 in public-key mode (docs/payments-qr.md).

The SDK signs each request with the merchant's key (Authorization:
WECHATPAY2-SHA256-RSA2048), sends it to ``WeChatPay._core._gate_way`` (the configured
base URL: the real one, or the simulator) and verifies WeChat Pay's signature over
every 2xx answer with the platform public key (``public_key``/``public_key_id``; no
platform certificates are downloaded). Everything WeChat Pay answers becomes a
ProviderOrder, a RefundResult or ProviderUncertain in ``_call`` and ``_order_of``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import requests
from wechatpayv3 import WeChatPay, WeChatPayType

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
)
from central.payments.statement_wechat import parse_wechat_bill
from central.timeutil import SHANGHAI
from kiosk.domain.qr import QrFailure, QrMode, QrProvider, QrState

TRADE_STATES: Final = {
    "NOTPAY": QrState.WAITING,
    "USERPAYING": QrState.USER_PAYING,
    "SUCCESS": QrState.PAID,
    "CLOSED": QrState.CLOSED,
    "REVOKED": QrState.CLOSED,
    "PAYERROR": QrState.FAILED,
    "REFUND": QrState.REFUNDED,
}
FAILURES: Final = {
    "NOT_ENOUGH": QrFailure.INSUFFICIENT_BALANCE,
    "AUTH_CODE_INVALID": QrFailure.CODE_INVALID,
    "AUTHCODE_EXPIRE": QrFailure.CODE_INVALID,
    "AUTH_CODE_USED": QrFailure.CODE_USED,
}
# Error codes that say nothing was done and nothing will be: the payment is refused.
REFUSALS: Final = frozenset({*FAILURES, "TRADE_ERROR", "RULE_LIMIT", "ACCOUNTERROR",
                             "BANKERROR", "BUYER_MISMATCH", "INVALID_REQUEST",
                             "PARAM_ERROR", "ORDER_CLOSED", "OUT_TRADE_NO_USED"})
# Errors after which the payment may or may not have happened: settle by query.
IN_DOUBT: Final = frozenset({"SYSTEM_ERROR", "SYSTEMERROR", "FREQUENCY_LIMITED",
                             "USERPAYING", "BANK_ERROR"})
PAID_EVENT: Final = "TRANSACTION.SUCCESS"


class WeChatClient:
    provider = QrProvider.WECHAT
    accepted = NotificationReply(204, b"", "text/plain")

    def __init__(self, *, base_url: str, mchid: str, appid: str, merchant_serial_no: str,
                 merchant_private_key: str, apiv3_key: str, wechatpay_public_key: str,
                 wechatpay_public_key_id: str, timeout_s: float = PROVIDER_TIMEOUT_S) -> None:
        self.mchid = mchid
        self._sdk = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=mchid,
                              private_key=merchant_private_key,
                              cert_serial_no=merchant_serial_no, appid=appid,
                              apiv3_key=apiv3_key, timeout=(timeout_s, timeout_s),
                              public_key=wechatpay_public_key,
                              public_key_id=wechatpay_public_key_id)
        self._sdk._core._gate_way = base_url.rstrip("/")

    @classmethod
    def from_config(cls, section: dict[str, Any], folder: Path,
                    timeout_s: float = PROVIDER_TIMEOUT_S) -> WeChatClient:
        return cls(timeout_s=timeout_s,
                   base_url=str(section["base_url"]), mchid=str(section["mchid"]),
                   appid=str(section["appid"]),
                   merchant_serial_no=str(section["merchant_serial_no"]),
                   merchant_private_key=(folder / section["merchant_private_key"])
                   .read_text("ascii"),
                   apiv3_key=(folder / section["apiv3_key_file"]).read_text("ascii").strip(),
                   wechatpay_public_key=(folder / section["wechatpay_public_key"])
                   .read_text("ascii"),
                   wechatpay_public_key_id=str(section["wechatpay_public_key_id"]))

    # --- orders ----------------------------------------------------------------------

    def create(self, order: OrderRef, subject: str, expires_at: datetime,
               notify_url: str) -> ProviderOrder:
        status, body = self._call(lambda: self._sdk.pay(
            description=subject, out_trade_no=order.out_trade_no,
            amount={"total": order.amount_fen, "currency": "CNY"}, notify_url=notify_url,
            time_expire=expires_at.astimezone(SHANGHAI).isoformat(timespec="seconds"),
            pay_type=WeChatPayType.NATIVE))
        if status == 200 and body.get("code_url"):
            return ProviderOrder(QrState.WAITING, qr_content=str(body["code_url"]))
        return _refused_or_uncertain(status, body)

    def pay_by_code(self, order: OrderRef, subject: str, auth_code: str,
                    notify_url: str) -> ProviderOrder:
        status, body = self._call(lambda: self._sdk.pay(
            description=subject, out_trade_no=order.out_trade_no,
            amount={"total": order.amount_fen, "currency": "CNY"},
            payer={"auth_code": auth_code}, pay_type=WeChatPayType.CODEPAY,
            scene_info={"store_info": {"out_id": "kiosk"}}))
        if status == 200:
            return self._order_of(body, order)
        if _code(body) == "USERPAYING" or status == 202:
            return ProviderOrder(QrState.USER_PAYING)
        if _code(body) in ("ORDERPAID", "ORDER_PAID"):
            return self.query(order)  # sent before: what became of it
        return _refused_or_uncertain(status, body)

    def query(self, order: OrderRef) -> ProviderOrder:
        status, body = self._call(lambda: self._sdk.query(out_trade_no=order.out_trade_no))
        if status == 200:
            return self._order_of(body, order)
        if status == 404 or _code(body) == "ORDER_NOT_EXIST":
            return ProviderOrder(QrState.WAITING)
        raise ProviderUncertain(_reason(status, body))

    def close(self, order: OrderRef) -> ProviderOrder:
        if order.mode is QrMode.SCAN:
            status, body = self._call(lambda: self._sdk.codepay_reverse(
                out_trade_no=order.out_trade_no))
        else:
            status, body = self._call(lambda: self._sdk.close(out_trade_no=order.out_trade_no))
        if status in (200, 204) or _code(body) in ("ORDER_CLOSED", "ORDER_NOT_EXIST"):
            # Closed, or reversed: a reverse gives back whatever was paid meanwhile (the
            # service asked first, and keeps an order that was paid before).
            return ProviderOrder(QrState.CLOSED)
        if _code(body) in ("ORDER_PAID", "ORDERPAID", "TRADE_STATE_ERROR"):
            return self.query(order)
        raise ProviderUncertain(_reason(status, body))

    def refund(self, order: OrderRef, refund_no: str, refund_fen: int) -> RefundResult:
        status, body = self._call(lambda: self._sdk.refund(
            out_refund_no=refund_no, out_trade_no=order.out_trade_no,
            amount={"refund": refund_fen, "total": order.amount_fen, "currency": "CNY"}))
        if status == 200 and body.get("status") in ("SUCCESS", "PROCESSING"):
            return RefundResult(done=True)
        if 400 <= status < 500 and _code(body) not in IN_DOUBT:
            return RefundResult(done=False, reason=_safe(_code(body)) or f"http_{status}")
        raise ProviderUncertain(_reason(status, body))

    # --- notifications and statements --------------------------------------------------

    def parse_notification(self, headers: dict[str, str], body: bytes) -> Notification:
        lowered = {key.lower(): value for key, value in headers.items()}
        try:
            text = body.decode("utf-8")
            data = self._sdk.callback(lowered, text)
        except (UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError):
            raise BadNotification("unreadable") from None
        except Exception:  # noqa: BLE001  # the SDK raises bare Exception (unknown algorithm)
            raise BadNotification("bad_signature") from None
        if not isinstance(data, dict) or not isinstance(data.get("resource"), dict):
            # None: the signature did not verify, or the resource did not decrypt.
            raise BadNotification("bad_signature")
        if data.get("event_type") != PAID_EVENT:
            raise BadNotification("wrong_event")
        resource: dict[str, Any] = data["resource"]
        if resource.get("mchid") != self.mchid:
            raise BadNotification("unknown_app")
        state = TRADE_STATES.get(str(resource.get("trade_state")))
        if state is not QrState.PAID or not resource.get("out_trade_no"):
            raise BadNotification("wrong_event")
        amount = resource.get("amount") if isinstance(resource.get("amount"), dict) else {}
        what = {key: resource.get(key) for key in (
            "out_trade_no", "transaction_id", "trade_state", "success_time")}
        what["total"] = amount.get("total") if amount else None
        return Notification(
            out_trade_no=str(resource["out_trade_no"]), state=state,
            provider_txn_id=_safe(resource.get("transaction_id")) or None,
            amount_fen=_int_or_none(amount.get("total") if amount else None),
            paid_at=_instant(resource.get("success_time")),
            digest=hashlib.sha256(json.dumps(what, sort_keys=True, default=str)
                                  .encode()).hexdigest())

    def statement(self, day: date) -> list[StatementLine]:
        status, body = self._call(lambda: self._sdk.trade_bill(
            bill_date=day.isoformat(), bill_type="ALL", tar_type="GZIP"))
        url = body.get("download_url") if status == 200 else None
        if not url:
            raise ProviderUncertain(_reason(status, body))
        try:
            status, raw = self._sdk.download_bill(str(url))
        except requests.RequestException:
            raise ProviderUncertain("statement_download") from None
        if status != 200:
            raise ProviderUncertain(f"http_{status}")
        content = raw.encode() if isinstance(raw, str) else bytes(raw)
        return parse_wechat_bill(content, str(body.get("hash_type", "")),
                                 str(body.get("hash_value", "")))

    # --- the one place WeChat Pay's answers are read ------------------------------------

    def _call(self, send: Callable[[], tuple[int, Any]]) -> tuple[int, dict[str, Any]]:
        """(HTTP status, the JSON body or {}), or ProviderUncertain."""
        try:
            status, text = send()
        except requests.Timeout:
            raise ProviderUncertain("timeout") from None
        except requests.RequestException:
            raise ProviderUncertain("connection") from None
        except Exception as exc:  # noqa: BLE001  # the SDK raises bare Exception (signature)
            reason = "bad_signature" if "signature" in str(exc) else "unreadable"
            raise ProviderUncertain(reason) from None
        if status >= 500:
            raise ProviderUncertain(f"http_{status}")
        if not text:
            return status, {}
        try:
            body = json.loads(text)
        except (ValueError, TypeError):
            raise ProviderUncertain("unreadable") from None
        return status, body if isinstance(body, dict) else {}

    @staticmethod
    def _order_of(body: dict[str, Any], order: OrderRef) -> ProviderOrder:
        state = TRADE_STATES.get(str(body.get("trade_state")))
        if state is None:
            raise ProviderUncertain("unknown_status")
        amount = body.get("amount") if isinstance(body.get("amount"), dict) else {}
        return ProviderOrder(
            state, provider_txn_id=_safe(body.get("transaction_id")) or None,
            amount_fen=_int_or_none(amount.get("total") if amount else None),
            paid_at=_instant(body.get("success_time")) if state is QrState.PAID else None,
            failure=QrFailure.DECLINED if state is QrState.FAILED else None)


def _refused_or_uncertain(status: int, body: dict[str, Any]) -> ProviderOrder:
    code = _code(body)
    if 400 <= status < 500 and code not in IN_DOUBT and (code in REFUSALS or status != 408):
        return ProviderOrder(QrState.FAILED, failure=FAILURES.get(code, QrFailure.DECLINED))
    raise ProviderUncertain(_reason(status, body))


def _code(body: dict[str, Any]) -> str:
    return str(body.get("code", ""))


def _reason(status: int, body: dict[str, Any]) -> str:
    code = _safe(_code(body))
    return f"wechat_{code}" if code else f"http_{status}"


def _safe(value: object) -> str:
    text = str(value or "")[:64]
    return text if all(ch.isalnum() or ch in "._-" for ch in text) else "unprintable"


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 \
        else None


def _instant(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=SHANGHAI)
