"""QR order ids claimed once by the database (central/models_qr.py QrOrderClaimRow): each
id of a kiosk is either opened by its create or given up, under one unique key, so two
central replicas cannot both act on it. Replaces ``qr_orders_given_up`` (0012): every
order there is becomes an ``opened`` claim, every given-up id without an order a
``given_up`` one (an id that has both, from the race this closes, was opened at the
provider: its order is what the provider knows).

Revision ID: 0020_qr_order_claims
Revises: 0019_rollout_attempt
Create Date: 2026-12-17
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0020_qr_order_claims"
down_revision: str | None = "0019_rollout_attempt"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("qr_order_claims",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kiosk_id", "order_id", name="uq_qr_order_claims_kiosk_order"),
    )
    op.execute("INSERT INTO qr_order_claims (kiosk_id, order_id, outcome, claimed_at) "
               "SELECT kiosk_id, order_id, 'opened', created_at FROM qr_orders")
    op.execute("INSERT INTO qr_order_claims (kiosk_id, order_id, outcome, claimed_at) "
               "SELECT g.kiosk_id, g.order_id, 'given_up', g.asked_at "
               "FROM qr_orders_given_up g WHERE NOT EXISTS (SELECT 1 FROM qr_orders o "
               "WHERE o.kiosk_id = g.kiosk_id AND o.order_id = g.order_id)")
    op.drop_table("qr_orders_given_up")


def downgrade() -> None:
    op.create_table("qr_orders_given_up",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kiosk_id", "order_id", name="uq_qr_orders_given_up_kiosk_order"),
    )
    op.execute("INSERT INTO qr_orders_given_up (kiosk_id, order_id, asked_at) "
               "SELECT kiosk_id, order_id, claimed_at FROM qr_order_claims "
               "WHERE outcome = 'given_up'")
    op.drop_table("qr_order_claims")
