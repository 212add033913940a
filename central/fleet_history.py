"""The console's day of heartbeats per kiosk (central.models_console.HeartbeatHistoryRow).

A heartbeat stays one write (central.fleet): its upsert stores a ``history_key`` (the
five-minute period and a digest of the state worth a row: versions, devices, parked
records, last error, out of service) and marks the kiosk ``history_due`` when that key
changed. The scheduler's lease holder (central.scheduler) then takes every due sample in
one round: one INSERT ... SELECT for the whole fleet, the flags cleared only where the
key is still the one sampled (a beat that came meanwhile stays due), and rows older than
a day deleted. So a kiosk that stays the same has one row per five minutes, a change
shows within one scheduler round, and the heartbeat path never writes history.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, delete, exists, false, insert, select, update

from central.db import make_session_factory
from central.models import KioskRow
from central.models_console import HeartbeatHistoryRow
from kiosk.sync.wire_fleet import HeartbeatIn

log = logging.getLogger(__name__)

HISTORY_SAMPLE = timedelta(minutes=5)
"""A kiosk whose state stays the same gets one history row per such period."""
HISTORY_KEPT = timedelta(days=1)


def history_key(beat: HeartbeatIn, now: datetime) -> str:
    """The sampling period and what makes a beat worth a row of its own."""
    period = int(now.timestamp() // HISTORY_SAMPLE.total_seconds())
    state = [beat.app_version, beat.config_version,
             {name: state.model_dump(mode="json") for name, state in beat.devices.items()},
             beat.outbox_parked, beat.last_error, beat.out_of_service]
    digest = hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode())
    return f"{period}:{digest.hexdigest()[:24]}"


class HeartbeatHistory:
    def __init__(self, engine: Engine) -> None:
        self._sessions = make_session_factory(engine)

    def sample(self, now: datetime) -> int:
        """Take every due sample (a scheduler job); the number of rows written."""
        kiosks = KioskRow.__table__
        history = HeartbeatHistoryRow.__table__
        columns = ["kiosk_id", "app_version", "config_version", "devices", "outbox_depth",
                   "outbox_parked", "last_error", "disk_free_bytes", "out_of_service"]
        with self._sessions.begin() as session:
            due = (select(*(kiosks.c[name] for name in columns), kiosks.c.last_heartbeat_at,
                          kiosks.c.history_key)
                   .where(kiosks.c.history_due))
            written = session.execute(insert(history).from_select(
                [*columns, "received_at", "sample_key"], due)).rowcount
            sampled = exists().where(and_(history.c.kiosk_id == kiosks.c.kiosk_id,
                                          history.c.sample_key == kiosks.c.history_key))
            session.execute(update(kiosks).where(kiosks.c.history_due, sampled)
                            .values(history_due=false()))
            session.execute(delete(history).where(history.c.received_at < now - HISTORY_KEPT))
        return max(written, 0)
