"""What operators see of QR payments (kiosk-admin payments --review and --reconcile):
the orders that need a person, and the differences reconciliation found."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from central.models_qr import QrDifferenceRow, QrOrderRow
from central.timeutil import in_shanghai
from kiosk.domain.money import from_fen
from kiosk.domain.qr import QrProvider


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QrOrderReviewOut(_Model):
    """A QR order a person must look at: a refund that failed, a notification that
    conflicted or named another amount, a provider's amount that differs."""

    kiosk_id: str
    order_id: str
    out_trade_no: str
    provider: str
    mode: str
    state: str
    amount: Decimal
    provider_txn_id: str | None
    review_reasons: list[str]
    refund_no: str | None
    refund_error: str | None
    updated_at: AwareDatetime

    @classmethod
    def of(cls, row: QrOrderRow) -> QrOrderReviewOut:
        return cls(kiosk_id=row.kiosk_id, order_id=row.order_id,
                   out_trade_no=row.out_trade_no, provider=row.provider, mode=row.mode,
                   state=row.state, amount=from_fen(row.amount_fen),
                   provider_txn_id=row.provider_txn_id,
                   review_reasons=row.review_reason.split(",") if row.review_reason else [],
                   refund_no=row.refund_no, refund_error=row.refund_error,
                   updated_at=in_shanghai(row.updated_at))


class QrDifferenceOut(_Model):
    provider: str
    day: dt.date
    out_trade_no: str
    kind: str  # missing_at_central, extra_at_central, amount_differs, refund_missing
    cause: str
    kiosk_id: str | None
    order_id: str | None
    central_amount: Decimal | None
    provider_amount: Decimal | None
    found_at: AwareDatetime

    @classmethod
    def of(cls, row: QrDifferenceRow) -> QrDifferenceOut:
        return cls(provider=row.provider, day=row.day, out_trade_no=row.out_trade_no,
                   kind=row.kind, cause=row.cause, kiosk_id=row.kiosk_id,
                   order_id=row.order_id,
                   central_amount=None if row.central_fen is None else from_fen(row.central_fen),
                   provider_amount=None if row.provider_fen is None
                   else from_fen(row.provider_fen),
                   found_at=in_shanghai(row.found_at))


class QrReviewOut(_Model):
    orders: list[QrOrderReviewOut]  # newest first
    differences: list[QrDifferenceOut]  # newest day first


class QrReconcileIn(_Model):
    day: dt.date
    provider: QrProvider | None = None  # None: every provider set up


class QrReconcileRun(_Model):
    provider: QrProvider
    statement_lines: int
    differences: list[QrDifferenceOut]


class QrReconcileOut(_Model):
    day: dt.date
    runs: list[QrReconcileRun]
