"""Central-only response and request models (operator and test endpoints). What kiosks
exchange with central lives in kiosk.sync.wire."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from central.models import BillerRow, PaymentRow
from central.timeutil import in_shanghai
from kiosk.domain.money import from_fen


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PaymentOut(_Model):
    """A recorded payment, as central keeps it."""

    central_ref: str
    reference: str
    idempotency_key: str
    kiosk_id: str
    biller_id: str
    account_no: str
    amount: Decimal
    currency: str
    status: Literal["RECORDED"]
    channel: Literal["direct", "outbox"]
    needs_review: bool
    review_reasons: list[str]
    paid_at: AwareDatetime
    recorded_at: AwareDatetime
    method: str | None = None  # a QR provider; None: a card
    provider_txn_id: str | None = None
    # The BillPaymentRecord as received, as stored: not validated again on the way out,
    # since a record stored under an older schema (looser bounds) must still be listed.
    record: dict[str, Any]

    @classmethod
    def of(cls, row: PaymentRow) -> PaymentOut:
        return cls(
            central_ref=row.central_ref, reference=row.reference,
            idempotency_key=row.idempotency_key, kiosk_id=row.kiosk_id,
            biller_id=row.biller_id, account_no=row.account_no,
            amount=from_fen(row.amount_fen), currency=row.currency, status="RECORDED",
            channel="outbox" if row.channel == "outbox" else "direct",
            needs_review=row.needs_review,
            review_reasons=row.review_reason.split(",") if row.review_reason else [],
            paid_at=in_shanghai(row.paid_at), recorded_at=in_shanghai(row.recorded_at),
            method=row.method, provider_txn_id=row.provider_txn_id,
            record=dict(row.record),
        )


class PaymentList(_Model):
    payments: list[PaymentOut]


class MaintenanceIn(_Model):
    maintenance: bool


class BillerOut(_Model):
    id: str
    type: str
    name_zh: str
    name_en: str
    maintenance: bool

    @classmethod
    def of(cls, row: BillerRow) -> BillerOut:
        return cls(id=row.id, type=row.type, name_zh=row.name_zh, name_en=row.name_en,
                   maintenance=row.maintenance)


class DemoSmsOut(_Model):
    """The latest one-time code the demo SMS gateway "sent" for a session."""

    otp_session: str
    phone_masked: str
    code: str
    sent_at: AwareDatetime


class DemoBarcodeOut(_Model):
    biller_id: str
    account_no: str
    period: str
    barcode: str


class DemoBarcodeList(_Model):
    barcodes: list[DemoBarcodeOut]


# --- who may speak to central (admin tokens, kiosk revocation) -----------------------------

class AdminTokenOut(_Model):
    """An admin token as operators see it: never the secret (central has only its hash)."""

    id: int
    label: str
    created_at: AwareDatetime
    revoked_at: AwareDatetime | None
    current: bool  # the token this very request was made with


class AdminTokenList(_Model):
    tokens: list[AdminTokenOut]  # by id


class KioskRevokedOut(_Model):
    kiosk_id: str
    revoked_at: AwareDatetime
    credential_revoked: bool  # False: the kiosk had never enrolled (only tokens were spent)
    tokens_spent: int  # outstanding enrollment tokens spent by this revocation
