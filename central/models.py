"""Central's tables (SQLAlchemy 2.0 declarative). Migrations in central/migrations mirror
these; change both together.

Portable to PostgreSQL: amounts are integer fen (exact on every backend), datetimes are
stored as naive UTC and handed back aware, JSON uses the generic JSON type.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Explicit constraint names keep migrations reproducible on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetime in Python, naive UTC in the database (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: central stores aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class BillerRow(Base):
    __tablename__ = "billers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128))
    maintenance: Mapped[bool] = mapped_column(Boolean, default=False)


class AccountRow(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("biller_id", "account_no", name="uq_accounts_biller_account"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    biller_id: Mapped[str] = mapped_column(ForeignKey("billers.id"))
    account_no: Mapped[str] = mapped_column(String(48))
    holder_name: Mapped[str] = mapped_column(String(128))  # full: masked on the way out
    address: Mapped[str] = mapped_column(String(256))  # full: masked on the way out
    partial_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    lock_token: Mapped[str | None] = mapped_column(String(64), default=None)
    lock_kiosk_id: Mapped[str | None] = mapped_column(String(64), default=None)
    lock_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    bills: Mapped[list[BillRow]] = relationship(back_populates="account", order_by="BillRow.period")


class BillRow(Base):
    __tablename__ = "bills"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))  # "2026-10"
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    late_fee_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    due_date: Mapped[date] = mapped_column(Date)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    account: Mapped[AccountRow] = relationship(back_populates="bills")

    @property
    def total_fen(self) -> int:
        return self.amount_fen + self.late_fee_fen

    @property
    def outstanding_fen(self) -> int:
        return max(0, self.total_fen - self.paid_fen)


class PaymentRow(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    central_ref: Mapped[str] = mapped_column(String(32), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical record
    reference: Mapped[str] = mapped_column(String(64), index=True)  # the kiosk's reference
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True)
    biller_id: Mapped[str] = mapped_column(String(32))
    account_no: Mapped[str] = mapped_column(String(48))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[str] = mapped_column(String(16))  # "direct" or "outbox"
    status: Mapped[str] = mapped_column(String(16), default="RECORDED")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    review_reason: Mapped[str | None] = mapped_column(Text, default=None)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)  # the BillPaymentRecord as received
