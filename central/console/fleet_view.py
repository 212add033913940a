"""The fleet as the console shows it: each kiosk's problems, worst first, and the
filters. Built on central.fleet.FleetService's list (the same one `kiosk-admin fleet`
prints), plus the kiosks an admin took out of service from the console, the kiosks
marked in maintenance (central.alerts: their alerts are silenced) and each kiosk's open
alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from central.db import make_session_factory
from central.fleet import FleetKioskOut, FleetOut
from central.models_alerts import AlertRow, KioskMaintenanceRow
from central.models_console import KioskServiceMarkRow
from central.timeutil import in_shanghai

# Problems, worst first: the fleet list is ordered by a kiosk's worst one.
OFFLINE = "offline"
OUT_OF_SERVICE = "out_of_service"
REVOKED = "revoked"
DEVICE_FAULT = "device_fault"
STUCK_OUTBOX = "stuck_outbox"
FAILED_UPDATE = "failed_update"
LOW_DISK = "low_disk"
MAINTENANCE = "maintenance"  # marked by an admin: expected, so below every fault
PROBLEMS = (OFFLINE, OUT_OF_SERVICE, REVOKED, DEVICE_FAULT, STUCK_OUTBOX, FAILED_UPDATE,
            LOW_DISK, MAINTENANCE)
FAULTS = PROBLEMS[:-1]  # what the "Kiosks with a problem" filter keeps
OK = "ok"

STUCK_OUTBOX_DEPTH = 20
"""Records waiting at a kiosk from which the outbox counts as stuck (a kiosk online
delivers its records within seconds; any parked record counts too)."""
FAILED_UPDATE_STATES = frozenset({"failed", "rolled_back", "rejected"})
FILTERS = ("all", "problems", *PROBLEMS)


@dataclass(frozen=True)
class ServiceMark:
    by: str
    reason: str
    since: datetime


@dataclass(frozen=True)
class MaintenanceMark:
    note: str
    since: datetime


@dataclass(frozen=True)
class FleetRow:
    kiosk: FleetKioskOut
    problems: tuple[str, ...]  # worst first; empty: all is well
    mark: ServiceMark | None  # taken out of service from the console
    maintenance: MaintenanceMark | None = None  # its alerts are silenced
    open_alerts: int = 0

    @property
    def worst(self) -> str:
        return self.problems[0] if self.problems else OK


@dataclass(frozen=True)
class FleetPage:
    checked_at: datetime
    rows: list[FleetRow]  # the chosen ones, worst first, at most ``shown`` of them
    matching: int  # kiosks the filters chose
    total: int
    counts: dict[str, int]  # problem -> kiosks that have it (of all), "ok" too
    sites: list[str]


def problems_of(kiosk: FleetKioskOut, mark: ServiceMark | None,
                maintenance: MaintenanceMark | None = None) -> tuple[str, ...]:
    found = []
    if not kiosk.online:
        found.append(OFFLINE)
    if kiosk.out_of_service or mark is not None:
        found.append(OUT_OF_SERVICE)
    if kiosk.revoked_at is not None:
        found.append(REVOKED)
    if any(device.state == "fault" for device in kiosk.devices.values()):
        found.append(DEVICE_FAULT)
    if kiosk.outbox_parked > 0 or kiosk.outbox_depth >= STUCK_OUTBOX_DEPTH:
        found.append(STUCK_OUTBOX)
    if kiosk.update_state in FAILED_UPDATE_STATES:
        found.append(FAILED_UPDATE)
    if kiosk.low_disk:
        found.append(LOW_DISK)
    if maintenance is not None:
        found.append(MAINTENANCE)
    return tuple(found)


def service_marks(engine: Engine) -> dict[str, ServiceMark]:
    with make_session_factory(engine)() as session:
        return {row.kiosk_id: ServiceMark(row.marked_by, row.reason, in_shanghai(row.since))
                for row in session.scalars(select(KioskServiceMarkRow))}


def maintenance_marks(engine: Engine) -> dict[str, MaintenanceMark]:
    with make_session_factory(engine)() as session:
        return {row.kiosk_id: MaintenanceMark(row.note, in_shanghai(row.since))
                for row in session.scalars(select(KioskMaintenanceRow))}


def open_alert_counts(engine: Engine) -> dict[str, int]:
    """Kiosk id -> its open alerts (raised, not cleared): one grouped count."""
    with make_session_factory(engine)() as session:
        counted = session.execute(
            select(AlertRow.kiosk_id, func.count()).where(
                AlertRow.state == "open", AlertRow.kiosk_id.is_not(None))
            .group_by(AlertRow.kiosk_id)).all()
        return {str(row[0]): int(row[1]) for row in counted}


def fleet_row(kiosk: FleetKioskOut, mark: ServiceMark | None,
              maintenance: MaintenanceMark | None, open_alerts: int) -> FleetRow:
    return FleetRow(kiosk, problems_of(kiosk, mark, maintenance), mark, maintenance,
                    open_alerts)


def fleet_page(fleet: FleetOut, marks: dict[str, ServiceMark], *, state: str = "all",
               site: str = "", search: str = "", shown: int = 1000,
               maintenance: dict[str, MaintenanceMark] | None = None,
               open_alerts: dict[str, int] | None = None) -> FleetPage:
    """The kiosks ``state`` (a FILTERS value), ``site`` (a group) and ``search`` (in the
    id, site, versions and last error, any case) choose, worst first then by id."""
    maintenance, open_alerts = maintenance or {}, open_alerts or {}
    rows = [fleet_row(k, marks.get(k.kiosk_id), maintenance.get(k.kiosk_id),
                      open_alerts.get(k.kiosk_id, 0)) for k in fleet.kiosks]
    counts = {name: sum(1 for row in rows if name in row.problems) for name in PROBLEMS}
    counts[OK] = sum(1 for row in rows if not row.problems)
    needle = search.strip().casefold()
    chosen = [row for row in rows if _state_matches(row, state)
              and (not site or (row.kiosk.group or "") == site)
              and (not needle or needle in _haystack(row.kiosk))]
    rank = {name: index for index, name in enumerate(PROBLEMS)}
    chosen.sort(key=lambda row: (rank.get(row.worst, len(PROBLEMS)), row.kiosk.kiosk_id))
    sites = sorted({k.group for k in fleet.kiosks if k.group})
    return FleetPage(fleet.checked_at, chosen[:shown], len(chosen), len(rows), counts, sites)


def _state_matches(row: FleetRow, state: str) -> bool:
    if state in ("", "all"):
        return True
    if state == "problems":
        return any(problem in FAULTS for problem in row.problems)
    return state in row.problems


def _haystack(kiosk: FleetKioskOut) -> str:
    return " ".join(filter(None, (kiosk.kiosk_id, kiosk.group, kiosk.app_version,
                                  kiosk.config_version, kiosk.last_error))).casefold()


def size(free_bytes: int) -> str:
    """Free disk as kiosk-admin prints it (1024-based: 734M, 5.0G)."""
    if free_bytes >= 2**30:
        return f"{free_bytes / 2**30:.1f}G"
    return f"{free_bytes // 2**20}M"
