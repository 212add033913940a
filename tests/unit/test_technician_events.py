"""Technician actions become events for central's audit trail: the PIN accepted or locked
out, test prints, reprints (refused ones too), out of service and back. An in-memory
store that keeps ports.TechnicianEventStore's promise; a store that fails never stops
the technician."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import PrintReport, TechnicianEvent, TechnicianReport
from kiosk.services.technician import OutOfService, PinGate, hash_pin
from kiosk.services.technician_events import AuditedTechnicianPort, TechnicianEvents
from kiosk.sync.wire_audit import TechnicianEventRecord

KIOSK = "SH-CN-0007"
NOW = datetime(2026, 1, 15, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


class MemoryEvents:
    def __init__(self, fail: bool = False) -> None:
        self.added: list[tuple[str, TechnicianEvent]] = []
        self.fail = fail

    def add(self, kiosk_id: str, event: TechnicianEvent) -> None:
        if self.fail:
            raise KioskError(ErrorCode.INTERNAL, "disk full")
        self.added.append((kiosk_id, event))


class FixedClock:
    def now(self) -> datetime:
        return NOW


class Waker:
    def __init__(self) -> None:
        self.woken = 0

    def wake(self) -> None:
        self.woken += 1


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Port:
    """A TechnicianPort whose prints end as told."""

    def __init__(self, outcome: str = "printed", reason: str | None = None) -> None:
        self.outcome, self.reason = outcome, reason

    def report(self) -> TechnicianReport:
        raise AssertionError("not asked")

    def test_print(self) -> PrintReport:
        return PrintReport(reference="TEST-0001", outcome=self.outcome, reason=self.reason)

    def reprint(self, reference: str) -> PrintReport:
        if not reference.startswith(KIOSK):
            raise KioskError(ErrorCode.NOT_FOUND, "no such payment")
        return PrintReport(reference=reference, outcome=self.outcome, reason=self.reason)


def recorder(store: MemoryEvents, waker: Waker | None = None) -> TechnicianEvents:
    return TechnicianEvents(KIOSK, store, FixedClock(), waker)


def actions(store: MemoryEvents) -> list[tuple[str, str, str | None, dict[str, str]]]:
    return [(e.action, e.outcome, e.target, e.details) for _kiosk, e in store.added]


def test_pin_accepted_and_a_lockout_are_events_once_each() -> None:
    """GIVEN a PIN gate of 3 tries reporting to the outbox
    WHEN the right PIN is given, then 3 wrong ones, then 2 more during the lockout
    THEN two events: pin_accepted (ok) and one pin_locked_out (refused, tries 3, 300 s);
    the tries during the lockout add none; each event woke the forwarder"""
    store, waker, clock = MemoryEvents(), Waker(), Monotonic()
    gate = PinGate(hash_pin("2468", iterations=1000), max_tries=3, lockout_s=300,
                   monotonic=clock, events=recorder(store, waker))
    assert gate.check("2468").ok
    for _ in range(5):
        assert not gate.check("0000").ok
    assert actions(store) == [
        ("technician.pin_accepted", "ok", None, {}),
        ("technician.pin_locked_out", "refused", None, {"tries": "3", "locked_for_s": "300"})]
    assert waker.woken == 2


def test_prints_and_reprints_are_events_with_their_outcome() -> None:
    """GIVEN the technician port reporting to the outbox, a printer out of paper
    WHEN a test print, a reprint of one of the kiosk's payments and a reprint of an
    unknown (typed) reference run
    THEN test_print failed (print=not_printed, the reason), reprint failed with the
    reference, and reprint refused with E_NOT_FOUND; the typed text that is not a
    reference is no target"""
    store = MemoryEvents()
    port = AuditedTechnicianPort(Port("not_printed", "paper_out"), recorder(store))
    assert port.test_print().outcome == "not_printed"
    port.reprint(f"{KIOSK}-260115-000001")
    with pytest.raises(KioskError):
        port.reprint("who knows / 王")
    assert actions(store) == [
        ("technician.test_print", "failed", "TEST-0001",
         {"print": "not_printed", "reason": "paper_out"}),
        ("technician.reprint", "failed", f"{KIOSK}-260115-000001",
         {"print": "not_printed", "reason": "paper_out"}),
        ("technician.reprint", "refused", None, {"code": "E_NOT_FOUND"})]


def test_out_of_service_and_back_are_events(tmp_path: Path) -> None:
    """GIVEN the out-of-service switch with the recorder listening
    WHEN it is switched on, on again, then off
    THEN out_of_service then back_in_service, both ok (no event for no change)"""
    store = MemoryEvents()
    switch = OutOfService(tmp_path)
    switch.listeners.append(recorder(store).switched)
    switch.set(True)
    switch.set(True)
    switch.set(False)
    assert [a[:2] for a in actions(store)] == [("technician.out_of_service", "ok"),
                                               ("technician.back_in_service", "ok")]


def test_a_failing_store_never_stops_the_technician() -> None:
    """GIVEN a store that fails every write
    WHEN the right PIN is given and a test print runs
    THEN both work as without events; nothing was recorded"""
    store = MemoryEvents(fail=True)
    events = recorder(store)
    gate = PinGate(hash_pin("2468", iterations=1000), events=events)
    assert gate.check("2468").ok
    assert AuditedTechnicianPort(Port(), events).test_print().outcome == "printed"
    assert events.record("technician.test_print", "ok") is None


def test_an_event_is_what_central_takes_and_bounded() -> None:
    """GIVEN an event with a long, multi-line reason
    WHEN it is recorded and its outbox payload read as central's wire model
    THEN the payload validates: uuid id (the key's hex), the kiosk, action, outcome,
    the kiosk's time, the reason cut to one line of 64 characters"""
    store = MemoryEvents()
    event = recorder(store).record("technician.test_print", "failed", "TEST-0001",
                                   {"reason": "jam\n" + "x" * 200})
    assert event is not None
    record = TechnicianEventRecord.model_validate(event.outbox_payload(KIOSK))
    assert record.event_id == uuid.UUID(hex=event.event_id)
    assert (record.kiosk_id, record.action, record.outcome, record.occurred_at) == (
        KIOSK, "technician.test_print", "failed", NOW)
    assert record.details["reason"] == ("jam " + "x" * 60)
