"""Central's out-of-service mark as the kiosk obeys it (kiosk/services/central_mark.py):
heard from a heartbeat's answer, obeyed only while nobody uses the kiosk, kept in the
data folder across a restart, reported to the audit trail; and the heartbeat sender
that hands central's word over, also from an older central that says nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.services.central_mark import CentralMark
from kiosk.services.ports import ServiceMarkWord
from kiosk.services.technician_events import TechnicianEvents
from kiosk.sync.heartbeat import HeartbeatSender, HeartbeatSources, collect_heartbeat
from kiosk.sync.wire_audit import TechnicianEventRecord
from kiosk.sync.wire_fleet import HeartbeatAck, HeartbeatIn
from tests.unit.test_technician_events import KIOSK, NOW, FixedClock, MemoryEvents

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARKED_AT = datetime(2026, 1, 15, 9, 12, tzinfo=SHANGHAI)
OUT = ServiceMarkWord(out_of_service=True, since=MARKED_AT, reason_code="admin")
IN = ServiceMarkWord(out_of_service=False)


def mark_in(data_dir: Path, store: MemoryEvents | None = None) -> CentralMark:
    events = TechnicianEvents(KIOSK, store, FixedClock()) if store is not None else None
    return CentralMark(data_dir, FixedClock(), events)


def test_an_idle_kiosk_obeys_at_once_and_reports_it(tmp_path: Path) -> None:
    """GIVEN a kiosk in service with nobody using it
    WHEN central's word says out of service (reason admin), then in service
    THEN it is out of service since its own clock's now with reason admin, an audit
    event kiosk.out_of_service_by_central (the reason and central's time as details)
    is queued; then back in service with kiosk.back_in_service_by_central. Each event
    is a record central takes."""
    store = MemoryEvents()
    mark = mark_in(tmp_path, store)
    changes: list[bool] = []
    mark.listeners.append(changes.append)

    mark.heard(OUT)
    assert (mark.active, mark.since, mark.reason_code, mark.pending) == (True, NOW, "admin",
                                                                           False)
    mark.heard(OUT)  # said again at every beat: nothing new
    mark.heard(IN)

    assert not mark.active and mark.since is None and changes == [True, False]
    events = [event for _kiosk, event in store.added]
    assert [e.action for e in events] == ["kiosk.out_of_service_by_central",
                                          "kiosk.back_in_service_by_central"]
    assert events[0].details == {"reason": "admin", "marked_at": MARKED_AT.isoformat()}
    for event in events:
        TechnicianEventRecord.model_validate(event.outbox_payload(KIOSK))


def test_a_kiosk_in_use_waits_until_it_rests(tmp_path: Path) -> None:
    """GIVEN a kiosk someone is using
    WHEN central says out of service
    THEN the mark is pending, not obeyed, until settle() finds the kiosk at rest; a
    mark lifted before the kiosk rested is never obeyed."""
    mark = mark_in(tmp_path)
    busy = True
    mark.idle = lambda: not busy

    mark.heard(OUT)
    assert mark.pending and not mark.active
    assert mark.settle() is False and not mark.active

    busy = False
    assert mark.settle() is True and mark.active and not mark.pending

    busy = True
    mark.heard(IN)  # back in service waits too: the out-of-service screen is at rest
    assert mark.pending and mark.active
    mark.heard(OUT)  # re-marked before it rested: nothing to do
    assert not mark.pending and mark.active


def test_the_obeyed_mark_survives_a_restart_until_central_lifts_it(tmp_path: Path) -> None:
    """GIVEN a kiosk that obeyed central's mark
    WHEN its process starts again (a new CentralMark on the same data folder)
    THEN it starts out of service with the same since and reason, before any beat;
    WHEN central lifts the mark THEN the file is gone and a restart starts in service."""
    first = mark_in(tmp_path)
    first.heard(OUT)

    again = mark_in(tmp_path)
    assert again.active and again.since == first.since and again.reason_code == "admin"
    again.heard(IN)
    assert not mark_in(tmp_path).active


def test_an_older_central_that_says_nothing_lifts_the_mark(tmp_path: Path) -> None:
    """GIVEN a kiosk out of service by central's mark
    WHEN a heartbeat's answer carries no mark at all (an older central, which has none)
    THEN the sender hands over None and the kiosk is back in service; a beat that fails
    (central unreachable) changes nothing."""
    mark = mark_in(tmp_path)
    mark.heard(OUT)

    class OlderCentral:
        fail = False

        def send_heartbeat(self, beat: HeartbeatIn) -> HeartbeatAck:
            from kiosk.errors import ErrorCode, KioskError

            if self.fail:
                raise KioskError(ErrorCode.CENTRAL_UNAVAILABLE, "down")
            # what an older central answers: no service_mark
            return HeartbeatAck.model_validate_json(
                '{"kiosk_id": "SH-CN-0007", "received_at": "2026-01-15T10:30:00+08:00",'
                ' "first_seen": false}')

        def close(self) -> None:
            pass

    central = OlderCentral()
    sources = HeartbeatSources(app_version="1.0.0", config_version=lambda: "7", devices=dict,
                               outbox_depth=lambda: 0, last_error=lambda: None,
                               data_dir=tmp_path)
    sender = HeartbeatSender(central, sources, FixedClock(), interval_s=60,
                             on_service_mark=mark.heard)
    central.fail = True
    assert sender.beat_once() is False and mark.active
    central.fail = False
    assert sender.beat_once() is True and not mark.active


def test_the_beat_says_who_took_the_kiosk_out_of_service(tmp_path: Path) -> None:
    """GIVEN the technician's switch since 09:00 and central's mark obeyed since 10:30
    WHEN a beat is collected
    THEN it says out of service since the earlier, by both; with only central's mark,
    by central alone."""
    switched = datetime(2026, 1, 15, 9, 0, tzinfo=SHANGHAI)
    sources = HeartbeatSources(app_version="1.0.0", config_version=lambda: "7", devices=dict,
                               outbox_depth=lambda: 0, last_error=lambda: None,
                               data_dir=tmp_path,
                               out_of_service_since=lambda: switched,
                               central_mark_since=lambda: NOW)
    beat = collect_heartbeat(sources, FixedClock())
    assert (beat.out_of_service, beat.out_of_service_since, beat.out_of_service_by) == (
        True, switched, ["technician", "central"])

    only_central = HeartbeatSources(app_version="1.0.0", config_version=lambda: "7",
                                    devices=dict, outbox_depth=lambda: 0,
                                    last_error=lambda: None, data_dir=tmp_path,
                                    central_mark_since=lambda: NOW)
    beat = collect_heartbeat(only_central, FixedClock())
    assert (beat.out_of_service, beat.out_of_service_since, beat.out_of_service_by) == (
        True, NOW, ["central"])
