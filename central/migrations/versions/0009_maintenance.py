"""The kiosks' upkeep in the fleet inventory, as their heartbeats report it: out of
service (switched off by a technician, and since when), a low disk, when the kiosk
process started, its nightly restart window and its last nightly restart. Existing rows
are in service, not low on disk, with the rest unknown (null).

Revision ID: 0009_maintenance
Revises: 0008_kiosklocal
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009_maintenance"
down_revision: str | None = "0008_kiosklocal"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("out_of_service", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("out_of_service_since", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("low_disk", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("up_since", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("restart_window", sa.String(length=11), nullable=True))
        batch.add_column(sa.Column("last_restart_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("kiosks") as batch:  # the ORM sets them from here on
        batch.alter_column("out_of_service", server_default=None)
        batch.alter_column("low_disk", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        for column in ("last_restart_at", "restart_window", "up_since", "low_disk",
                       "out_of_service_since", "out_of_service"):
            batch.drop_column(column)
