"""The local store's tables as SQLAlchemy 2.0 typed models.

Rows here are storage shapes only; the journal, outbox and print-job repositories turn
them into the domain's frozen dataclasses before they leave a session. The schema itself
is created and changed by the Alembic migrations in kiosk/store/migrations; a test checks
that these models and the migrations agree.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, Index, Integer, MetaData, Numeric, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kiosk.domain.payments import PaymentState, PayMethod
from kiosk.services.ports import JobState
from kiosk.store.types import AwareDateTime

# Stable constraint names, so later migrations (batch mode on SQLite) can address them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum_column(enum_type: type[StrEnum], name: str) -> Enum:
    """Store an enum's values (not its names) as plain text; no CHECK constraint, so a new
    state added in the domain needs no table rebuild on SQLite."""
    return Enum(enum_type, name=name, native_enum=False, create_constraint=False,
                length=16, validate_strings=True,
                values_callable=lambda members: [member.value for member in members])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


Money = Numeric(12, 2, asdecimal=True)
"""CNY amounts. SQLite keeps them as REAL; 12 significant digits round-trip exactly."""

# JSON NULL (not the JSON text 'null') when Python None is stored: a purged payload is
# IS NULL in SQL.
NullableJSON = JSON(none_as_null=True)


class PaymentRow(Base):
    """One payment of the payment journal (kiosk.domain.payments.Payment), by card or QR."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(48), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[PaymentState] = mapped_column(_enum_column(PaymentState, "payment_state"),
                                                index=True)
    # PaymentDraft
    kiosk_id: Mapped[str] = mapped_column(String(32))
    session_id: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(16))
    biller_id: Mapped[str] = mapped_column(String(32))
    account_no: Mapped[str] = mapped_column(String(48))
    bill_ids: Mapped[list[str]] = mapped_column(JSON)
    periods: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
    late_fee: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    holder_masked: Mapped[str] = mapped_column(String(100))
    lock_token: Mapped[str | None] = mapped_column(String(100))
    # kiosk.domain.payments.PayMethod: "card" for every payment from before QR payments
    method: Mapped[PayMethod] = mapped_column(_enum_column(PayMethod, "pay_method"),
                                              server_default="card")
    # A QR payment's end: the provider's transaction id when paid, its refusal when not
    provider_txn_id: Mapped[str | None] = mapped_column(String(64))
    failure: Mapped[str | None] = mapped_column(String(32))
    # CardResult: all None until the terminal answered
    response_code: Mapped[str | None] = mapped_column(String(8))
    auth_code: Mapped[str | None] = mapped_column(String(16))
    rrn: Mapped[str | None] = mapped_column(String(24))
    masked_pan: Mapped[str | None] = mapped_column(String(24))
    card_brand: Mapped[str | None] = mapped_column(String(32))
    terminal_id: Mapped[str | None] = mapped_column(String(32))
    merchant_id: Mapped[str | None] = mapped_column(String(32))
    # Outcome
    error_code: Mapped[str | None] = mapped_column(String(48))
    central_ref: Mapped[str | None] = mapped_column(String(64))
    # What the receipt's QR carries to central's /v1/verify (unguessable, unlike the
    # reference); null for payments from before receipts had one.
    verification_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime)


class OutboxRow(Base):
    """A record bound for central, written in the same transaction as its local record."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    # None once central acknowledged it: the payload may hold personal data.
    payload: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    central_ref: Mapped[str | None] = mapped_column(String(64))
    # What central said on delivery (status, police station, commission): no personal data.
    receipt: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    # Refused by central for good: parked, its payload dropped (personal data); what a
    # technician needs stays: the reference, central's reason code and what it said.
    rejected_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    rejected_detail: Mapped[dict[str, Any] | None] = mapped_column(NullableJSON)
    reference: Mapped[str | None] = mapped_column(String(64))  # kept when parked

    # Only undelivered, unrejected rows: the forwarder's query stays small as the
    # table grows with delivered (payload-free) rows.
    __table_args__ = (
        Index("ix_outbox_pending", "created_at",
              sqlite_where=text("delivered_at IS NULL AND rejected_at IS NULL")),
    )


class PrintJobRow(Base):
    """One attempt to print a slip; a reprint is a new job (never an automatic resend).
    The slip itself is not kept (names, addresses, incomes): a payment receipt's reprint
    is rebuilt from the payment journal, other slips are not reprinted (0005_kiosklocal
    dropped the document column and what it held)."""

    __tablename__ = "print_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(32), unique=True)
    reference: Mapped[str] = mapped_column(String(48), index=True)
    state: Mapped[JobState] = mapped_column(_enum_column(JobState, "print_job_state"))
    reason: Mapped[str | None] = mapped_column(String(48))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(AwareDateTime)

    # Start-up recovery looks for jobs a crash left pending: few among many finished.
    __table_args__ = (
        Index("ix_print_jobs_pending", "created_at", sqlite_where=text("state = 'pending'")),
    )


class ReferenceCounterRow(Base):
    """The last payment reference sequence handed out per kiosk and day (YYMMDD)."""

    __tablename__ = "reference_counters"

    kiosk_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[str] = mapped_column(String(6), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class SubmissionRow(Base):
    """A registration or application the kiosk accepted; its content travels in the
    outbox (written in the same transaction) and leaves the kiosk once central has it.
    What stays is what the slip's reference and QR need: no personal data."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(48), unique=True)  # provisional, printed
    kind: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)  # its outbox record
    verification_code: Mapped[str] = mapped_column(String(32), unique=True)  # in the QR
    lang: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
