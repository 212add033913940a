"""Revocation, rotation and expiry of kiosk credentials; tax sessions bound to a kiosk.

kiosk_credentials gains issued_at (when the current credential was issued: existing
credentials count from their enrollment), pending_hash and pending_issued_at (a rotated
credential not used yet) and revoked_at. tax_sessions gains kiosk_id (sessions from
before have none, so no kiosk can use them; they expire within minutes anyway).

Revision ID: 0005_auth
Revises: 0004_fleet
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005_auth"
down_revision: str | None = "0004_fleet"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("kiosk_credentials") as batch:
        batch.add_column(sa.Column("issued_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("pending_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("pending_issued_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE kiosk_credentials SET issued_at = enrolled_at")
    with op.batch_alter_table("kiosk_credentials") as batch:
        batch.alter_column("issued_at", existing_type=sa.DateTime(), nullable=False)
        batch.create_unique_constraint("uq_kiosk_credentials_pending_hash", ["pending_hash"])
    with op.batch_alter_table("tax_sessions") as batch:
        batch.add_column(sa.Column("kiosk_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tax_sessions") as batch:
        batch.drop_column("kiosk_id")
    with op.batch_alter_table("kiosk_credentials") as batch:
        batch.drop_constraint("uq_kiosk_credentials_pending_hash", type_="unique")
        batch.drop_column("revoked_at")
        batch.drop_column("pending_issued_at")
        batch.drop_column("pending_hash")
        batch.drop_column("issued_at")
