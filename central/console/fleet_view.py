"""The fleet as the console shows it: each kiosk's problems, worst first, and the
filters. Built on central.fleet.FleetService's list (the same one `kiosk-admin fleet`
prints), plus the kiosks an admin took out of service from the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from central.db import make_session_factory
from central.fleet import FleetKioskOut, FleetOut
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
PROBLEMS = (OFFLINE, OUT_OF_SERVICE, REVOKED, DEVICE_FAULT, STUCK_OUTBOX, FAILED_UPDATE,
            LOW_DISK)
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
class FleetRow:
    kiosk: FleetKioskOut
    problems: tuple[str, ...]  # worst first; empty: all is well
    mark: ServiceMark | None  # taken out of service from the console

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


def problems_of(kiosk: FleetKioskOut, mark: ServiceMark | None) -> tuple[str, ...]:
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
    return tuple(found)


def service_marks(engine: Engine) -> dict[str, ServiceMark]:
    with make_session_factory(engine)() as session:
        return {row.kiosk_id: ServiceMark(row.marked_by, row.reason, in_shanghai(row.since))
                for row in session.scalars(select(KioskServiceMarkRow))}


def fleet_page(fleet: FleetOut, marks: dict[str, ServiceMark], *, state: str = "all",
               site: str = "", search: str = "", shown: int = 1000) -> FleetPage:
    """The kiosks ``state`` (a FILTERS value), ``site`` (a group) and ``search`` (in the
    id, site, versions and last error, any case) choose, worst first then by id."""
    rows = [FleetRow(k, problems_of(k, marks.get(k.kiosk_id)), marks.get(k.kiosk_id))
            for k in fleet.kiosks]
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
        return bool(row.problems)
    return state in row.problems


def _haystack(kiosk: FleetKioskOut) -> str:
    return " ".join(filter(None, (kiosk.kiosk_id, kiosk.group, kiosk.app_version,
                                  kiosk.config_version, kiosk.last_error))).casefold()


def size(free_bytes: int) -> str:
    """Free disk as kiosk-admin prints it (1024-based: 734M, 5.0G)."""
    if free_bytes >= 2**30:
        return f"{free_bytes / 2**30:.1f}G"
    return f"{free_bytes // 2**20}M"
