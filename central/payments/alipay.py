"""Alipay (OpenAPI gateway) over python-alipay-sdk 3.4.0 (docs/payments-qr.md).

The SDK signs each request with the merchant's app key, sends it to ``AliPay._gateway``
(set to the configured gateway: the real one, or the simulator) and verifies Alipay's
signature over the answer. Everything Alipay answers becomes a ProviderOrder, a
RefundResult or ProviderUncertain in ``_call`` and ``_order_of``; nothing else here
reads Alipay's codes.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig

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
from central.payments.statement_alipay import parse_alipay_bill
from central.timeutil import SHANGHAI
from kiosk.domain.money import to_fen
from kiosk.domain.qr import QrFailure, QrMode, QrProvider, QrState

SUCCESS: Final = "10000"
WAIT_USER: Final = "10003"  # pay by code: the person must confirm in the app
BUSINESS_FAILED: Final = "40004"

# A failed payment's sub_code -> why, in the kiosk's words.
FAILURES: Final = {
    "ACQ.BUYER_BALANCE_NOT_ENOUGH": QrFailure.INSUFFICIENT_BALANCE,
    "ACQ.PAYMENT_AUTH_CODE_INVALID": QrFailure.CODE_INVALID,  # expired or used too
}
TRADE_STATES: Final = {
    "TRADE_SUCCESS": QrState.PAID,
    "TRADE_FINISHED": QrState.PAID,
    "TRADE_CLOSED": QrState.CLOSED,
}
TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"  # Beijing time, as Alipay writes it
MAX_DOWNLOAD_BYTES: Final = 64 * 1024 * 1024  # the bill's ZIP, before unpacking


class _BeijingAliPay(AliPay):  # type: ignore[misc]  # the SDK is untyped
    """The SDK stamps requests with the machine's local time; Alipay reads Beijing time."""

    def build_body(self, method: str, biz_content: Any = None, **kwargs: Any) -> Any:
        data = super().build_body(method, biz_content, **kwargs)
        data["timestamp"] = datetime.now(SHANGHAI).strftime(TIME_FORMAT)
        return data


class AlipayClient:
    provider = QrProvider.ALIPAY
    accepted = NotificationReply(200, b"success", "text/plain")

    def __init__(self, *, gateway: str, app_id: str, app_private_key: str,
                 alipay_public_key: str, timeout_s: float = PROVIDER_TIMEOUT_S) -> None:
        self.app_id = app_id
        self._timeout_s = timeout_s
        self._sdk = _BeijingAliPay(appid=app_id, app_private_key_string=app_private_key,
                                   alipay_public_key_string=alipay_public_key,
                                   sign_type="RSA2", config=AliPayConfig(timeout=timeout_s))
        self._sdk._gateway = gateway

    @classmethod
    def from_config(cls, section: dict[str, Any], folder: Path,
                    timeout_s: float = PROVIDER_TIMEOUT_S) -> AlipayClient:
        return cls(timeout_s=timeout_s,
                   gateway=str(section["gateway"]), app_id=str(section["app_id"]),
                   app_private_key=(folder / section["app_private_key"]).read_text("ascii"),
                   alipay_public_key=(folder / section["alipay_public_key"]).read_text("ascii"))

    # --- orders ----------------------------------------------------------------------

    def create(self, order: OrderRef, subject: str, expires_at: datetime,
               notify_url: str) -> ProviderOrder:
        answer = self._call(lambda: self._sdk.api_alipay_trade_precreate(
            subject=subject, out_trade_no=order.out_trade_no,
            total_amount=_yuan(order.amount_fen), notify_url=notify_url,
            time_expire=expires_at.astimezone(SHANGHAI).strftime(TIME_FORMAT)))
        if answer.get("code") == SUCCESS and answer.get("qr_code"):
            return ProviderOrder(QrState.WAITING, qr_content=str(answer["qr_code"]))
        return self._failed_or_uncertain(answer)

    def pay_by_code(self, order: OrderRef, subject: str, auth_code: str,
                    notify_url: str) -> ProviderOrder:
        answer = self._call(lambda: self._sdk.api_alipay_trade_pay(
            out_trade_no=order.out_trade_no, scene="bar_code", auth_code=auth_code,
            subject=subject, notify_url=notify_url, total_amount=_yuan(order.amount_fen)))
        code = answer.get("code")
        if code == SUCCESS:
            return self._order_of(answer, QrState.PAID)
        if code == WAIT_USER:
            return self._order_of(answer, QrState.USER_PAYING)
        if _sub_code(answer) == "ACQ.TRADE_HAS_SUCCESS":
            return self.query(order)
        if _sub_code(answer) == "ACQ.TRADE_HAS_CLOSE":
            return ProviderOrder(QrState.CLOSED)
        return self._failed_or_uncertain(answer)

    def query(self, order: OrderRef) -> ProviderOrder:
        answer = self._call(lambda: self._sdk.api_alipay_trade_query(
            out_trade_no=order.out_trade_no))
        if answer.get("code") == SUCCESS:
            status = str(answer.get("trade_status", ""))
            if status == "WAIT_BUYER_PAY":  # a trade exists: the code was scanned
                waiting = QrState.SCANNED if order.mode is QrMode.SHOW else QrState.USER_PAYING
                return self._order_of(answer, waiting)
            if status in TRADE_STATES:
                return self._order_of(answer, TRADE_STATES[status])
            raise ProviderUncertain("unknown_status")
        if _sub_code(answer) == "ACQ.TRADE_NOT_EXIST":
            return ProviderOrder(QrState.WAITING)  # nobody scanned, or the pay never came
        raise ProviderUncertain(_uncertain_reason(answer))

    def close(self, order: OrderRef) -> ProviderOrder:
        if order.mode is QrMode.SCAN:
            answer = self._call(lambda: self._sdk.api_alipay_trade_cancel(
                out_trade_no=order.out_trade_no))
            if answer.get("code") == SUCCESS and answer.get("retry_flag", "N") != "Y":
                refunded = answer.get("action") == "refund"
                return ProviderOrder(QrState.REFUNDED if refunded else QrState.CLOSED)
            raise ProviderUncertain(_uncertain_reason(answer))
        answer = self._call(lambda: self._sdk.api_alipay_trade_close(
            out_trade_no=order.out_trade_no))
        if answer.get("code") == SUCCESS or _sub_code(answer) in (
                "ACQ.TRADE_NOT_EXIST", "ACQ.TRADE_HAS_CLOSE"):
            return ProviderOrder(QrState.CLOSED)
        if _sub_code(answer) in ("ACQ.TRADE_HAS_SUCCESS", "ACQ.TRADE_STATUS_ERROR"):
            return self.query(order)  # paid meanwhile: the query says so, with its numbers
        raise ProviderUncertain(_uncertain_reason(answer))

    def refund(self, order: OrderRef, refund_no: str, refund_fen: int) -> RefundResult:
        answer = self._call(lambda: self._sdk.api_alipay_trade_refund(
            refund_amount=_yuan(refund_fen), out_trade_no=order.out_trade_no,
            out_request_no=refund_no))
        if answer.get("code") == SUCCESS:
            return RefundResult(done=True)
        if answer.get("code") == BUSINESS_FAILED and _sub_code(answer) != "ACQ.SYSTEM_ERROR":
            return RefundResult(done=False, reason=_safe(_sub_code(answer)) or "refused")
        raise ProviderUncertain(_uncertain_reason(answer))

    # --- notifications and statements --------------------------------------------------

    def parse_notification(self, headers: dict[str, str], body: bytes) -> Notification:
        fields = form_fields(body)
        signature = fields.pop("sign", "")
        if fields.get("sign_type", "RSA2") != "RSA2" or not signature:
            raise BadNotification("bad_signature")
        unsigned = {key: value for key, value in fields.items()
                    if key != "sign_type" and value != ""}
        try:
            verified = self._sdk.verify(unsigned, signature)
        except (ValueError, TypeError, IndexError, AliPayException):
            verified = False
        if not verified:
            raise BadNotification("bad_signature")
        if fields.get("app_id") != self.app_id:
            raise BadNotification("unknown_app")
        state = TRADE_STATES.get(fields.get("trade_status", ""))
        if state is None or not fields.get("out_trade_no"):
            raise BadNotification("wrong_event")
        what = {key: fields.get(key, "") for key in (
            "out_trade_no", "trade_no", "trade_status", "total_amount", "gmt_payment")}
        return Notification(
            out_trade_no=fields["out_trade_no"], state=state,
            provider_txn_id=fields.get("trade_no") or None,
            amount_fen=_fen_or_none(fields.get("total_amount")),
            paid_at=_beijing(fields.get("gmt_payment")),
            digest=hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest())

    def statement(self, day: date) -> list[StatementLine]:
        answer = self._call(lambda: self._sdk.server_api(
            "alipay.data.dataservice.bill.downloadurl.query",
            {"bill_type": "trade", "bill_date": day.isoformat()}))
        url = answer.get("bill_download_url")
        if answer.get("code") != SUCCESS or not url:
            raise ProviderUncertain(_uncertain_reason(answer))
        return parse_alipay_bill(self._download(str(url)))

    def _download(self, url: str) -> bytes:
        try:
            with urllib.request.urlopen(url, timeout=self._timeout_s) as response:
                raw: bytes = response.read(MAX_DOWNLOAD_BYTES + 1)
        except (urllib.error.URLError, OSError, http.client.HTTPException):
            raise ProviderUncertain("statement_download") from None
        if len(raw) > MAX_DOWNLOAD_BYTES:
            raise ProviderUncertain("unreadable_statement")
        return raw

    # --- the one place Alipay's answers are read ----------------------------------------

    def _call(self, send: Callable[[], Any]) -> dict[str, Any]:
        """The verified response object, or ProviderUncertain."""
        try:
            answer = send()
        except AliPayValidationError:
            raise ProviderUncertain("bad_signature") from None
        except urllib.error.HTTPError as exc:
            raise ProviderUncertain(f"http_{exc.code}") from None
        except TimeoutError:
            raise ProviderUncertain("timeout") from None
        except urllib.error.URLError as exc:
            timed_out = isinstance(exc.reason, TimeoutError | socket.timeout)
            raise ProviderUncertain("timeout" if timed_out else "connection") from None
        except (OSError, http.client.HTTPException):
            raise ProviderUncertain("connection") from None
        except AliPayException:  # an answer without Alipay's signature (error_response)
            raise ProviderUncertain("unsigned") from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ProviderUncertain("unreadable") from None
        if not isinstance(answer, dict):
            raise ProviderUncertain("unreadable")
        return answer

    def _order_of(self, answer: dict[str, Any], state: QrState) -> ProviderOrder:
        return ProviderOrder(state, provider_txn_id=_safe(answer.get("trade_no")) or None,
                             amount_fen=_fen_or_none(answer.get("total_amount")),
                             paid_at=_beijing(answer.get("gmt_payment")
                                              or answer.get("send_pay_date"))
                             if state is QrState.PAID else None)

    @staticmethod
    def _failed_or_uncertain(answer: dict[str, Any]) -> ProviderOrder:
        """A business refusal is FAILED (nothing taken); a system error is uncertain."""
        sub_code = _sub_code(answer)
        if answer.get("code") == BUSINESS_FAILED and sub_code != "ACQ.SYSTEM_ERROR":
            return ProviderOrder(QrState.FAILED,
                                 failure=FAILURES.get(sub_code, QrFailure.DECLINED))
        if answer.get("code") in ("40001", "40002", "40006"):  # refused before any money
            return ProviderOrder(QrState.FAILED, failure=QrFailure.DECLINED)
        raise ProviderUncertain(_uncertain_reason(answer))


def _yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def _fen_or_none(value: object) -> int | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return to_fen(amount) if amount.is_finite() and amount >= 0 else None


def _beijing(value: object) -> datetime | None:
    try:
        return datetime.strptime(str(value), TIME_FORMAT).replace(tzinfo=SHANGHAI)
    except ValueError:
        return None


def _sub_code(answer: dict[str, Any]) -> str:
    return str(answer.get("sub_code", ""))


def _safe(value: object) -> str:
    """A provider's code fit for a log line and a column: letters, digits, ``._-``."""
    text = str(value or "")[:64]
    return text if all(ch.isalnum() or ch in "._-" for ch in text) else "unprintable"


def _uncertain_reason(answer: dict[str, Any]) -> str:
    return f"alipay_{_safe(answer.get('code')) or 'no_code'}"
