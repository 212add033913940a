"""Who took a kiosk out of service, as its heartbeat says: its technician's switch,
central's mark it obeyed (an admin's, from the console), or both. Existing rows say
nothing (empty: a kiosk that does not say was switched off by its technician).

Revision ID: 0017_service_mark
Revises: 0016_console
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0017_service_mark"
down_revision: str | None = "0016_console"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("out_of_service_by", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("out_of_service_by")
