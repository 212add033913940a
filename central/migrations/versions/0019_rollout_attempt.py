"""A retried rollout is offered again as a new attempt: each kiosk row of a rollout (both
kinds) counts the attempts it was offered, so a kiosk that failed attempt 1 takes
attempt 2 instead of refusing the version it failed. Existing rows are attempt 1.

Revision ID: 0019_rollout_attempt
Revises: 0018_fleet_device_fault
Create Date: 2026-12-16
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0019_rollout_attempt"
down_revision: str | None = "0018_fleet_device_fault"
branch_labels: str | None = None
depends_on: str | None = None

TABLES = ("rollout_kiosks", "release_rollout_kiosks")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("attempt", sa.Integer(), nullable=False,
                                       server_default=sa.text("1")))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("attempt")
