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
    __table_args__ = (
        UniqueConstraint("biller_id", "account_no", name="uq_accounts_biller_account"),)

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
    # An idempotency key names one record of one kiosk (record_keys holds it across kinds).
    __table_args__ = (UniqueConstraint("kiosk_id", "idempotency_key",
                                       name="uq_payments_kiosk_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    central_ref: Mapped[str] = mapped_column(String(32), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical record
    reference: Mapped[str] = mapped_column(String(64), index=True)  # the kiosk's reference
    kiosk_id: Mapped[str] = mapped_column(String(64), index=True)
    # The receipt's QR code (/v1/verify); null for payments of kiosks from before it.
    verification_code: Mapped[str | None] = mapped_column(String(16), unique=True,
                                                          default=None)
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
    # How it was paid (0011_qr_orders): null for a card; a QR provider and its
    # transaction id, checked against central's order of the same reference.
    method: Mapped[str | None] = mapped_column(String(16), default=None)
    provider_txn_id: Mapped[str | None] = mapped_column(String(64), default=None)


# --- issue 4: tax records, address book, companies, registrations, applications ---------

class CounterRow(Base):
    """Named sequences for human-readable numbers ("LS-310105-2026-000123"). Incremented
    with an UPDATE, so concurrent transactions serialize on the row on every backend."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class TaxpayerRow(Base):
    __tablename__ = "taxpayers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    taxpayer_id: Mapped[str] = mapped_column(String(32), unique=True)  # 纳税人识别号
    surname: Mapped[str] = mapped_column(String(64))
    given_names: Mapped[str] = mapped_column(String(64))
    birth_date: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(32))  # the one-time code goes here

    documents: Mapped[list[TaxpayerDocumentRow]] = relationship(back_populates="taxpayer")


class TaxpayerDocumentRow(Base):
    """An identity document a taxpayer is known by (passport, ID card, PR card)."""

    __tablename__ = "taxpayer_documents"
    __table_args__ = (UniqueConstraint("doc_type", "doc_number",
                                       name="uq_taxpayer_documents_doc"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    taxpayer_pk: Mapped[int] = mapped_column(ForeignKey("taxpayers.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(16))  # "passport", "id_card", "pr_card"
    doc_number: Mapped[str] = mapped_column(String(32))

    taxpayer: Mapped[TaxpayerRow] = relationship(back_populates="documents")


class TaxWithholdingRow(Base):
    """One month of withheld income tax (a row of the 纳税记录)."""

    __tablename__ = "tax_withholdings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    taxpayer_pk: Mapped[int] = mapped_column(ForeignKey("taxpayers.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))  # "2025-03"
    paid_on: Mapped[date] = mapped_column(Date)  # 入库日期
    income_item: Mapped[str] = mapped_column(String(64))
    income_fen: Mapped[int] = mapped_column(BigInteger)
    tax_fen: Mapped[int] = mapped_column(BigInteger)
    tax_authority: Mapped[str] = mapped_column(String(128))
    withholding_agent: Mapped[str] = mapped_column(String(128))


class TaxSessionRow(Base):
    """One identification: the one-time code (hashed), then the token (hashed)."""

    __tablename__ = "tax_sessions"

    otp_session: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The kiosk that asked: only its credential may verify the code and fetch the record
    # (None: a session from before migration 0005_auth, which no kiosk can use).
    kiosk_id: Mapped[str | None] = mapped_column(String(64), default=None)
    taxpayer_pk: Mapped[int] = mapped_column(ForeignKey("taxpayers.id"), index=True)
    document_pk: Mapped[int] = mapped_column(ForeignKey("taxpayer_documents.id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # wrong codes so far
    state: Mapped[str] = mapped_column(String(16))  # "open", "verified", "closed"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class TaxRecordRow(Base):
    """A tax payment record central issued: what /v1/verify answers for its code."""

    __tablename__ = "tax_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_no: Mapped[str] = mapped_column(String(32), unique=True)
    verification_code: Mapped[str] = mapped_column(String(16), unique=True)
    taxpayer_pk: Mapped[int] = mapped_column(ForeignKey("taxpayers.id"), index=True)
    period_start: Mapped[str] = mapped_column(String(7))
    period_end: Mapped[str] = mapped_column(String(7))
    total_income_fen: Mapped[int] = mapped_column(BigInteger)
    total_tax_fen: Mapped[int] = mapped_column(BigInteger)
    tax_authority: Mapped[str] = mapped_column(String(128))
    kiosk_id: Mapped[str | None] = mapped_column(String(64), default=None)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PoliceStationRow(Base):
    __tablename__ = "police_stations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str] = mapped_column(String(32))


class AddressNodeRow(Base):
    """One level of the address book: district > street > lane > building > room.
    Districts carry their GB/T 2260 code; streets carry their police station."""

    __tablename__ = "address_nodes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("address_nodes.id"), index=True,
                                                  default=None)
    level: Mapped[str] = mapped_column(String(16))
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    is_hotel: Mapped[bool] = mapped_column(Boolean, default=False)
    division_code: Mapped[str | None] = mapped_column(String(6), default=None)
    police_station_id: Mapped[str | None] = mapped_column(ForeignKey("police_stations.id"),
                                                          default=None)
    sort_key: Mapped[int] = mapped_column(Integer, default=0)


class CompanyRow(Base):
    __tablename__ = "companies"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(256))
    address: Mapped[str] = mapped_column(String(256))
    legal_representative: Mapped[str] = mapped_column(String(64))
    representative_title: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    district: Mapped[str] = mapped_column(String(32))


class StayRegistrationRow(Base):
    """A registration of stay. Holds personal data: never log its columns."""

    __tablename__ = "stay_registrations"
    __table_args__ = (UniqueConstraint("kiosk_id", "idempotency_key",
                                       name="uq_stay_registrations_kiosk_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registration_no: Mapped[str] = mapped_column(String(32), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(64), index=True)
    verification_code: Mapped[str] = mapped_column(String(16), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    doc_number: Mapped[str] = mapped_column(String(32), index=True)
    nationality: Mapped[str] = mapped_column(String(3))
    arrival_date: Mapped[date] = mapped_column(Date)
    planned_departure: Mapped[date] = mapped_column(Date)
    room_id: Mapped[str] = mapped_column(String(64))
    police_station_id: Mapped[str] = mapped_column(ForeignKey("police_stations.id"))
    status: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    record: Mapped[dict[str, Any]] = mapped_column(JSON)


class ArbitrationApplicationRow(Base):
    """A labour arbitration application. Holds personal data: never log its columns."""

    __tablename__ = "arbitration_applications"
    __table_args__ = (UniqueConstraint("kiosk_id", "idempotency_key",
                                       name="uq_arbitration_applications_kiosk_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_no: Mapped[str] = mapped_column(String(32), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(64), index=True)
    verification_code: Mapped[str] = mapped_column(String(16), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    applicant_doc_number: Mapped[str] = mapped_column(String(32), index=True)
    respondent_uscc: Mapped[str] = mapped_column(String(18), index=True)
    commission: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24))  # "PENDING" until the decision
    channel: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decision_due: Mapped[date] = mapped_column(Date)  # acceptance decision (Art. 29)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)


class SubmissionRejectionRow(Base):
    """A registration or application central refused for a business reason: no personal
    data, only what lets /v1/verify tell the slip's holder what happened."""

    __tablename__ = "submission_rejections"

    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # "" before 0007
    idempotency_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(64))
    verification_code: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(64))
    rejected_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecordKeyRow(Base):
    """Every idempotency key a kiosk has recorded something under, whatever the kind:
    a key names one record of one kiosk, so a payment, a registration and an
    application can never share one (the primary key decides a race between kinds)."""

    __tablename__ = "record_keys"

    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # an OutboxKind
    request_hash: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KioskRow(Base):
    """The fleet inventory: one row per kiosk, replaced by each heartbeat. Whether a kiosk
    is offline is computed at read time from last_heartbeat_at (central/fleet.py)."""

    __tablename__ = "kiosks"

    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    group_name: Mapped[str | None] = mapped_column(String(64), index=True)  # none yet
    app_version: Mapped[str] = mapped_column(String(32))
    config_version: Mapped[str] = mapped_column(String(64))
    devices: Mapped[dict[str, Any]] = mapped_column(JSON)  # name -> {state, reason}
    outbox_depth: Mapped[int] = mapped_column(Integer)
    outbox_parked: Mapped[int] = mapped_column(Integer, default=0)  # refused, kept aside
    last_error: Mapped[str | None] = mapped_column(Text)
    disk_free_bytes: Mapped[int] = mapped_column(BigInteger)
    kiosk_time: Mapped[datetime | None] = mapped_column(UTCDateTime())  # its clock, as sent
    last_heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Upkeep, as the last heartbeat said (0009_maintenance; docs/operations.md#maintenance).
    out_of_service: Mapped[bool] = mapped_column(Boolean, default=False)  # by anyone
    out_of_service_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    low_disk: Mapped[bool] = mapped_column(Boolean, default=False)
    up_since: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the kiosk process
    restart_window: Mapped[str | None] = mapped_column(String(11))  # "03:00-04:00", its zone
    last_restart_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # nightly restart
    # Who took it out of service: "technician", "central" or "technician,central"; null
    # while in service or when the kiosk does not say (0017_service_mark).
    out_of_service_by: Mapped[str | None] = mapped_column(String(32), default=None)
    # The kiosk's software update as its heartbeat says (kiosk.update.wire.UpdateState);
    # null until a kiosk that knows updates beats (0010_releases).
    update_state: Mapped[str | None] = mapped_column(String(16), default=None)
    # Heartbeats received (1 on the first: first_seen) and how many beats in a row the
    # outbox grew (reset when it shrinks): one upsert keeps both (0015_alerts).
    heartbeats: Mapped[int] = mapped_column(BigInteger, default=1)
    outbox_rises: Mapped[int] = mapped_column(Integer, default=0)
    # The console's history (central.fleet_history): the last beat's sampling period and
    # state digest, and whether a sample of it is still to be taken (0016_console).
    history_key: Mapped[str | None] = mapped_column(String(48), default=None)
    history_due: Mapped[bool] = mapped_column(Boolean, default=False)
    # Whether any device of the last beat was in fault, set by the same upsert, so the
    # console ranks and filters the fleet in SQL without reading the devices (0017).
    device_fault: Mapped[bool] = mapped_column(Boolean, default=False)


# The fleet's trust and configuration tables share this metadata (imported last: they
# import Base from here).
from central import (  # noqa: E402,F401
    models_alerts as _models_alerts,
    models_audit as _models_audit,
    models_console as _models_console,
    models_edge as _models_edge,
    models_fleet as _models_fleet,
    models_qr as _models_qr,
    models_releases as _models_releases,
)
