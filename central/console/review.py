"""The payments an admin must review, in one list: refunds due (QR orders whose refund is
owed or failed), reconciliation differences (a provider's statement against central's
orders), unknown bills (a recorded payment for a biller, account, bill or QR order
central does not know) and the other flagged payments; "mark as settled" records who
and why, and the list is exported as CSV. Account numbers are masked everywhere."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine, or_, select
from sqlalchemy.exc import IntegrityError

from central.db import make_session_factory
from central.masking import mask_account
from central.models import PaymentRow
from central.models_console import ReviewSettlementRow
from central.models_qr import QrDifferenceRow, QrOrderRow
from central.payments.bill_records import (
    REVIEW_ACCOUNT_UNKNOWN,
    REVIEW_BILL_UNKNOWN,
    REVIEW_BILLER_UNKNOWN,
    REVIEW_QR_ORDER_UNKNOWN,
)
from central.timeutil import Clock, in_shanghai
from kiosk.domain.money import from_fen
from kiosk.domain.qr import QrState
from kiosk.errors import ErrorCode, KioskError

KIND_PAYMENT = "payment"
KIND_QR_ORDER = "qr_order"
KIND_DIFFERENCE = "difference"
ITEM_KINDS = (KIND_PAYMENT, KIND_QR_ORDER, KIND_DIFFERENCE)

CATEGORY_REFUND = "refund_due"
CATEGORY_DIFFERENCE = "difference"
CATEGORY_UNKNOWN = "unknown_bill"
CATEGORY_OTHER = "other"
CATEGORIES = (CATEGORY_REFUND, CATEGORY_DIFFERENCE, CATEGORY_UNKNOWN, CATEGORY_OTHER)
UNKNOWN_REASONS = frozenset({REVIEW_BILLER_UNKNOWN, REVIEW_ACCOUNT_UNKNOWN,
                             REVIEW_BILL_UNKNOWN, REVIEW_QR_ORDER_UNKNOWN})
REASON_MAX = 500
LIST_LIMIT = 500


@dataclass(frozen=True)
class Settlement:
    by: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class ReviewItem:
    kind: str  # KIND_*
    key: str  # what a settlement names
    category: str  # CATEGORY_*
    at: datetime  # when central recorded or found it
    kiosk_id: str
    reference: str  # the kiosk's reference, the order id, or the provider's trade number
    what: str  # biller and masked account, provider and state, or the difference's kind
    amount: Decimal | None
    reasons: str  # central's reason codes, or the difference's cause
    settled: Settlement | None


class ReviewService:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.clock = clock
        self._sessions = make_session_factory(engine)

    def items(self, *, settled: bool = False) -> list[ReviewItem]:
        """Open items (``settled``: those already settled), newest first."""
        with self._sessions() as session:
            settlements = {(row.item_kind, row.item_key): Settlement(
                row.settled_by, row.reason, in_shanghai(row.settled_at))
                for row in session.scalars(select(ReviewSettlementRow))}
            payments = session.scalars(select(PaymentRow).where(PaymentRow.needs_review)
                                       .order_by(PaymentRow.id.desc()).limit(LIST_LIMIT)).all()
            orders = session.scalars(select(QrOrderRow).where(or_(
                QrOrderRow.state == QrState.REFUND_DUE.value,
                QrOrderRow.review_reason.is_not(None)))
                .order_by(QrOrderRow.id.desc()).limit(LIST_LIMIT)).all()
            differences = session.scalars(select(QrDifferenceRow).order_by(
                QrDifferenceRow.id.desc()).limit(LIST_LIMIT)).all()
            found = ([_payment_item(row, settlements) for row in payments]
                     + [_order_item(row, settlements) for row in orders]
                     + [_difference_item(row, settlements) for row in differences])
        chosen = [item for item in found if (item.settled is not None) == settled]
        return sorted(chosen, key=lambda item: item.at, reverse=True)

    def settle(self, kind: str, key: str, who: str, reason: str) -> Settlement:
        """Mark an open item settled by ``who`` for ``reason``. E_NOT_FOUND for an item
        that is not to review; E_REQUEST_REJECTED without a reason, or settled already."""
        reason = reason.strip()
        if not reason:
            raise KioskError(ErrorCode.REQUEST_REJECTED, "say why it is settled")
        if kind not in ITEM_KINDS or not any(
                item.kind == kind and item.key == key for item in self.items()):
            raise KioskError(ErrorCode.NOT_FOUND, "no such payment to review")
        now = self.clock.now()
        try:
            with self._sessions.begin() as session:
                session.add(ReviewSettlementRow(item_kind=kind, item_key=key[:200],
                                                settled_by=who[:64],
                                                reason=reason[:REASON_MAX], settled_at=now))
        except IntegrityError:  # another admin settled it a moment ago
            raise KioskError(ErrorCode.REQUEST_REJECTED, "settled already") from None
        return Settlement(who, reason[:REASON_MAX], in_shanghai(now))

    def csv(self) -> str:
        """Every item, open and settled, as CSV (a cell a spreadsheet would read as a
        formula is quoted with a leading apostrophe)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["category", "kind", "key", "at", "kiosk", "reference", "what",
                         "amount", "reasons", "settled_by", "settled_at", "settled_reason"])
        for item in self.items() + self.items(settled=True):
            settled = item.settled
            writer.writerow([_cell(value) for value in (
                item.category, item.kind, item.key, item.at.isoformat(), item.kiosk_id,
                item.reference, item.what, "" if item.amount is None else str(item.amount),
                item.reasons, settled.by if settled else "",
                settled.at.isoformat() if settled else "", settled.reason if settled else "")])
        return out.getvalue()


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _payment_item(row: PaymentRow, settlements: dict[tuple[str, str], Settlement]
                  ) -> ReviewItem:
    reasons = row.review_reason.split(",") if row.review_reason else []
    category = CATEGORY_UNKNOWN if UNKNOWN_REASONS & set(reasons) else CATEGORY_OTHER
    return ReviewItem(KIND_PAYMENT, row.central_ref, category, in_shanghai(row.recorded_at),
                      row.kiosk_id, row.reference,
                      f"{row.biller_id} {mask_account(row.account_no)}"
                      + (f" ({row.method})" if row.method else ""),
                      from_fen(row.amount_fen), ", ".join(reasons),
                      settlements.get((KIND_PAYMENT, row.central_ref)))


def _order_item(row: QrOrderRow, settlements: dict[tuple[str, str], Settlement]) -> ReviewItem:
    category = CATEGORY_REFUND if row.state == QrState.REFUND_DUE.value else CATEGORY_OTHER
    reasons = ", ".join(filter(None, [row.review_reason, row.refund_error]))
    return ReviewItem(KIND_QR_ORDER, row.out_trade_no, category, in_shanghai(row.updated_at),
                      row.kiosk_id, row.order_id, f"{row.provider} {row.state}",
                      from_fen(row.amount_fen), reasons,
                      settlements.get((KIND_QR_ORDER, row.out_trade_no)))


def difference_key(row: QrDifferenceRow) -> str:
    return f"{row.provider}:{row.day.isoformat()}:{row.out_trade_no}:{row.kind}"


def _difference_item(row: QrDifferenceRow, settlements: dict[tuple[str, str], Settlement]
                     ) -> ReviewItem:
    fen = row.provider_fen if row.provider_fen is not None else row.central_fen
    key = difference_key(row)
    return ReviewItem(KIND_DIFFERENCE, key, CATEGORY_DIFFERENCE, in_shanghai(row.found_at),
                      row.kiosk_id or "-", row.out_trade_no, f"{row.provider} {row.kind}",
                      None if fen is None else from_fen(fen), row.cause,
                      settlements.get((KIND_DIFFERENCE, key)))
