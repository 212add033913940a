"""QR order ids a kiosk gave up on (central/models_qr.py QrOrderGivenUpRow): asked about
before central had them, so a create arriving later opens nothing.

Revision ID: 0012_qr_orders_given_up
Revises: 0011_qr_orders
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012_qr_orders_given_up"
down_revision: str | None = "0011_qr_orders"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("qr_orders_given_up",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kiosk_id", "order_id", name="uq_qr_orders_given_up_kiosk_order"),
    )


def downgrade() -> None:
    op.drop_table("qr_orders_given_up")
