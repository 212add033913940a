"""Records bound to their kiosk: an idempotency key names one record of one kiosk
(record_keys, across kinds; per-kiosk unique keys in each record table and in the
rejection log), payments get the receipt's verification code, and the fleet row the
count of records a kiosk parked after central refused them.

Revision ID: 0007_records
Revises: 0006_edge
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007_records"
down_revision: str | None = "0006_edge"
branch_labels: str | None = None
depends_on: str | None = None

RECORD_TABLES = (("payments", "bill_payment", "recorded_at"),
                 ("stay_registrations", "stay_registration", "recorded_at"),
                 ("arbitration_applications", "arbitration_application", "received_at"))


def upgrade() -> None:
    op.create_table("record_keys",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id", "idempotency_key", name="pk_record_keys"),
    )
    # The keys recorded so far; where one key was recorded as two kinds (the defect this
    # revision closes) the first table's record keeps it.
    for table, kind, recorded in RECORD_TABLES:
        op.execute(sa.text(
            f"INSERT INTO record_keys (kiosk_id, idempotency_key, kind, request_hash, "
            f"recorded_at) SELECT kiosk_id, idempotency_key, :kind, request_hash, {recorded} "
            f"FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM record_keys k "
            f"WHERE k.kiosk_id = t.kiosk_id AND k.idempotency_key = t.idempotency_key)"
        ).bindparams(kind=kind))
    for table, _kind, _recorded in RECORD_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_idempotency_key", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_kiosk_key",
                                           ["kiosk_id", "idempotency_key"])
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("verification_code", sa.String(length=16), nullable=True))
        batch.create_unique_constraint("uq_payments_verification_code", ["verification_code"])
    with op.batch_alter_table("submission_rejections") as batch:
        batch.add_column(sa.Column("kiosk_id", sa.String(length=64), nullable=False,
                                   server_default=""))
        batch.drop_constraint("pk_submission_rejections", type_="primary")
        batch.create_primary_key("pk_submission_rejections", ["kiosk_id", "idempotency_key"])
    with op.batch_alter_table("submission_rejections") as batch:
        batch.alter_column("kiosk_id", server_default=None)
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("outbox_parked", sa.Integer(), nullable=False,
                                   server_default="0"))
    with op.batch_alter_table("kiosks") as batch:
        batch.alter_column("outbox_parked", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("outbox_parked")
    with op.batch_alter_table("submission_rejections") as batch:
        batch.drop_constraint("pk_submission_rejections", type_="primary")
        batch.create_primary_key("pk_submission_rejections", ["idempotency_key"])
        batch.drop_column("kiosk_id")
    with op.batch_alter_table("payments") as batch:
        batch.drop_constraint("uq_payments_verification_code", type_="unique")
        batch.drop_column("verification_code")
    for table, _kind, _recorded in RECORD_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_kiosk_key", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_idempotency_key", ["idempotency_key"])
    op.drop_table("record_keys")
