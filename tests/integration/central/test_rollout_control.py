"""Rollouts under control, against a real central over HTTP on SQLite and PostgreSQL,
with kiosks speaking through the real kiosk-side clients: pause, resume, cancel, retry
the failed, the wave deadline and the maintenance window, for config and software
rollouts alike (central/rollout_control.py over central/rollout_waves.py). Time moves
only by the test's clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
from sqlalchemy import Engine

from central.db import make_engine
from central.rollout_control import RolloutControl
from central.server import CentralServer
from conftest import CentralKeys, SettableClock
from kiosk.sync.wire_config import ConfigReportIn
from rollout_fleet import RolloutFleet, kiosks_of, rollout_fleet, wave

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

ADMIN_LABEL = "tests"  # conftest.CentralKeys makes the admin token with this label


@pytest.fixture
def fleet(central: CentralServer, http: requests.Session,
          keys: CentralKeys) -> Iterator[RolloutFleet]:
    with rollout_fleet(central.url, keys, http) as made:
        yield made


@pytest.fixture
def engine(central_db: str) -> Iterator[Engine]:
    made = make_engine(central_db)
    try:
        yield made
    finally:
        made.dispose()


def test_pause_stops_new_kiosks_keeps_those_that_have_it_and_resume_continues(
        fleet: RolloutFleet) -> None:
    """GIVEN version 1 pushed to three kiosks in one wave, and the first has fetched it
    WHEN the admin pauses the rollout, then resumes it
    THEN while paused the first still gets version 1 and the others get nothing (204),
    the detail says paused and who paused it; after resume the others get it."""
    a, b, c = fleet.enroll("SH-P-0001", "SH-P-0002", "SH-P-0003")
    rollout = fleet.push_config(1).json()
    assert fleet.config_of(a) == 200

    paused = fleet.control("config", rollout["id"], "pause")
    assert paused.status_code == 200, paused.text
    assert paused.json()["state"] == "paused"
    assert fleet.config_of(a) == 200
    assert (fleet.config_of(b), fleet.config_of(c)) == (204, 204)
    change = fleet.detail("config", rollout["id"])["changes"][-1]
    assert (change["action"], change["by"], change["state"]) == ("pause", ADMIN_LABEL, "paused")

    resumed = fleet.control("config", rollout["id"], "resume")
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["state"] == "running"
    assert (fleet.config_of(b), fleet.config_of(c)) == (200, 200)
    actions = [(c["action"], c["by"]) for c in fleet.detail("config", rollout["id"])["changes"]]
    assert actions == [("push", ADMIN_LABEL), ("pause", ADMIN_LABEL), ("resume", ADMIN_LABEL)]


def test_reports_while_paused_are_kept_and_the_wave_moves_on_resume(
        fleet: RolloutFleet) -> None:
    """GIVEN version 1 to four kiosks in waves of two, wave 1 has fetched it, then paused
    WHEN both wave-1 kiosks report applied while paused, then the admin resumes
    THEN the reports are recorded but wave 2 is not started while paused (its kiosks get
    nothing); on resume wave 2 starts and its kiosks get it."""
    fleet.enroll("SH-Q-0001", "SH-Q-0002", "SH-Q-0003", "SH-Q-0004")
    rollout = fleet.push_config(1, wave_percent=50).json()
    detail = fleet.detail("config", rollout["id"])
    first, second = wave(detail, 1), wave(detail, 2)
    for kiosk in first:
        assert fleet.config_of(kiosk) == 200
    fleet.control("config", rollout["id"], "pause")
    for kiosk in first:
        fleet.report_config(kiosk, 1)
    held = fleet.detail("config", rollout["id"])
    assert (held["state"], held["current_wave"]) == ("paused", 1)
    assert {kiosks_of(held)[k]["outcome"] for k in first} == {"applied"}
    assert {fleet.config_of(k) for k in second} == {204}

    moved = fleet.control("config", rollout["id"], "resume").json()
    assert (moved["state"], moved["current_wave"]) == ("running", 2)
    assert {fleet.config_of(k) for k in second} == {200}


def test_cancel_is_final_and_kiosks_not_yet_given_it_never_get_it(fleet: RolloutFleet) -> None:
    """GIVEN version 1 to two kiosks, the first has fetched it
    WHEN the admin cancels it, then tries to resume, pause, retry and cancel it again
    THEN the second never gets it while the first keeps it; every later verb is refused
    409 naming the cancelled state; the rollout stays cancelled."""
    a, b = fleet.enroll("SH-C-0001", "SH-C-0002")
    rollout = fleet.push_config(1).json()
    assert fleet.config_of(a) == 200
    cancelled = fleet.control("config", rollout["id"], "cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled"
    assert (fleet.config_of(a), fleet.config_of(b)) == (200, 204)
    for verb in ("resume", "pause", "retry", "cancel"):
        refused = fleet.control("config", rollout["id"], verb)
        assert refused.status_code == 409, (verb, refused.text)
        assert refused.json()["code"] == "E_REQUEST_REJECTED"
        assert "cancelled" in refused.json()["message"]
    assert fleet.detail("config", rollout["id"])["state"] == "cancelled"
    assert fleet.config_of(b) == 204


def test_retry_offers_it_again_only_to_the_failed_and_reopens_a_halted_rollout(
        fleet: RolloutFleet) -> None:
    """GIVEN version 1 to three kiosks in one wave: one applied, one failed (the rollout
    halts: 1 of 3 > 20%), one never fetched it
    WHEN the admin retries
    THEN only the failed kiosk's outcome resets (pending, no reason), the applied one
    stays applied and the rollout runs again; when the retried and the third kiosk then
    apply, the rollout completes."""
    a, b, c = fleet.enroll("SH-R-0001", "SH-R-0002", "SH-R-0003")
    rollout = fleet.push_config(1).json()
    assert fleet.config_of(a) == 200 and fleet.config_of(b) == 200
    fleet.report_config(a, 1)
    fleet.report_config(b, 1, "failed", "health check: printer offline")
    assert fleet.detail("config", rollout["id"])["state"] == "halted"

    retried = fleet.control("config", rollout["id"], "retry")
    assert retried.status_code == 200, retried.text
    body = retried.json()
    assert body["state"] == "running"
    rows = kiosks_of(body)
    assert (rows[b]["outcome"], rows[b]["reason"]) == ("pending", "")
    assert rows[a]["outcome"] == "applied"
    assert body["changes"][-1]["detail"] == f"offered again to 1 kiosk(s): {b}"
    assert fleet.config_of(b) == 200 and fleet.config_of(c) == 200
    fleet.report_config(b, 1)
    fleet.report_config(c, 1)
    assert fleet.detail("config", rollout["id"])["state"] == "completed"


def test_a_retry_is_a_new_attempt_and_a_report_of_the_old_one_is_ignored(
        fleet: RolloutFleet) -> None:
    """GIVEN version 1 to two kiosks in one wave: one applied it, the other failed it
    and the rollout halted
    WHEN the admin retries, and the failed kiosk's report of the first attempt arrives
    late (kept while central was away), then it reports the second
    THEN the retried kiosk is served attempt 2 with an ETag of its own (the applied one
    stays on attempt 1 and its ETag), the late report is not recorded and does not halt
    the rollout again, and the report of attempt 2 completes it; a report that names no
    attempt (an older kiosk) is taken as before"""
    a, b = fleet.enroll("SH-R-0011", "SH-R-0012")
    rollout = fleet.push_config(1).json()
    assert fleet.config_of(a) == 200 and fleet.config_of(b) == 200
    fleet.report_config(a, 1)
    fleet.report_config(b, 1, "failed", "health check: printer offline")
    assert fleet.control("config", rollout["id"], "retry").status_code == 200

    first, retried = fleet.kiosk(a).fetch_config(None), fleet.kiosk(b).fetch_config(None)
    assert (first.attempt, first.etag) == (1, '"v1"')
    assert (retried.attempt, retried.etag) == (2, '"v1-a2"')
    late = fleet.kiosk(b).report_config(ConfigReportIn(
        version=1, outcome="failed", reason="health check: printer offline", attempt=1))
    assert late.recorded is False
    detail = fleet.detail("config", rollout["id"])
    assert detail["state"] == "running"
    assert kiosks_of(detail)[b]["outcome"] == "pending"
    assert kiosks_of(detail)[b]["attempt"] == 2
    now = fleet.kiosk(b).report_config(ConfigReportIn(version=1, outcome="applied",
                                                      attempt=2))
    assert now.recorded is True
    assert fleet.detail("config", rollout["id"])["state"] == "completed"


def test_retry_with_no_failed_kiosk_is_refused(fleet: RolloutFleet) -> None:
    """GIVEN a running rollout where nobody failed
    WHEN the admin retries
    THEN 409 says there is no failed kiosk to retry."""
    fleet.enroll("SH-R-0101")
    rollout = fleet.push_config(1).json()
    refused = fleet.control("config", rollout["id"], "retry")
    assert refused.status_code == 409, refused.text
    assert "no failed kiosk" in refused.json()["message"]


def test_the_deadline_times_out_a_silent_kiosk_and_the_wave_moves_on(
        fleet: RolloutFleet, clock: SettableClock, engine: Engine) -> None:
    """GIVEN version 1 to four kiosks in waves of two with a 1 h deadline, a wave may lose
    50%; in wave 1 one kiosk applies (50% < the 90% that starts the next wave at once),
    the other never answers
    WHEN 59 min pass, then 2 min more, and the scheduler's expire_overdue_waves runs
    THEN at 59 min nothing changes; after the deadline the silent kiosk is timed out with
    the reason, wave 2 starts (1 of 2 failed is not above 50%), its kiosks get it, and
    the change is recorded as central's."""
    fleet.enroll("SH-D-0001", "SH-D-0002", "SH-D-0003", "SH-D-0004")
    rollout = fleet.push_config(1, wave_percent=50, wave_deadline_s=3600,
                                failure_threshold=0.5).json()
    first, second = wave(fleet.detail("config", rollout["id"]), 1), \
        wave(fleet.detail("config", rollout["id"]), 2)
    fleet.config_of(first[0])
    fleet.report_config(first[0], 1)
    control = RolloutControl(engine, clock)

    clock.advance(timedelta(minutes=59))
    assert control.expire_overdue_waves(clock.now()) == 0
    assert fleet.detail("config", rollout["id"])["current_wave"] == 1
    clock.advance(timedelta(minutes=2))
    assert control.expire_overdue_waves(clock.now()) == 1
    after = fleet.detail("config", rollout["id"])
    silent = kiosks_of(after)[first[1]]
    assert (silent["status"], silent["outcome"]) == ("timed_out", "timed_out")
    assert silent["reason"] == "no report within the wave deadline (1h)"
    assert (after["state"], after["current_wave"]) == ("running", 2)
    assert after["counts"] == {"pending": 2, "applied": 1, "failed": 0, "timed_out": 1}
    assert {fleet.config_of(k) for k in second} == {200}
    timed = next(c for c in after["changes"] if c["action"] == "timed_out")
    assert (timed["by"], timed["detail"]) == ("central", f"wave 1: {first[1]}")


def test_a_deadline_passed_is_found_when_a_kiosk_reports_and_too_many_silent_halt_it(
        fleet: RolloutFleet, clock: SettableClock) -> None:
    """GIVEN version 1 to two kiosks in one wave with a 30 min deadline (failure 20%)
    WHEN 31 min later the first reports applied (no scheduler runs), the second silent
    THEN that report times the second out, and the rollout halts naming it timed out."""
    a, b = fleet.enroll("SH-D-0101", "SH-D-0102")
    rollout = fleet.push_config(1, wave_deadline_s=1800).json()
    fleet.config_of(a)
    clock.advance(timedelta(minutes=31))
    fleet.report_config(a, 1)
    halted = fleet.detail("config", rollout["id"])
    assert halted["state"] == "halted"
    assert halted["reason"] == (f"wave 1: 1 of 2 kiosks failed (>20%): {b} timed_out: "
                                "no report within the wave deadline (30min)")


def test_paused_time_does_not_count_toward_the_deadline(fleet: RolloutFleet,
                                                        clock: SettableClock) -> None:
    """GIVEN version 1 to one kiosk with a 1 h deadline, paused after 10 min
    WHEN 3 h pass paused, the admin resumes, and 40 min more pass (50 min running)
    THEN the kiosk is still pending; 11 min later (61 min running) it is timed out."""
    (kiosk,) = fleet.enroll("SH-D-0201")
    rollout = fleet.push_config(1, wave_deadline_s=3600).json()
    clock.advance(timedelta(minutes=10))
    fleet.control("config", rollout["id"], "pause")
    clock.advance(timedelta(hours=3))
    fleet.control("config", rollout["id"], "resume")
    clock.advance(timedelta(minutes=40))
    assert kiosks_of(fleet.detail("config", rollout["id"]))[kiosk]["outcome"] == "pending"
    clock.advance(timedelta(minutes=11))
    assert kiosks_of(fleet.detail("config", rollout["id"]))[kiosk]["outcome"] == "timed_out"


def test_the_window_keeps_kiosks_from_getting_it_outside_and_the_deadline_counts_window_time(
        fleet: RolloutFleet, clock: SettableClock) -> None:
    """GIVEN at 10:30 Shanghai version 1 pushed to two kiosks with the window 02:00-05:00
    and a 4 h deadline
    WHEN the first asks at 10:30, at 02:10 the next night, and the second first asks at
    05:30 (3 h of window passed), then both wait until 03:10 the night after
    THEN the first gets nothing at 10:30 and version 1 at 02:10; at 05:30 the second gets
    nothing while the first keeps it, and the second is still pending (3 h < 4 h); at
    03:10 the next night (4 h 10 min of window) it is timed out."""
    a, b = fleet.enroll("SH-M-0001", "SH-M-0002")
    pushed = fleet.push_config(1, window="02:00-05:00", wave_deadline_s=4 * 3600)
    assert pushed.status_code == 201, pushed.text
    rollout = pushed.json()
    assert fleet.config_of(a) == 204
    clock.advance(timedelta(hours=15, minutes=40))  # 02:10 on the 16th
    assert fleet.config_of(a) == 200
    clock.advance(timedelta(hours=3, minutes=20))  # 05:30
    assert (fleet.config_of(a), fleet.config_of(b)) == (200, 204)
    detail = fleet.detail("config", rollout["id"])
    assert detail["window"] == "02:00-05:00 Asia/Shanghai"
    assert kiosks_of(detail)[b]["outcome"] == "pending"
    clock.advance(timedelta(hours=21, minutes=40))  # 03:10 on the 17th
    assert kiosks_of(fleet.detail("config", rollout["id"]))[b]["outcome"] == "timed_out"


def test_software_rollouts_pause_resume_keep_the_window_and_time_out_alike(
        fleet: RolloutFleet, clock: SettableClock) -> None:
    """GIVEN release 0.2.0 rolled out to two kiosks with a 30 min deadline, the first
    has been given it, and release 0.3.0 with the window 02:00-05:00
    WHEN the admin pauses 0.2.0, resumes it, and 31 min pass with only the first
    reporting kept
    THEN while paused the second gets no release and the first still gets it and its
    file; 0.3.0 is given to nobody at 10:30; after resume the second gets 0.2.0; after the
    deadline the silent second is timed out and the rollout halts."""
    a, b = fleet.enroll("SH-S-0001", "SH-S-0002")
    rollout = fleet.push_release("0.2.0", wave_deadline_s=1800).json()
    assert fleet.release_of(a)
    assert fleet.control("software", rollout["id"], "pause").json()["state"] == "paused"
    assert fleet.release_of(a) and not fleet.release_of(b)
    windowed = fleet.push_release("0.3.0", window="02:00-05:00", target=f"kiosk:{a}")
    assert windowed.status_code == 201, windowed.text
    assert fleet.release_of(a)  # still 0.2.0: 0.3.0 waits for the window
    assert fleet.kiosk(a).offered_release() is not None
    assert b'"0.2.0"' in (fleet.kiosk(a).offered_release() or (b"", None))[0]

    assert fleet.control("software", rollout["id"], "resume").json()["state"] == "running"
    assert fleet.release_of(b)
    clock.advance(timedelta(minutes=31))
    fleet.kiosk(a).report_release("0.2.0", "kept", "")
    halted = fleet.detail("software", rollout["id"])
    assert halted["state"] == "halted"
    assert kiosks_of(halted)[b]["outcome"] == "timed_out"


def test_the_list_shows_both_kinds_newest_first_with_state_wave_and_counts(
        fleet: RolloutFleet, clock: SettableClock) -> None:
    """GIVEN a config rollout, then a minute later a software rollout, to two kiosks,
    one of which applied the config
    WHEN the admin lists rollouts, all and each kind alone
    THEN the software rollout comes first; each names kind, version, state, wave k of n
    and counts; kind=config lists only the config rollout."""
    a, _b = fleet.enroll("SH-L-0001", "SH-L-0002")
    config = fleet.push_config(1).json()
    fleet.config_of(a)
    fleet.report_config(a, 1)
    clock.advance(timedelta(minutes=1))
    software = fleet.push_release("0.2.0").json()
    listed = fleet.listed()
    assert [(r["kind"], r["id"]) for r in listed[:2]] == [("software", software["id"]),
                                                          ("config", config["id"])]
    assert (listed[1]["version"], listed[1]["state"], listed[1]["current_wave"],
            listed[1]["waves"]) == ("1", "running", 1, 1)
    assert listed[1]["counts"] == {"pending": 1, "applied": 1, "failed": 0, "timed_out": 0}
    assert listed[0]["counts"] == {"pending": 2, "applied": 0, "failed": 0, "timed_out": 0}
    assert [r["kind"] for r in fleet.listed(kind="config")] == ["config"]


def test_bad_input_gets_a_clear_refusal(fleet: RolloutFleet) -> None:
    """GIVEN one config rollout
    WHEN the admin asks for an unknown rollout id, an unknown kind, an unknown verb, or
    pushes config and a release with a mistyped window
    THEN 404 names the rollout, 422 for the kind, 404 for the verb, and 422 says what a
    window looks like (nothing is started)."""
    fleet.enroll("SH-B-0001")
    assert fleet.push_config(1).status_code == 201
    unknown = fleet.control("config", 999999, "pause")
    assert unknown.status_code == 404
    assert unknown.json()["message"] == "no config rollout 999999"
    assert fleet.control("firmware", 1, "pause").status_code == 422
    assert fleet.control("config", 1, "explode").status_code == 404
    bad = fleet.push_config(2, window="25:00-05:00")
    assert bad.status_code == 422, bad.text
    assert "HH:MM-HH:MM" in bad.json()["message"]
    bad_release = fleet.push_release("0.2.0", window="02:00-02:00")
    assert bad_release.status_code == 422, bad_release.text
    assert "empty" in bad_release.json()["message"]
    assert [r["version"] for r in fleet.listed()] == ["1"]
