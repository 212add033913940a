"""The admin console (central/models_console.py): signed-in sessions, the kiosks'
heartbeat history (a day), the outbox records central refused, settled review items,
and the kiosks an admin took out of service.

Revision ID: 0016_console
Revises: 0012_qr_orders_given_up
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0016_console"
down_revision: str | None = "0015_alerts"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("console_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("admin_token_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    with op.batch_alter_table("console_sessions") as batch:
        batch.create_index("ix_console_sessions_admin_token_id", ["admin_token_id"])
    op.create_table("kiosk_heartbeats",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("app_version", sa.String(length=32), nullable=False),
        sa.Column("config_version", sa.String(length=64), nullable=False),
        sa.Column("devices", sa.JSON(), nullable=False),
        sa.Column("outbox_depth", sa.Integer(), nullable=False),
        sa.Column("outbox_parked", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("disk_free_bytes", sa.BigInteger(), nullable=False),
        sa.Column("out_of_service", sa.Boolean(), nullable=False),
        sa.Column("sample_key", sa.String(length=48), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kiosk_heartbeats") as batch:
        batch.create_index("ix_kiosk_heartbeats_kiosk_at", ["kiosk_id", "received_at"])
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("history_key", sa.String(length=48), nullable=True))
        batch.add_column(sa.Column("history_due", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table("outbox_refusals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("refused_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox_refusals") as batch:
        batch.create_index("ix_outbox_refusals_kiosk_at", ["kiosk_id", "refused_at"])
    op.create_table("review_settlements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_kind", sa.String(length=16), nullable=False),
        sa.Column("item_key", sa.String(length=200), nullable=False),
        sa.Column("settled_by", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("settled_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_kind", "item_key", name="uq_review_settlements_item"),
    )
    op.create_table("kiosk_service_marks",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("marked_by", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id"),
    )


def downgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("history_due")
        batch.drop_column("history_key")
    for table in ("kiosk_service_marks", "review_settlements", "outbox_refusals",
                  "kiosk_heartbeats", "console_sessions"):
        op.drop_table(table)
