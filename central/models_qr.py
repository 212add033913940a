"""Central's tables for QR payments (docs/payments-qr.md): the orders it opened at the
providers for the kiosks, and the differences reconciliation found between a provider's
daily statement and those orders; which of its create or its giving-up each order id
went to. Migrations 0011_qr_orders and 0020_qr_order_claims mirror these."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.models import Base, UTCDateTime


class QrOrderRow(Base):
    """One QR order of one kiosk: ``order_id`` is the kiosk's payment reference,
    ``out_trade_no`` central's number for it at the provider. No personal data: the
    person's payment code is never stored (only in the request's hash)."""

    __tablename__ = "qr_orders"
    __table_args__ = (UniqueConstraint("kiosk_id", "order_id", name="uq_qr_orders_kiosk_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str] = mapped_column(String(64))
    out_trade_no: Mapped[str] = mapped_column(String(32), unique=True)
    provider: Mapped[str] = mapped_column(String(16))  # a QrProvider
    mode: Mapped[str] = mapped_column(String(8))  # a QrMode
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    subject: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))  # the create, canonical
    state: Mapped[str] = mapped_column(String(16))  # a QrState
    failure: Mapped[str | None] = mapped_column(String(32), default=None)  # a QrFailure
    qr_content: Mapped[str | None] = mapped_column(String(512), default=None)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    provider_txn_id: Mapped[str | None] = mapped_column(String(64), default=None)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # A payment by code was sent: it is never sent again (its outcome is settled by query).
    pay_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    # The kiosk asked to close it: a payment the provider reports later is refunded.
    close_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    notification_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    refund_no: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)
    refund_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    refund_error: Mapped[str | None] = mapped_column(String(64), default=None)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    review_reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QrDifferenceRow(Base):
    """One difference between a provider's statement of a day and central's orders,
    with its cause (central/payments/reconcile.py). A new run for the same provider and
    day replaces that day's rows."""

    __tablename__ = "qr_differences"
    __table_args__ = (UniqueConstraint("provider", "day", "out_trade_no", "kind",
                                       name="uq_qr_differences_line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    out_trade_no: Mapped[str] = mapped_column(String(64))
    # missing_at_central, extra_at_central, amount_differs, refund_missing
    kind: Mapped[str] = mapped_column(String(32))
    cause: Mapped[str] = mapped_column(Text)
    kiosk_id: Mapped[str | None] = mapped_column(String(64), default=None)
    order_id: Mapped[str | None] = mapped_column(String(64), default=None)
    central_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    provider_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QrOrderClaimRow(Base):
    """Who an order id of a kiosk went to (central/payments/qr_claims.py): ``opened`` by
    its create (the order row committed with the claim) or ``given_up``: asked about
    before central had it (its create's answer was lost, or the create never came), so
    the kiosk counts the payment as not made and a create arriving later (delayed on the
    network) must open nothing, or the person's code could be charged for a payment no
    bill records. The unique key is the claim: one outcome per id, whichever central
    instance asks."""

    __tablename__ = "qr_order_claims"
    __table_args__ = (UniqueConstraint("kiosk_id", "order_id",
                                       name="uq_qr_order_claims_kiosk_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # a qr_claims.Claim
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
