"""A heartbeat is one write: a single upsert statement, whatever the kiosk's row held
(issue 14: central's replicas share one database, and heartbeats are most of its
traffic)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from central.enrollment import EnrollmentService
from central.fleet import FleetService
from central.models import KioskRow
from kiosk.sync.wire_fleet import HeartbeatIn

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def _beat(**changes: Any) -> HeartbeatIn:
    body: dict[str, Any] = {"app_version": "0.1.0", "config_version": "local-0123456789ab",
                            "devices": {"printer": {"state": "ok"}}, "outbox_depth": 2,
                            "disk_free_bytes": 10**9}
    body.update(changes)
    return HeartbeatIn.model_validate(body)


def test_each_heartbeat_is_one_statement(engine: Engine, clock) -> None:
    """GIVEN an enrolled kiosk in group "lobby" that central has not heard of
    WHEN it beats twice, the second time with new values
    THEN each beat runs exactly one SQL statement (transaction control aside); the first
    says first_seen, the second not; the row has the second beat's values and the
    enrollment's group."""
    EnrollmentService(engine).issue_credential("SH-ONE-1", "lobby")
    fleet = FleetService(engine, clock)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        first = fleet.record_heartbeat("SH-ONE-1", _beat())
        assert len(statements) == 1, statements
        second = fleet.record_heartbeat("SH-ONE-1", _beat(outbox_depth=5, app_version="0.2.0"))
        assert len(statements) == 2, statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert (first.first_seen, second.first_seen) == (True, False)
    [kiosk] = [k for k in fleet.fleet().kiosks if k.kiosk_id == "SH-ONE-1"]
    assert (kiosk.app_version, kiosk.outbox_depth, kiosk.group) == ("0.2.0", 5, "lobby")


def test_central_mark_rides_in_the_same_statement(engine: Engine, clock) -> None:
    """GIVEN a kiosk an admin took out of service from the console
    WHEN it beats asking for central's mark, then beats again after the mark is lifted
    THEN each beat is still one SQL statement; the first answer says out of service
    since the mark with reason code "admin" (never the admin's words), the second in
    service; a beat that does not ask gets no mark."""
    from central.console.kiosk_view import KioskPages

    pages = KioskPages(engine)
    fleet = FleetService(engine, clock)
    fleet.record_heartbeat("SH-ONE-2", _beat())
    pages.mark_out_of_service("SH-ONE-2", "ops", "screen cracked, said 王先生", clock.now())
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        marked = fleet.record_heartbeat("SH-ONE-2", _beat(), tell_mark=True)
        assert len(statements) == 1, statements
        pages.back_in_service("SH-ONE-2")
        statements.clear()
        lifted = fleet.record_heartbeat("SH-ONE-2", _beat(), tell_mark=True)
        assert len(statements) == 1, statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert marked.service_mark is not None and marked.service_mark.out_of_service
    assert marked.service_mark.reason_code == "admin"
    assert marked.service_mark.since == clock.now()
    assert "王" not in marked.model_dump_json()
    assert lifted.service_mark is not None and not lifted.service_mark.out_of_service
    assert fleet.record_heartbeat("SH-ONE-2", _beat()).service_mark is None


def test_the_same_upsert_keeps_whether_a_device_is_in_fault(engine: Engine, clock) -> None:
    """GIVEN a kiosk whose printer is in fault, then fixed
    WHEN it beats each time (one statement each)
    THEN its row says device_fault while the fault lasts and no longer once it is gone
    (the console ranks and filters the fleet by it in SQL)."""
    fleet = FleetService(engine, clock)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(statement)

    def device_fault() -> bool:
        with engine.connect() as connection:
            return bool(connection.execute(select(KioskRow.device_fault).where(
                KioskRow.kiosk_id == "SH-ONE-2")).scalar_one())

    event.listen(engine, "before_cursor_execute", count)
    try:
        fleet.record_heartbeat("SH-ONE-2", _beat(devices={
            "printer": {"state": "fault", "reason": "paper_out"}, "reader": {"state": "ok"}}))
        assert len(statements) == 1, statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert device_fault()
    fleet.record_heartbeat("SH-ONE-2", _beat(devices={"printer": {"state": "unknown"}}))
    assert not device_fault()
