"""Releases of the kiosk software: signed manifests, their wheels, their staged rollouts
(central/models_releases.py), and each kiosk's update state as its heartbeat says.

Revision ID: 0010_releases
Revises: 0009_maintenance
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010_releases"
down_revision: str | None = "0009_maintenance"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("releases",
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signed", sa.JSON(), nullable=False),
        sa.Column("total_bytes", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_releases"),
    )
    op.create_table("release_files",
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["version"], ["releases.version"],
                                name="fk_release_files_version_releases"),
        sa.PrimaryKeyConstraint("version", "name", name="pk_release_files"),
    )
    op.create_table("release_rollouts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("wave_percent", sa.Integer(), nullable=False),
        sa.Column("success_threshold", sa.Float(), nullable=False),
        sa.Column("failure_threshold", sa.Float(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("current_wave", sa.Integer(), nullable=False),
        sa.Column("waves", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["version"], ["releases.version"],
                                name="fk_release_rollouts_version_releases"),
        sa.PrimaryKeyConstraint("id", name="pk_release_rollouts"),
    )
    op.create_index("ix_release_rollouts_version", "release_rollouts", ["version"])
    op.create_table("release_rollout_kiosks",
        sa.Column("rollout_id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["rollout_id"], ["release_rollouts.id"],
                                name="fk_release_rollout_kiosks_rollout_id_release_rollouts"),
        sa.PrimaryKeyConstraint("rollout_id", "kiosk_id", name="pk_release_rollout_kiosks"),
    )
    op.create_index("ix_release_rollout_kiosks_kiosk_id", "release_rollout_kiosks",
                    ["kiosk_id"])
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("update_state", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("update_state")
    op.drop_index("ix_release_rollout_kiosks_kiosk_id", table_name="release_rollout_kiosks")
    op.drop_table("release_rollout_kiosks")
    op.drop_index("ix_release_rollouts_version", table_name="release_rollouts")
    op.drop_table("release_rollouts")
    op.drop_table("release_files")
    op.drop_table("releases")
