"""Rollouts under control (central/models_rollouts.py): each rollout's wave deadline,
maintenance window and deadline clock, which kiosks were given it, and the record of
every change (who, when), for config and software rollouts alike.

Rollouts already running keep serving what they released: every kiosk of a wave they
reached counts as given it, and their current wave's deadline runs from their last change.

Revision ID: 0014_rollout_control
Revises: 0012_qr_orders_given_up
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0014_rollout_control"
down_revision: str | None = "0013_audit_events"
branch_labels: str | None = None
depends_on: str | None = None

ROLLOUT_TABLES = (("rollouts", "rollout_kiosks"), ("release_rollouts", "release_rollout_kiosks"))
WAVE_DEADLINE_DEFAULT_S = 24 * 3600


def upgrade() -> None:
    for rollouts, kiosks in ROLLOUT_TABLES:
        # Plain ADD COLUMN (SQLite has it): a batch would copy and drop the rollout table,
        # which its kiosks' foreign key refuses once it holds rows.
        op.add_column(rollouts, sa.Column("wave_deadline_s", sa.Integer(), nullable=False,
                                          server_default=sa.text(str(WAVE_DEADLINE_DEFAULT_S))))
        op.add_column(rollouts, sa.Column("maintenance_window", sa.String(length=80),
                                          nullable=True))
        op.add_column(rollouts, sa.Column("wave_active_s", sa.Float(), nullable=False,
                                          server_default=sa.text("0")))
        op.add_column(rollouts, sa.Column("wave_clock_at", sa.DateTime(), nullable=True))
        op.add_column(kiosks, sa.Column("given_at", sa.DateTime(), nullable=True))
        op.execute(f"UPDATE {rollouts} SET wave_clock_at = updated_at "
                   "WHERE state = 'running'")
        op.execute(f"UPDATE {kiosks} SET given_at = (SELECT r.created_at FROM {rollouts} r "
                   f"WHERE r.id = {kiosks}.rollout_id) WHERE wave <= (SELECT r.current_wave "
                   f"FROM {rollouts} r WHERE r.id = {kiosks}.rollout_id)")
    op.create_table("rollout_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rollout_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rollout_changes"),
    )
    op.create_index("ix_rollout_changes_rollout", "rollout_changes", ["kind", "rollout_id"])


def downgrade() -> None:
    op.drop_index("ix_rollout_changes_rollout", table_name="rollout_changes")
    op.drop_table("rollout_changes")
    for rollouts, kiosks in ROLLOUT_TABLES:
        # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL), not a batch: see upgrade().
        op.execute(f"ALTER TABLE {kiosks} DROP COLUMN given_at")
        for column in ("wave_clock_at", "wave_active_s", "maintenance_window",
                       "wave_deadline_s"):
            op.execute(f"ALTER TABLE {rollouts} DROP COLUMN {column}")
