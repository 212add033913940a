"""The console's fleet page in SQL: the kiosks' problems, the worst-first order, the
filters and search, and the per-state counts are computed by the database, so a page
costs one aggregate query over the fleet plus the reading of its own rows (at most
``per_page`` kiosks), not the building of every kiosk in Python.

A kiosk's problems (central/console/fleet_view.py PROBLEMS, worst first) come from its
row in ``kiosks`` (the heartbeat's one upsert keeps ``device_fault`` there), its
credential (revoked) and the console's out-of-service mark; offline is judged at read
time from central's clock, as central.fleet does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    and_,
    case,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from central.console.fleet_view import (
    DEVICE_FAULT,
    FAILED_UPDATE,
    FAILED_UPDATE_STATES,
    FAULTS,
    LOW_DISK,
    MAINTENANCE,
    OFFLINE,
    OK,
    OUT_OF_SERVICE,
    PROBLEMS,
    REVOKED,
    STUCK_OUTBOX,
    STUCK_OUTBOX_DEPTH,
    FleetFilter,
    FleetPage,
    FleetRow,
    MaintenanceMark,
    ServiceMark,
)
from central.db import make_session_factory
from central.fleet import FleetService
from central.models import KioskRow
from central.models_alerts import AlertRow, KioskMaintenanceRow
from central.models_console import KioskServiceMarkRow
from central.models_fleet import KioskCredentialRow
from central.timeutil import in_shanghai

Columns = TypeVarTuple("Columns")
KIOSK = KioskRow
CREDENTIAL = KioskCredentialRow
MARK = KioskServiceMarkRow
MAINTAINED = KioskMaintenanceRow
SEARCHED = (KIOSK.kiosk_id, KIOSK.group_name, KIOSK.app_version, KIOSK.config_version,
            KIOSK.last_error)


def problem_conditions(now: datetime, fleet: FleetService) -> dict[str, ColumnElement[bool]]:
    """Each problem as a condition on a kiosk joined to its credential and mark."""
    return {
        OFFLINE: KIOSK.last_heartbeat_at < now - fleet.settings.offline_after,
        OUT_OF_SERVICE: or_(KIOSK.out_of_service == true(), MARK.kiosk_id.is_not(None)),
        REVOKED: CREDENTIAL.revoked_at.is_not(None),
        DEVICE_FAULT: KIOSK.device_fault == true(),
        STUCK_OUTBOX: or_(KIOSK.outbox_parked > 0, KIOSK.outbox_depth >= STUCK_OUTBOX_DEPTH),
        FAILED_UPDATE: KIOSK.update_state.in_(sorted(FAILED_UPDATE_STATES)),
        LOW_DISK: KIOSK.low_disk == true(),
        MAINTENANCE: MAINTAINED.kiosk_id.is_not(None),
    }


def _joined(query: Select[*Columns]) -> Select[*Columns]:
    return (query.select_from(KIOSK)
            .outerjoin(CREDENTIAL, CREDENTIAL.kiosk_id == KIOSK.kiosk_id)
            .outerjoin(MARK, MARK.kiosk_id == KIOSK.kiosk_id)
            .outerjoin(MAINTAINED, MAINTAINED.kiosk_id == KIOSK.kiosk_id))


def _rank(problems: dict[str, ColumnElement[bool]]) -> ColumnElement[int]:
    """The place of a kiosk's worst problem in PROBLEMS; len(PROBLEMS) when all is well."""
    return case(*((problems[name], index) for index, name in enumerate(PROBLEMS)),
                else_=len(PROBLEMS))


def _chosen(problems: dict[str, ColumnElement[bool]], wanted: FleetFilter
            ) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if wanted.state == "problems":  # the faults: a kiosk in maintenance is expected
        conditions.append(or_(*(problems[name] for name in FAULTS)))
    elif wanted.state in problems:
        conditions.append(problems[wanted.state])
    elif wanted.state not in ("", "all"):
        conditions.append(false())
    if wanted.site:
        conditions.append(KIOSK.group_name == wanted.site)
    needle = wanted.search.strip()
    if needle:
        conditions.append(or_(*(column.icontains(needle, autoescape=True)
                                for column in SEARCHED)))
    return and_(true(), *conditions)


def _by_id(session: Session) -> ColumnElement[str]:
    """Kiosk ids in code-point order on both databases (a PostgreSQL locale collation
    would skip the hyphens)."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    return KIOSK.kiosk_id.collate("C" if postgresql else "BINARY")


def fleet_page(engine: Engine, fleet: FleetService, wanted: FleetFilter, *, page: int = 1,
               per_page: int = 100) -> FleetPage:
    """The kiosks ``wanted`` chooses, worst first then by id, page ``page`` of them
    (``per_page`` a page; a page past the last is the last); counts of the whole fleet."""
    now = fleet.clock.now()
    problems = problem_conditions(now, fleet)
    chosen = _chosen(problems, wanted)
    rank = _rank(problems)
    with make_session_factory(engine)() as session:
        totals = session.execute(_joined(select(
            *(_count(problems[name]).label(name) for name in PROBLEMS),
            _count(rank == len(PROBLEMS)).label(OK),
            _count(chosen).label("matching"), func.count().label("total")))).one()
        counts = {name: int(totals._mapping[name] or 0) for name in (*PROBLEMS, OK)}
        matching, total = int(totals.matching or 0), int(totals.total or 0)
        page = min(max(1, page), max(1, -(-matching // per_page)))
        found = session.execute(_joined(select(KIOSK.kiosk_id, *_flags(problems)))
                                .where(chosen).order_by(rank, _by_id(session))
                                .limit(per_page).offset((page - 1) * per_page)).all()
        sites = sorted(site for site in session.scalars(
            select(KIOSK.group_name).distinct()) if site)
        flagged = [(row[0], _problems(row[1:])) for row in found]
        marks = _marks(session, [kiosk_id for kiosk_id, _ in flagged])
    # Read after the session closed: on SQLite every transaction holds the write lock.
    rows = _rows(fleet, now, flagged, marks)
    return FleetPage(in_shanghai(now), rows, matching, total, counts, sites,
                     page=page, per_page=per_page)


def kiosk_row(engine: Engine, fleet: FleetService, kiosk_id: str) -> FleetRow | None:
    """One kiosk as the fleet page shows it; None if it never sent a heartbeat."""
    now = fleet.clock.now()
    problems = problem_conditions(now, fleet)
    with make_session_factory(engine)() as session:
        found = session.execute(_joined(select(*_flags(problems)))
                                .where(KIOSK.kiosk_id == kiosk_id)).first()
        if found is None:
            return None
        marks = _marks(session, [kiosk_id])
    rows = _rows(fleet, now, [(kiosk_id, _problems(tuple(found)))], marks)
    return rows[0] if rows else None


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def _flags(problems: dict[str, ColumnElement[bool]]) -> list[ColumnElement[int]]:
    return [case((problems[name], 1), else_=0).label(name) for name in PROBLEMS]


def _problems(flags: Sequence[Any]) -> tuple[str, ...]:
    return tuple(name for name, flag in zip(PROBLEMS, flags, strict=True) if flag)


@dataclass(frozen=True)
class _Marks:
    """What the page's kiosks carry beside their rows: the console's out-of-service
    marks, maintenance marks and open alerts (three queries of the page's ids only)."""

    service: dict[str, ServiceMark]
    maintenance: dict[str, MaintenanceMark]
    open_alerts: dict[str, int]


def _marks(session: Session, kiosk_ids: list[str]) -> _Marks:
    if not kiosk_ids:
        return _Marks({}, {}, {})
    service = {row.kiosk_id: ServiceMark(row.marked_by, row.reason, in_shanghai(row.since))
               for row in session.scalars(select(MARK).where(MARK.kiosk_id.in_(kiosk_ids)))}
    maintenance = {row.kiosk_id: MaintenanceMark(row.note, in_shanghai(row.since))
                   for row in session.scalars(select(MAINTAINED)
                                              .where(MAINTAINED.kiosk_id.in_(kiosk_ids)))}
    alerts = session.execute(select(AlertRow.kiosk_id, func.count())
                             .where(AlertRow.state == "open",
                                    AlertRow.kiosk_id.in_(kiosk_ids))
                             .group_by(AlertRow.kiosk_id)).all()
    return _Marks(service, maintenance, {str(row[0]): int(row[1]) for row in alerts})


def _rows(fleet: FleetService, now: datetime, flagged: list[tuple[str, tuple[str, ...]]],
          marks: _Marks) -> list[FleetRow]:
    """The kiosks of ``flagged`` (id, problems), in its order, with their marks."""
    kiosks = {kiosk.kiosk_id: kiosk
              for kiosk in fleet.kiosks([kiosk_id for kiosk_id, _ in flagged], now)}
    return [FleetRow(kiosks[kiosk_id], problems, marks.service.get(kiosk_id),
                     marks.maintenance.get(kiosk_id), marks.open_alerts.get(kiosk_id, 0))
            for kiosk_id, problems in flagged if kiosk_id in kiosks]
