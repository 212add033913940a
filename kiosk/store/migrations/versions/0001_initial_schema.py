"""Initial schema: payments, outbox, print jobs, reference counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Frozen: written with plain SQLAlchemy types (timestamps are ISO 8601 text with offset,
enums are plain text), so it never changes when the models do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=32), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=48), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("kiosk_id", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("biller_id", sa.String(length=32), nullable=False),
        sa.Column("account_no", sa.String(length=48), nullable=False),
        sa.Column("bill_ids", sa.JSON(), nullable=False),
        sa.Column("periods", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("late_fee", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("holder_masked", sa.String(length=100), nullable=False),
        sa.Column("lock_token", sa.String(length=100), nullable=True),
        sa.Column("response_code", sa.String(length=8), nullable=True),
        sa.Column("auth_code", sa.String(length=16), nullable=True),
        sa.Column("rrn", sa.String(length=24), nullable=True),
        sa.Column("masked_pan", sa.String(length=24), nullable=True),
        sa.Column("card_brand", sa.String(length=32), nullable=True),
        sa.Column("terminal_id", sa.String(length=32), nullable=True),
        sa.Column("merchant_id", sa.String(length=32), nullable=True),
        sa.Column("error_code", sa.String(length=48), nullable=True),
        sa.Column("central_ref", sa.String(length=64), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payments_idempotency_key")),
        sa.UniqueConstraint("reference", name=op.f("uq_payments_reference")),
    )
    op.create_index(op.f("ix_payments_state"), "payments", ["state"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(none_as_null=True), nullable=True),
        _timestamp("created_at"),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _timestamp("last_attempt_at", nullable=True),
        _timestamp("delivered_at", nullable=True),
        sa.Column("central_ref", sa.String(length=64), nullable=True),
        _timestamp("rejected_at", nullable=True),
        sa.Column("rejected_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    op.create_index("ix_outbox_pending", "outbox", ["created_at"], unique=False,
                    sqlite_where=sa.text("delivered_at IS NULL AND rejected_at IS NULL"))

    op.create_table(
        "print_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=48), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=48), nullable=True),
        _timestamp("created_at"),
        _timestamp("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_jobs")),
        sa.UniqueConstraint("job_id", name=op.f("uq_print_jobs_job_id")),
    )
    op.create_index(op.f("ix_print_jobs_reference"), "print_jobs", ["reference"],
                    unique=False)

    op.create_table(
        "reference_counters",
        sa.Column("kiosk_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.String(length=6), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id", "day", name=op.f("pk_reference_counters")),
    )


def downgrade() -> None:
    op.drop_table("reference_counters")
    op.drop_index(op.f("ix_print_jobs_reference"), table_name="print_jobs")
    op.drop_table("print_jobs")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_payments_state"), table_name="payments")
    op.drop_table("payments")
