"""QR payments (docs/payments-qr.md): the orders central opens at the providers for the
kiosks, the differences reconciliation finds against the providers' statements, and a
bill payment's method and provider transaction id (null for a card, as every payment
recorded before).

Revision ID: 0011_qr_orders
Revises: 0010_releases
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011_qr_orders"
down_revision: str | None = "0010_releases"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("qr_orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("out_trade_no", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("failure", sa.String(length=32), nullable=True),
        sa.Column("qr_content", sa.String(length=512), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("provider_txn_id", sa.String(length=64), nullable=True),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.Column("pay_sent", sa.Boolean(), nullable=False),
        sa.Column("close_requested_at", sa.DateTime(), nullable=True),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.Column("notification_digest", sa.String(length=64), nullable=True),
        sa.Column("refund_no", sa.String(length=32), nullable=True),
        sa.Column("refund_reason", sa.String(length=32), nullable=True),
        sa.Column("refund_error", sa.String(length=64), nullable=True),
        sa.Column("refunded_at", sa.DateTime(), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_qr_orders"),
        sa.UniqueConstraint("kiosk_id", "order_id", name="uq_qr_orders_kiosk_order"),
        sa.UniqueConstraint("out_trade_no", name="uq_qr_orders_out_trade_no"),
        sa.UniqueConstraint("refund_no", name="uq_qr_orders_refund_no"),
    )
    op.create_table("qr_differences",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("out_trade_no", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("central_fen", sa.BigInteger(), nullable=True),
        sa.Column("provider_fen", sa.BigInteger(), nullable=True),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_qr_differences"),
        sa.UniqueConstraint("provider", "day", "out_trade_no", "kind",
                            name="uq_qr_differences_line"),
    )
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("method", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("provider_txn_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("provider_txn_id")
        batch.drop_column("method")
    op.drop_table("qr_differences")
    op.drop_table("qr_orders")
