"""A payment's method and a QR payment's end (docs/payments-qr.md): every payment before
this one was a card payment, so the method column starts as "card" for all of them.

Revision ID: 0006_qr_payments
Revises: 0005_kiosklocal
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006_qr_payments"
down_revision: str | None = "0005_kiosklocal"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("method", sa.String(length=16), nullable=False,
                                   server_default="card"))
        batch.add_column(sa.Column("provider_txn_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("failure", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("failure")
        batch.drop_column("provider_txn_id")
        batch.drop_column("method")
