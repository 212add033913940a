"""The fleet as the console shows it: each kiosk's problems, worst first, the filters
and a page of rows (central/console/fleet_query.py finds them in SQL). A row's kiosk is
as central.fleet.FleetService lists it (the same as `kiosk-admin fleet` prints); an
admin's out-of-service mark from the console counts as out of service; a kiosk marked
in maintenance (central.alerts: its alerts are silenced) is its own state below every
fault; each row carries the kiosk's open alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from central.fleet import FleetKioskOut

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
class FleetFilter:
    state: str = "all"  # a FILTERS value
    site: str = ""  # a group; "": every site
    search: str = ""  # in the id, site, versions or last error, any case; "": no search


@dataclass(frozen=True)
class FleetPage:
    checked_at: datetime
    rows: list[FleetRow]  # this page of the chosen ones, worst first then by id
    matching: int  # kiosks the filters chose
    total: int
    counts: dict[str, int]  # problem -> kiosks that have it (of all), "ok" too
    sites: list[str]
    page: int = 1  # 1-based, within 1..pages
    per_page: int = 100

    @property
    def pages(self) -> int:
        return max(1, -(-self.matching // self.per_page))

    @property
    def first(self) -> int:
        """The place of this page's first row among the chosen (1-based)."""
        return (self.page - 1) * self.per_page + 1


def size(free_bytes: int) -> str:
    """Free disk as kiosk-admin prints it (1024-based: 734M, 5.0G)."""
    if free_bytes >= 2**30:
        return f"{free_bytes / 2**30:.1f}G"
    return f"{free_bytes // 2**20}M"
