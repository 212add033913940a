"""Config reports name the pushed keys a kiosk's site file overrides (applied there
without effect): rollout_kiosks.overridden, a JSON list, [] for every existing row.

Revision ID: 0008_kiosklocal
Revises: 0007_records
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008_kiosklocal"
down_revision: str | None = "0007_records"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("rollout_kiosks") as batch:
        batch.add_column(sa.Column("overridden", sa.JSON(), nullable=False,
                                   server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("rollout_kiosks") as batch:
        batch.drop_column("overridden")
