"""Submissions: registrations and applications accepted at the kiosk.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=48), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("verification_code", sa.String(length=32), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("reference", name=op.f("uq_submissions_reference")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_submissions_idempotency_key")),
        sa.UniqueConstraint("verification_code", name=op.f("uq_submissions_verification_code")),
    )


def downgrade() -> None:
    op.drop_table("submissions")
