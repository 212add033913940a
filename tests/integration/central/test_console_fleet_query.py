"""The console's fleet page as the database finds it (central/console/fleet_query.py),
on SQLite and PostgreSQL: the worst-first order, the filters and search in SQL, the
counts of the whole fleet, and the pages. The kiosks beat through central's real
heartbeat upsert; marks and revocations through the console's and enrollment's own
services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from central.alerts import AlertService, AlertSettings
from central.console.fleet_query import fleet_page, kiosk_row
from central.console.fleet_view import FleetFilter, FleetPage
from central.console.kiosk_view import KioskPages
from central.enrollment import EnrollmentService
from central.fleet import FleetService
from kiosk.sync.wire_fleet import HeartbeatIn

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

HEALTHY = {"printer": {"state": "ok"}, "payment": {"state": "ok"}, "reader": {"state": "ok"}}


class Fleet:
    """Kiosks put in a state through central's own services."""

    def __init__(self, engine: Engine, clock: Any) -> None:
        self.engine, self.clock = engine, clock
        self.service = FleetService(engine, clock)
        self.enrollment = EnrollmentService(engine, clock)

    def beat(self, kiosk_id: str, site: str = "pudong", **changes: Any) -> None:
        self.enrollment.issue_credential(kiosk_id, site)
        body: dict[str, Any] = {"app_version": "1.4.0", "config_version": "7",
                                "devices": HEALTHY, "outbox_depth": 0,
                                "disk_free_bytes": 2**33, **changes}
        self.service.record_heartbeat(kiosk_id, HeartbeatIn.model_validate(body))

    def page(self, wanted: FleetFilter | None = None, **paging: Any) -> FleetPage:
        return fleet_page(self.engine, self.service, wanted or FleetFilter(), **paging)


def ids(page: FleetPage) -> list[str]:
    return [row.kiosk.kiosk_id for row in page.rows]


@pytest.fixture
def fleet(engine: Engine, clock: Any) -> Fleet:
    return Fleet(engine, clock)


def test_fleet_lists_the_worst_state_first(fleet: Fleet, clock: Any) -> None:
    """GIVEN kiosks that are well, offline, out of service (by a technician or an
    admin), revoked, with a device fault, a stuck outbox, a failed update and low disk
    WHEN the fleet page orders them
    THEN offline comes first, then out of service, revoked, device fault, stuck outbox,
    failed update, low disk, and the well ones last, by id within each; each row lists
    all its problems, worst first, and the counts are per problem."""
    fleet.beat("G-offline", devices={"printer": {"state": "fault"}})
    clock.advance(timedelta(minutes=4))  # 3 missed beats of 60 s
    fleet.beat("A-well")
    fleet.beat("B-update", update_state="rolled_back")
    fleet.beat("C-outbox", outbox_parked=2)
    fleet.beat("C2-outbox", outbox_depth=20)
    fleet.beat("D-fault", devices={**HEALTHY, "printer": {"state": "fault",
                                                         "reason": "paper_out"}})
    fleet.beat("E-marked", low_disk=True)
    fleet.beat("F-switched-off", out_of_service=True)
    fleet.beat("H-revoked")
    fleet.beat("L-low-disk", low_disk=True)
    fleet.beat("a-well-lower")
    KioskPages(fleet.engine).mark_out_of_service("E-marked", "ops", "screen cracked",
                                                 clock.now())
    fleet.enrollment.revoke_kiosk("H-revoked")
    page = fleet.page()
    assert ids(page) == ["G-offline", "E-marked", "F-switched-off", "H-revoked", "D-fault",
                         "C-outbox", "C2-outbox", "B-update", "L-low-disk", "A-well",
                         "a-well-lower"]
    problems = {row.kiosk.kiosk_id: row.problems for row in page.rows}
    assert problems["G-offline"] == ("offline", "device_fault")
    assert problems["E-marked"] == ("out_of_service", "low_disk")
    assert problems["A-well"] == ()
    assert page.rows[1].mark is not None and page.rows[1].mark.reason == "screen cracked"
    assert page.counts == {"offline": 1, "out_of_service": 2, "revoked": 1, "device_fault": 2,
                           "stuck_outbox": 2, "failed_update": 1, "low_disk": 2,
                           "maintenance": 0, "ok": 2}
    assert (page.total, page.matching) == (11, 11)
    assert not page.rows[0].kiosk.online and page.rows[-1].kiosk.online


def test_a_kiosk_in_maintenance_ranks_below_the_faults_and_carries_its_alerts(
        fleet: Fleet, clock: Any) -> None:
    """GIVEN a well kiosk marked in maintenance (alerts silenced), a kiosk with low disk,
    one whose printer has been in fault long enough to raise an alert, and a well one
    WHEN the fleet page orders them
    THEN "in maintenance" is its own state, below every fault and above the well ones;
    the problems filter leaves it out (it is no fault); each row carries its open
    alerts count and its maintenance mark."""
    alerts = AlertService(fleet.engine, clock, AlertSettings(fault_minutes=5))
    faulty = {**HEALTHY, "printer": {"state": "fault"}}
    for _round in range(2):
        fleet.beat("A-well")
        fleet.beat("B-maintenance")
        fleet.beat("C-disk", low_disk=True)
        fleet.beat("D-fault", devices=faulty)
        alerts.evaluate(clock.now())
        clock.advance(timedelta(minutes=6))
    clock.advance(timedelta(minutes=-6))
    alerts.set_maintenance("B-maintenance", True, "new printer")
    page = fleet.page()
    assert [(row.kiosk.kiosk_id, row.worst) for row in page.rows] == [
        ("D-fault", "device_fault"), ("C-disk", "low_disk"),
        ("B-maintenance", "maintenance"), ("A-well", "ok")]
    assert page.counts["maintenance"] == 1 and page.counts["ok"] == 1
    assert [row.open_alerts for row in page.rows] == [1, 0, 0, 0]
    maintenance = page.rows[2].maintenance
    assert maintenance is not None and maintenance.note == "new printer"
    assert ids(fleet.page(FleetFilter(state="problems"))) == ["D-fault", "C-disk"]
    assert ids(fleet.page(FleetFilter(state="maintenance"))) == ["B-maintenance"]
    row = kiosk_row(fleet.engine, fleet.service, "B-maintenance")
    assert row is not None and row.problems == ("maintenance",)


def test_fleet_filters_by_state_site_and_search_in_sql(fleet: Fleet) -> None:
    """GIVEN kiosks on two sites, one with a device fault and an error line
    WHEN the page is filtered by problem, by site, and searched (any case)
    THEN each filter keeps only its kiosks; the counts stay those of the whole fleet."""
    fleet.beat("PD-1")
    fleet.beat("PD-2", devices={"reader": {"state": "fault"}}, last_error="Reader: no answer")
    fleet.beat("JA-1", site="jingan", app_version="1.5.0-rc1")
    assert ids(fleet.page(FleetFilter(state="problems"))) == ["PD-2"]
    assert ids(fleet.page(FleetFilter(state="device_fault"))) == ["PD-2"]
    assert ids(fleet.page(FleetFilter(state="offline"))) == []
    assert ids(fleet.page(FleetFilter(site="jingan"))) == ["JA-1"]
    assert ids(fleet.page(FleetFilter(site="jingan", state="problems"))) == []
    searched = fleet.page(FleetFilter(search="NO ANSWER"))
    assert ids(searched) == ["PD-2"]
    assert searched.total == 3 and searched.matching == 1
    assert searched.counts["device_fault"] == 1 and searched.counts["ok"] == 2
    assert ids(fleet.page(FleetFilter(search="  rc1 "))) == ["JA-1"]  # a version, trimmed
    assert ids(fleet.page(FleetFilter(search="JINGAN"))) == ["JA-1"]  # a site
    assert ids(fleet.page(FleetFilter(search="pd-"))) == ["PD-2", "PD-1"]  # an id
    assert fleet.page().sites == ["jingan", "pudong"]


def test_search_wildcards_are_plain_characters(fleet: Fleet) -> None:
    """GIVEN one kiosk whose last error holds an underscore and others without
    WHEN the search is "_", "%" or a backslash
    THEN only kiosks holding that very character are found (no SQL wildcard)."""
    fleet.beat("K-1", last_error="printer: paper_out")
    fleet.beat("K-2", last_error="printer: paper out")
    fleet.beat("K-3")
    assert ids(fleet.page(FleetFilter(search="_"))) == ["K-1"]
    assert ids(fleet.page(FleetFilter(search="%"))) == []
    assert ids(fleet.page(FleetFilter(search="\\"))) == []


def test_fleet_is_paged_worst_first(fleet: Fleet, clock: Any) -> None:
    """GIVEN five well kiosks and one offline
    WHEN the pages of two are asked for, and one past the last
    THEN page 1 holds the offline one and the first well one, the next pages the others
    by id, a page past the last is the last one; matching, counts and the number of
    pages are those of the whole fleet."""
    fleet.beat("Z-offline")
    clock.advance(timedelta(minutes=4))
    for n in range(5):
        fleet.beat(f"K-{n:03}")
    first = fleet.page(per_page=2)
    assert ids(first) == ["Z-offline", "K-000"]
    assert (first.page, first.pages, first.first, first.matching) == (1, 3, 1, 6)
    assert ids(fleet.page(page=2, per_page=2)) == ["K-001", "K-002"]
    last = fleet.page(page=99, per_page=2)
    assert ids(last) == ["K-003", "K-004"] and (last.page, last.first) == (3, 5)
    assert last.counts["offline"] == 1 and last.counts["ok"] == 5
    problems_only = fleet.page(FleetFilter(state="problems"), page=2, per_page=2)
    assert ids(problems_only) == ["Z-offline"] and problems_only.pages == 1


def test_an_empty_fleet_is_one_empty_page(fleet: Fleet) -> None:
    """GIVEN no kiosk has beaten yet
    WHEN the fleet page is made
    THEN it is page 1 of 1 with no rows and every count at zero."""
    page = fleet.page(page=5)
    assert (ids(page), page.page, page.pages, page.total, page.matching) == ([], 1, 1, 0, 0)
    assert set(page.counts.values()) == {0}


def test_one_kiosk_row_has_the_problems_the_fleet_lists(fleet: Fleet, clock: Any) -> None:
    """GIVEN a kiosk an admin marked out of service whose printer is in fault
    WHEN its own row is asked for, and one of a kiosk that never beat
    THEN the first has both problems and the admin's mark; the second is None."""
    fleet.beat("SH-1", devices={"printer": {"state": "fault"}})
    KioskPages(fleet.engine).mark_out_of_service("SH-1", "ops", "glass", clock.now())
    row = kiosk_row(fleet.engine, fleet.service, "SH-1")
    assert row is not None and row.problems == ("out_of_service", "device_fault")
    assert row.mark is not None and row.mark.by == "ops"
    assert kiosk_row(fleet.engine, fleet.service, "SH-never") is None
