"""The heartbeat: every ``sync.heartbeat_interval_s`` the kiosk tells central what it runs
(app and config version), how its devices are (as the device watch last saw them), how
many records wait in its outbox and how many central refused (parked), its last warning
or error, its free disk, whether it is out of service (since when, and by whom: its
technician's switch, central's mark), and its upkeep (up since, the nightly restart
window and the last restart, a low disk). Central's answer carries its out-of-service
mark, handed to ``on_service_mark`` (kiosk/services/central_mark.py obeys it).

Runs in its own daemon thread and never touches a device: the device states come from
the watch's latest polls, so a beat never competes with a sale for the terminal. A
failed beat is logged once per outage and simply tried again at the next interval (a
heartbeat is a snapshot; there is nothing to queue).
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from hardware.base import DeviceStatus
from kiosk.errors import KioskError
from kiosk.services.ports import Clock, MaintenanceState, ServiceMarkWord
from kiosk.sync.outage import FailureStreak
from kiosk.sync.periodic import PeriodicThread, RunsPeriodically
from kiosk.sync.wire_fleet import (
    LAST_ERROR_MAX,
    REASON_PATTERN,
    DeviceStateIn,
    HeartbeatAck,
    HeartbeatIn,
    printable_line,
)

log = logging.getLogger(__name__)

REPORTED_DEVICES = ("printer", "payment", "reader")  # the wire's DeviceName values
_REASON = re.compile(REASON_PATTERN)


class HeartbeatPoster(Protocol):
    """What the sender needs of CentralClient."""

    def send_heartbeat(self, beat: HeartbeatIn) -> HeartbeatAck: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class HeartbeatSources:
    """Where each part of a beat comes from (bootstrap wires them)."""

    app_version: str
    config_version: Callable[[], str]
    devices: Callable[[], Mapping[str, object]]  # DeviceWatch.latest(): name -> DeviceStatus
    outbox_depth: Callable[[], int]
    last_error: Callable[[], str | None]
    data_dir: Path  # free disk is measured here (its parent while it does not exist yet)
    outbox_parked: Callable[[], int] = lambda: 0  # records central refused, kept aside
    update_state: Callable[[], str | None] = lambda: None  # kiosk.update's state file
    out_of_service_since: Callable[[], datetime | None] = lambda: None  # the technician's
    central_mark_since: Callable[[], datetime | None] = lambda: None  # central's, obeyed
    maintenance: Callable[[], MaintenanceState | None] = lambda: None


def collect_heartbeat(sources: HeartbeatSources, clock: Clock) -> HeartbeatIn:
    """The beat as central takes it: the last error made one printable line of at most
    LAST_ERROR_MAX characters, a device reason that is not a reason code left out (a
    beat central refuses would hide everything else it says)."""
    devices = {name: DeviceStateIn(state=status.health.value, reason=_reason(status.reason))
               for name, status in sources.devices().items()
               if name in REPORTED_DEVICES and isinstance(status, DeviceStatus)}
    last_error = sources.last_error()
    switched_since, marked_since = sources.out_of_service_since(), sources.central_mark_since()
    by = [who for who, since in (("technician", switched_since), ("central", marked_since))
          if since is not None]
    out_of_service_since = min((since for since in (switched_since, marked_since)
                                if since is not None), default=None)
    upkeep = sources.maintenance()
    return HeartbeatIn(
        app_version=sources.app_version, config_version=sources.config_version(),
        devices=devices,  # type: ignore[arg-type]  # keys filtered to DeviceName above
        outbox_depth=sources.outbox_depth(), outbox_parked=sources.outbox_parked(),
        last_error=printable_line(last_error)[:LAST_ERROR_MAX] if last_error else None,
        disk_free_bytes=_free_disk(sources.data_dir), sent_at=clock.now(),
        out_of_service=out_of_service_since is not None,
        out_of_service_since=out_of_service_since,
        out_of_service_by=by,  # type: ignore[arg-type]  # the wire's OutOfServiceBy values
        low_disk=upkeep is not None and upkeep.low_disk,
        up_since=upkeep.up_since if upkeep else None,
        restart_window=upkeep.restart_window if upkeep else None,
        last_restart_at=upkeep.last_restart_at if upkeep else None,
        update_state=sources.update_state())


def _reason(reason: str | None) -> str | None:
    if reason is None or (len(reason) <= 64 and _REASON.fullmatch(reason)):
        return reason
    return None


def _free_disk(data_dir: Path) -> int:
    for folder in (data_dir, *data_dir.resolve().parents):
        if folder.exists():
            return shutil.disk_usage(folder).free
    return 0


class HeartbeatSender(RunsPeriodically):
    def __init__(self, client: HeartbeatPoster, sources: HeartbeatSources, clock: Clock, *,
                 interval_s: float,
                 on_service_mark: Callable[[ServiceMarkWord | None], None] | None = None
                 ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self.client = client
        self.on_service_mark = on_service_mark
        self.sources = sources
        self.clock = clock
        self.interval_s = interval_s
        self._loop = PeriodicThread("heartbeat", self.beat_once, lambda: self.interval_s)
        self.beats_sent = 0
        # Once per outage: a kiosk offline for a day would otherwise log 1,440 lines.
        self.failures = FailureStreak(log, "heartbeat")

    @property
    def consecutive_failures(self) -> int:
        return self.failures.failures

    def beat_once(self) -> bool:
        """Collect and send one heartbeat; True if central took it. Never raises."""
        try:
            beat = collect_heartbeat(self.sources, self.clock)
            ack = self.client.send_heartbeat(beat)
        except KioskError as exc:
            self.failures.failed_with(exc)
            return False
        except Exception as exc:  # noqa: BLE001 - a beat must never kill its thread
            self.failures.failed(type(exc).__name__, level=logging.ERROR)
            return False
        self.failures.succeeded()
        self.beats_sent += 1
        self._pass_on_mark(ack)
        return True

    def _pass_on_mark(self, ack: HeartbeatAck) -> None:
        if self.on_service_mark is None:
            return
        mark = ack.service_mark
        try:
            self.on_service_mark(None if mark is None else ServiceMarkWord(
                out_of_service=mark.out_of_service, since=mark.since,
                reason_code=mark.reason_code))
        except Exception:  # the beat went through; obeying failed (a full disk?)
            log.exception("central's out-of-service mark not taken")
