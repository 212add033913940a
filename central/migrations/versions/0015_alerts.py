"""Alerts and scheduled work (central/models_alerts.py): alerts, their webhook
deliveries, kiosks in maintenance, the scheduler's lease; and on kiosks the heartbeat
count and the outbox's rises in a row, so a heartbeat stays one upsert. Existing kiosks
have been seen (heartbeats 1) and their outbox has not grown yet (0).

Revision ID: 0015_alerts
Revises: 0012_qr_orders_given_up
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0015_alerts"
down_revision: str | None = "0014_rollout_control"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table("alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.String(length=32), nullable=False),
        sa.Column("open_key", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=True),
        sa.Column("cleared_at", sa.DateTime(), nullable=True),
        sa.Column("clear_reason", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("incident_id", name="uq_alerts_incident_id"),
        sa.UniqueConstraint("open_key", name="uq_alerts_open_key"),
    )
    op.create_index("ix_alerts_kiosk_id", "alerts", ["kiosk_id"])
    op.create_index("ix_alerts_state", "alerts", ["state"])
    op.create_table("alert_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"],
                                name="fk_alert_deliveries_alert_id_alerts"),
        sa.PrimaryKeyConstraint("id", name="pk_alert_deliveries"),
        sa.UniqueConstraint("alert_id", "event", name="uq_alert_deliveries_alert_id"),
    )
    op.create_index("ix_alert_deliveries_alert_id", "alert_deliveries", ["alert_id"])
    op.create_index("ix_alert_deliveries_state", "alert_deliveries", ["state"])
    op.create_table("kiosk_maintenance",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id", name="pk_kiosk_maintenance"),
    )
    op.create_table("scheduler_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_scheduler_leases"),
    )
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("heartbeats", sa.BigInteger(), nullable=False,
                                   server_default="1"))
        batch.add_column(sa.Column("outbox_rises", sa.Integer(), nullable=False,
                                   server_default="0"))
    with op.batch_alter_table("kiosks") as batch:  # the upsert sets them from here on
        batch.alter_column("heartbeats", server_default=None)
        batch.alter_column("outbox_rises", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("outbox_rises")
        batch.drop_column("heartbeats")
    op.drop_table("scheduler_leases")
    op.drop_table("kiosk_maintenance")
    op.drop_index("ix_alert_deliveries_state", table_name="alert_deliveries")
    op.drop_index("ix_alert_deliveries_alert_id", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_index("ix_alerts_state", table_name="alerts")
    op.drop_index("ix_alerts_kiosk_id", table_name="alerts")
    op.drop_table("alerts")
