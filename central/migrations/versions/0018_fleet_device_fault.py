"""The console's fleet page ranks and filters in SQL (central/console/fleet_query.py):
kiosks keep whether their last heartbeat had a device in fault, set by the heartbeat's
one upsert. Existing kiosks get it from the devices their last heartbeat sent.

Revision ID: 0018_fleet_device_fault
Revises: 0016_console
Create Date: 2026-12-14
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0018_fleet_device_fault"
down_revision: str | None = "0017_service_mark"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("device_fault", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    kiosks = sa.table("kiosks", sa.column("kiosk_id", sa.String()),
                      sa.column("devices", sa.JSON()), sa.column("device_fault", sa.Boolean()))
    connection = op.get_bind()
    faulty = [kiosk_id for kiosk_id, devices in
              connection.execute(sa.select(kiosks.c.kiosk_id, kiosks.c.devices))
              if _any_fault(devices)]
    for start in range(0, len(faulty), 500):
        connection.execute(kiosks.update()
                           .where(kiosks.c.kiosk_id.in_(faulty[start:start + 500]))
                           .values(device_fault=True))


def _any_fault(devices: Any) -> bool:
    if isinstance(devices, str):  # a JSON column read without its type
        devices = json.loads(devices)
    return any(isinstance(state, dict) and state.get("state") == "fault"
               for state in (devices or {}).values())


def downgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("device_fault")
