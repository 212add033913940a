"""Print jobs keep no slip: the document column goes, and with it every stored slip's
names, nationality, address, taxpayer id, incomes and employers (issue 10, item 17).
A payment receipt's reprint is rebuilt from the payment journal, as it always was; no
other slip is reprinted. The store's connections run with secure_delete, so the dropped
content is overwritten, and open_store truncates the WAL after migrating.
A partial index finds the jobs a crash left pending (start-up recovery).

Revision ID: 0005_kiosklocal
Revises: 0004_records
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005_kiosklocal"
down_revision: str | None = "0004_records"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("print_jobs") as batch:
        batch.drop_column("document")
    op.create_index("ix_print_jobs_pending", "print_jobs", ["created_at"],
                    sqlite_where=sa.text("state = 'pending'"))


def downgrade() -> None:
    # The slips are gone for good: an empty document ({}) stands in for each.
    op.drop_index("ix_print_jobs_pending", table_name="print_jobs")
    with op.batch_alter_table("print_jobs") as batch:
        batch.add_column(sa.Column("document", sa.JSON(), nullable=False,
                                   server_default=sa.text("'{}'")))
