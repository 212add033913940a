"""The fleet inventory: one row per kiosk, upserted by its heartbeats.

Revision ID: 0003_hb
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003_hb"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("kiosks",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("group_name", sa.String(length=64), nullable=True),
        sa.Column("app_version", sa.String(length=32), nullable=False),
        sa.Column("config_version", sa.String(length=64), nullable=False),
        sa.Column("devices", sa.JSON(), nullable=False),
        sa.Column("outbox_depth", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("disk_free_bytes", sa.BigInteger(), nullable=False),
        sa.Column("kiosk_time", sa.DateTime(), nullable=True),
        sa.Column("last_heartbeat_at", sa.DateTime(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id", name="pk_kiosks"),
    )
    op.create_index("ix_kiosks_group_name", "kiosks", ["group_name"])


def downgrade() -> None:
    op.drop_index("ix_kiosks_group_name", table_name="kiosks")
    op.drop_table("kiosks")
