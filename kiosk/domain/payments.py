"""The payment journal's states and the record the kiosk keeps of each payment, by card
or by QR code (docs/payments-qr.md).

CREATED -> AUTHORIZED -> RECORDED -> RECEIPTED, or DECLINED / REVERSED / REFUND_DUE,
whatever the method. Each state is committed before the next device or network step
(docs/architecture.md#payment-journal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from kiosk.domain.qr import QrProvider


class PaymentState(StrEnum):
    CREATED = "CREATED"  # committed before the terminal is asked: outcome unknown until answered
    AUTHORIZED = "AUTHORIZED"  # the bank approved; the money is taken
    RECORDED = "RECORDED"  # the payment and its outbox record are committed for central
    RECEIPTED = "RECEIPTED"  # the receipt came out of the printer
    DECLINED = "DECLINED"  # the bank refused; nothing taken
    REVERSED = "REVERSED"  # the sale was cancelled at the terminal; nothing taken
    REFUND_DUE = "REFUND_DUE"  # money may have been taken and could not be reversed: staff act


FINAL_STATES = frozenset({PaymentState.RECEIPTED, PaymentState.DECLINED,
                          PaymentState.REVERSED, PaymentState.REFUND_DUE})

TRANSITIONS: dict[PaymentState, frozenset[PaymentState]] = {
    PaymentState.CREATED: frozenset({PaymentState.AUTHORIZED, PaymentState.DECLINED,
                                     PaymentState.REVERSED, PaymentState.REFUND_DUE}),
    PaymentState.AUTHORIZED: frozenset({PaymentState.RECORDED}),
    # A RECORDED payment whose receipt failed stays RECORDED until a reprint succeeds.
    PaymentState.RECORDED: frozenset({PaymentState.RECEIPTED}),
    PaymentState.RECEIPTED: frozenset(),
    PaymentState.DECLINED: frozenset(),
    PaymentState.REVERSED: frozenset(),
    PaymentState.REFUND_DUE: frozenset(),
}


def check_transition(current: PaymentState, new: PaymentState) -> None:
    if new not in TRANSITIONS[current]:
        raise ValueError(f"payment cannot go from {current} to {new}")


class PayMethod(StrEnum):
    """How a payment is made: a card in the terminal, or a QR payment app."""

    CARD = "card"
    ALIPAY = "alipay"
    WECHAT = "wechat"
    UNIONPAY = "unionpay"  # UnionPay QR (Yunshanfu and banks' apps)

    @property
    def qr_provider(self) -> QrProvider | None:
        """The QR provider behind this method; None for a card."""
        return None if self is PayMethod.CARD else QrProvider(self.value)


@dataclass(frozen=True)
class PaymentDraft:
    """What the kiosk knows before the terminal is asked."""

    kiosk_id: str
    session_id: str
    lang: str
    biller_id: str
    account_no: str
    bill_ids: tuple[str, ...]
    periods: str
    amount: Decimal  # what the card is charged, late fees included
    late_fee: Decimal  # the part of amount that is late fees
    holder_masked: str
    lock_token: str | None
    currency: str = "CNY"
    method: PayMethod = PayMethod.CARD


@dataclass(frozen=True)
class CardResult:
    """The terminal's answer, as much as the kiosk may keep (PAN masked 6/4)."""

    response_code: str
    auth_code: str | None = None
    rrn: str | None = None
    masked_pan: str | None = None
    card_brand: str | None = None
    terminal_id: str | None = None
    merchant_id: str | None = None


@dataclass(frozen=True)
class QrResult:
    """A QR order's end as the journal keeps it: the provider's transaction id when paid,
    why the provider refused when not (a kiosk.domain.qr.QrFailure value)."""

    provider_txn_id: str | None = None
    failure: str | None = None


# What the journal keeps of the card terminal's or the provider's answer.
PaymentAnswer = CardResult | QrResult


@dataclass(frozen=True)
class Payment:
    reference: str  # printed on the receipt; also the terminal's sale reference
    idempotency_key: str  # one per payment, for central
    draft: PaymentDraft
    state: PaymentState
    created_at: datetime
    updated_at: datetime
    card: CardResult | None = None
    error_code: str | None = None
    central_ref: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # In the receipt's QR: central's /v1/verify finds the payment by it (a reference is
    # sequential, so anyone could walk those). None for payments from before it existed.
    verification_code: str | None = None
    provider_txn_id: str | None = None  # a QR payment's transaction id at the provider
    failure: str | None = None  # why the provider refused a QR payment (QrFailure value)

    def outbox_payload(self, paid_at: datetime) -> dict[str, Any]:
        """The record central needs (kiosk.sync.wire.BillPaymentRecord), JSON-ready. A
        card payment carries the terminal's answer; a QR payment its method and the
        provider's transaction id (and no method key for a card, as before QR existed)."""
        method = self.draft.method
        code = {} if self.verification_code is None else {
            "verification_code": self.verification_code}
        if method is not PayMethod.CARD:
            return {**code, **self._draft_payload(paid_at), "response_code": "00",
                    "method": method.value, "provider_txn_id": self.provider_txn_id}
        if self.card is None:
            raise ValueError("a payment is recorded only after the terminal approved it")
        return {
            **code,
            **self._draft_payload(paid_at),
            "response_code": self.card.response_code,
            "auth_code": self.card.auth_code,
            "rrn": self.card.rrn,
            "masked_pan": self.card.masked_pan,
            "card_brand": self.card.card_brand,
            "terminal_id": self.card.terminal_id,
            "merchant_id": self.card.merchant_id,
        }

    def _draft_payload(self, paid_at: datetime) -> dict[str, Any]:
        d = self.draft
        return {
            "reference": self.reference,
            "kiosk_id": d.kiosk_id,
            "session_id": d.session_id,
            "lang": d.lang,
            "biller_id": d.biller_id,
            "account_no": d.account_no,
            "bill_ids": list(d.bill_ids),
            "amount": str(d.amount),
            "currency": d.currency,
            "lock_token": d.lock_token,
            "paid_at": paid_at.isoformat(),
        }


@dataclass(frozen=True)
class OutboxMessage:
    """Something bound for central, written in the same transaction as its local record."""

    kind: str  # "bill_payment"
    idempotency_key: str
    payload: dict[str, Any]
    created_at: datetime
