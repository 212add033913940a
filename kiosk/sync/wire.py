"""The wire schema between kiosk and central. Pure: pydantic and the domain only, so
central can import it (ARCHITECTURE.md). Amounts travel as decimal strings.

Every request carries the call context as headers: X-Kiosk-Id, X-Session-Id, X-Lang,
X-Timestamp (ISO 8601 with +08:00) and, on POSTs, Idempotency-Key.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

HEADER_KIOSK = "X-Kiosk-Id"
HEADER_SESSION = "X-Session-Id"
HEADER_LANG = "X-Lang"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_IDEMPOTENCY = "Idempotency-Key"

Money = Decimal  # serialized as "128.50"


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(WireModel):
    """Every 4xx/5xx answer: a stable code from kiosk.errors.ErrorCode."""

    code: str
    message: str = ""
    detail: dict[str, str] = {}


class Health(WireModel):
    status: Literal["ok"]
    version: str
    time: AwareDatetime | None = None  # central's clock, for the kiosk's skew check


class BillOut(WireModel):
    id: str
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    amount: Money = Field(max_digits=12, decimal_places=2)
    late_fee: Money = Field(max_digits=12, decimal_places=2)
    due_date: date


class BillLookupRequest(WireModel):
    biller_id: str
    account_no: str = Field(min_length=1, max_length=48)


class BillLookupResponse(WireModel):
    biller_id: str
    account_no: str
    holder_masked: str
    address_masked: str
    bills: list[BillOut]
    partial_allowed: bool = False
    lock_token: str | None = None
    lock_expires_at: AwareDatetime | None = None


class BillPaymentRecord(WireModel):
    """A card payment the kiosk took; posted directly or delivered through the outbox."""

    reference: str
    kiosk_id: str
    session_id: str
    lang: str
    biller_id: str
    account_no: str
    bill_ids: list[str] = Field(min_length=1)
    amount: Money = Field(gt=0, max_digits=12, decimal_places=2)
    currency: Literal["CNY"] = "CNY"
    lock_token: str | None = None
    paid_at: AwareDatetime
    response_code: str
    auth_code: str | None = None
    rrn: str | None = None
    masked_pan: str | None = Field(default=None, pattern=r"^\d{6}\*+\d{4}$")
    card_brand: str | None = None
    terminal_id: str | None = None
    merchant_id: str | None = None


class BillPaymentAck(WireModel):
    reference: str
    central_ref: str
    status: Literal["RECORDED"]
    recorded_at: AwareDatetime
    duplicate: bool = False


OutboxKind = Literal["bill_payment"]


class OutboxRecordIn(WireModel):
    idempotency_key: str = Field(min_length=8, max_length=64)
    kind: OutboxKind
    created_at: AwareDatetime
    payload: dict[str, Any]


class OutboxBatchIn(WireModel):
    kiosk_id: str
    records: list[OutboxRecordIn] = Field(min_length=1, max_length=1000)


class OutboxRecordResult(WireModel):
    idempotency_key: str
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None = None  # an ErrorCode value when rejected
    central_ref: str | None = None


class OutboxBatchOut(WireModel):
    results: list[OutboxRecordResult]


def wire_timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("wire timestamps carry their UTC offset")
    return moment.isoformat(timespec="seconds")
