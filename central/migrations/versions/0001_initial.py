"""Initial schema: billers, accounts, bills, payments.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "billers",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("name_zh", sa.String(128), nullable=False),
        sa.Column("name_en", sa.String(128), nullable=False),
        sa.Column("maintenance", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_billers"),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("biller_id", sa.String(32), nullable=False),
        sa.Column("account_no", sa.String(48), nullable=False),
        sa.Column("holder_name", sa.String(128), nullable=False),
        sa.Column("address", sa.String(256), nullable=False),
        sa.Column("partial_allowed", sa.Boolean(), nullable=False),
        sa.Column("lock_token", sa.String(64), nullable=True),
        sa.Column("lock_kiosk_id", sa.String(64), nullable=True),
        sa.Column("lock_expires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["biller_id"], ["billers.id"], name="fk_accounts_biller_id_billers"),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("biller_id", "account_no", name="uq_accounts_biller_account"),
    )
    op.create_table(
        "bills",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("late_fee_fen", sa.BigInteger(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_bills_account_id_accounts"),
        sa.PrimaryKeyConstraint("id", name="pk_bills"),
    )
    op.create_index("ix_bills_account_id", "bills", ["account_id"])
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("central_ref", sa.String(32), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("biller_id", sa.String(32), nullable=False),
        sa.Column("account_no", sa.String(48), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payments"),
        sa.UniqueConstraint("central_ref", name="uq_payments_central_ref"),
        sa.UniqueConstraint("idempotency_key", name="uq_payments_idempotency_key"),
    )
    op.create_index("ix_payments_reference", "payments", ["reference"])
    op.create_index("ix_payments_kiosk_id", "payments", ["kiosk_id"])


def downgrade() -> None:
    op.drop_table("payments")
    op.drop_table("bills")
    op.drop_table("accounts")
    op.drop_table("billers")
