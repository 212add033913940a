"""Records central refused are parked without their personal data: the outbox row keeps
its reference and central's reason (and what it said about it), the payload goes (as on
delivery); payments get the receipt's verification code (its QR).

Revision ID: 0004_records
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004_records"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("reference", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("rejected_detail", sa.JSON(), nullable=True))
    # Refused before this revision: their payloads (passport and host ID numbers) were
    # kept for ever. Keep the reference, drop the rest.
    op.execute("UPDATE outbox SET reference = substr(json_extract(payload, '$.reference'), "
               "1, 64), payload = NULL WHERE rejected_at IS NOT NULL AND payload IS NOT NULL")
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("verification_code", sa.String(length=16), nullable=True))
        batch.create_unique_constraint("uq_payments_verification_code", ["verification_code"])


def downgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.drop_constraint("uq_payments_verification_code", type_="unique")
        batch.drop_column("verification_code")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("rejected_detail")
        batch.drop_column("reference")
