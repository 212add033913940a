"""Edge defences: the one-time codes central sent, counted for the rate limits per phone
and per kiosk (central/models_edge.py).

Revision ID: 0006_edge
Revises: 0005_auth
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006_edge"
down_revision: str | None = "0005_auth"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("one_time_code_sends",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_one_time_code_sends"),
    )
    op.create_index("ix_one_time_code_sends_phone_hash", "one_time_code_sends", ["phone_hash"])
    op.create_index("ix_one_time_code_sends_kiosk_id", "one_time_code_sends", ["kiosk_id"])
    op.create_index("ix_one_time_code_sends_sent_at", "one_time_code_sends", ["sent_at"])


def downgrade() -> None:
    op.drop_table("one_time_code_sends")
