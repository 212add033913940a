"""Fleet trust and configuration: admin tokens, enrollment tokens, kiosk credentials,
signed config bundles, staged rollouts (central/models_fleet.py).

Revision ID: 0004_fleet
Revises: 0003_hb
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004_fleet"
down_revision: str | None = "0003_hb"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("admin_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_admin_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_admin_tokens_token_hash"),
    )
    op.create_table("enrollment_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("group_name", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_enrollment_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_enrollment_tokens_token_hash"),
    )
    op.create_index("ix_enrollment_tokens_kiosk_id", "enrollment_tokens", ["kiosk_id"])
    op.create_table("kiosk_credentials",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("credential_hash", sa.String(length=64), nullable=False),
        sa.Column("group_name", sa.String(length=64), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id", name="pk_kiosk_credentials"),
        sa.UniqueConstraint("credential_hash", name="uq_kiosk_credentials_credential_hash"),
    )
    op.create_index("ix_kiosk_credentials_group_name", "kiosk_credentials", ["group_name"])
    op.create_table("config_bundles",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signed", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_config_bundles"),
    )
    op.create_table("rollouts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
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
        sa.ForeignKeyConstraint(["version"], ["config_bundles.version"],
                                name="fk_rollouts_version_config_bundles"),
        sa.PrimaryKeyConstraint("id", name="pk_rollouts"),
    )
    op.create_index("ix_rollouts_version", "rollouts", ["version"])
    op.create_table("rollout_kiosks",
        sa.Column("rollout_id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reported_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["rollout_id"], ["rollouts.id"],
                                name="fk_rollout_kiosks_rollout_id_rollouts"),
        sa.PrimaryKeyConstraint("rollout_id", "kiosk_id", name="pk_rollout_kiosks"),
    )
    op.create_index("ix_rollout_kiosks_kiosk_id", "rollout_kiosks", ["kiosk_id"])


def downgrade() -> None:
    op.drop_index("ix_rollout_kiosks_kiosk_id", table_name="rollout_kiosks")
    op.drop_table("rollout_kiosks")
    op.drop_index("ix_rollouts_version", table_name="rollouts")
    op.drop_table("rollouts")
    op.drop_table("config_bundles")
    op.drop_index("ix_kiosk_credentials_group_name", table_name="kiosk_credentials")
    op.drop_table("kiosk_credentials")
    op.drop_index("ix_enrollment_tokens_kiosk_id", table_name="enrollment_tokens")
    op.drop_table("enrollment_tokens")
    op.drop_table("admin_tokens")
