"""The audit trail against a real central over HTTP (SQLite and PostgreSQL): admin actions
and refused admin tokens become events, the chain verifies, a row altered, deleted or
moved in the database is found and named by `kiosk-admin audit verify`, and appends from
several threads (and several engines, as replicas would) keep one chain."""

from __future__ import annotations

import csv
import io
import json
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text

from central import admin
from central.audit import AuditFilter, AuditTrail
from central.db import make_engine
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

TIMEOUT = PATIENCE_S


def run_admin(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = admin.main(list(argv), out=out)
    return status, out.getvalue()


def events(http: requests.Session, url: str, **params: Any) -> list[dict[str, Any]]:
    answer = http.get(f"{url}/v1/admin/audit/events", params=params, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["events"]
    return found


def switch_maintenance(http: requests.Session, url: str, on: bool,
                       biller: str = "sh-water") -> None:
    answer = http.post(f"{url}/v1/admin/billers/{biller}/maintenance",
                       json={"maintenance": on}, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text


def execute(db_url: str, *statements: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


# --- admin actions become events -------------------------------------------------------------

def test_a_maintenance_switch_is_an_event_with_who_what_when_and_outcome(
        central_url: str, http: requests.Session, clock: Any) -> None:
    """GIVEN a central and the test's admin token (label "tests")
    WHEN the admin switches sh-water's maintenance on, then asks for an unknown biller
    THEN two events: biller.maintenance by admin "tests" on sh-water, ok, maintenance=on,
    at central's clock; and the unknown biller's, refused with E_NOT_FOUND or
    E_BILLER_UNKNOWN and its status"""
    switch_maintenance(http, central_url, True)
    refused = http.post(f"{central_url}/v1/admin/billers/no-such/maintenance",
                        json={"maintenance": True}, timeout=TIMEOUT)
    assert refused.status_code == 404
    found = events(http, central_url, action="biller.maintenance")
    assert [(e["actor_kind"], e["actor"], e["target"], e["outcome"]) for e in found] == [
        ("admin", "tests", "no-such", "refused"), ("admin", "tests", "sh-water", "ok")]
    ok = found[1]
    assert ok["details"]["maintenance"] == "on"
    assert ok["details"]["token_id"].isdigit()
    assert ok["occurred_at"] == clock.now().isoformat()
    uuid.UUID(ok["event_id"])
    assert found[0]["details"]["status"] == "404"
    assert found[0]["details"]["code"] in ("E_NOT_FOUND", "E_BILLER_UNKNOWN")


def test_refused_admin_tokens_are_events_naming_a_revoked_tokens_label(
        central_url: str, keys: Any, http: requests.Session) -> None:
    """GIVEN a second admin token "ops" that is then revoked
    WHEN calls come with no token, an unknown token and the revoked "ops" token
    THEN each is refused (401) and recorded as admin.auth_failed, refused, with the
    route and the reason; the revoked one names "ops"; the revocation itself is an
    admin_token.revoke event by "tests" naming the token"""
    ops = keys.enrollment.create_admin_token("ops")
    ops_id = next(t["id"] for t in http.get(f"{central_url}/v1/admin/tokens",
                                            timeout=TIMEOUT).json()["tokens"]
                  if t["label"] == "ops")
    revoked = http.post(f"{central_url}/v1/admin/tokens/{ops_id}/revoke", timeout=TIMEOUT)
    assert revoked.status_code == 200, revoked.text
    for headers in ({}, {"Authorization": "Bearer not-a-token"},
                    {"Authorization": f"Bearer {ops}"}):
        answer = requests.get(f"{central_url}/v1/admin/fleet", headers=headers,
                              timeout=TIMEOUT)
        assert answer.status_code == 401
    failed = events(http, central_url, action="admin.auth_failed")
    assert [(e["actor"], e["details"]["reason"], e["outcome"]) for e in failed] == [
        ("ops", "revoked token", "refused"), ("(unknown token)", "unknown token", "refused"),
        ("(no token)", "no token", "refused")]
    assert {e["target"] for e in failed} == {"GET /v1/admin/fleet"}
    revocation = events(http, central_url, action="admin_token.revoke")
    assert [(e["actor"], e["target"], e["details"]["label"]) for e in revocation] == [
        ("tests", f"admin token {ops_id}", "ops")]


def test_enrollment_and_kiosk_revocation_are_events_without_the_token(
        central_url: str, http: requests.Session) -> None:
    """GIVEN a central
    WHEN the admin makes an enrollment token for SH-AU-0001 (group hongqiao) and then
    revokes that kiosk
    THEN kiosk.enrollment_token and kiosk.revoke events name the kiosk (target and
    kiosk_id), and the one-time token appears nowhere in the trail's export"""
    made = http.post(f"{central_url}/v1/admin/enrollments",
                     json={"kiosk_id": "SH-AU-0001", "group": "hongqiao"}, timeout=TIMEOUT)
    assert made.status_code == 201, made.text
    revoked = http.post(f"{central_url}/v1/admin/kiosks/SH-AU-0001/revoke", timeout=TIMEOUT)
    assert revoked.status_code == 200, revoked.text
    found = events(http, central_url, kiosk_id="SH-AU-0001")
    assert [(e["action"], e["target"], e["outcome"]) for e in found] == [
        ("kiosk.revoke", "SH-AU-0001", "ok"), ("kiosk.enrollment_token", "SH-AU-0001", "ok")]
    assert found[1]["details"]["group"] == "hongqiao"
    exported = http.get(f"{central_url}/v1/admin/audit/export", timeout=TIMEOUT).text
    assert made.json()["token"] not in exported


def test_a_config_push_is_an_event_with_its_version_target_and_rollout(
        central_url: str, keys: Any, http: requests.Session) -> None:
    """GIVEN an enrolled kiosk SH-AU-0002
    WHEN the admin pushes config version 7 to kiosk:SH-AU-0002, then version 7 again
    THEN a config.push event, ok, target kiosk:SH-AU-0002, version 7 and the rollout's
    id; the second is refused (409 E_CONFIG_VERSION)"""
    from test_central_rollouts import signed

    keys.credential("SH-AU-0002")
    body = {"signed": signed(7).model_dump(mode="json"), "target": "kiosk:SH-AU-0002"}
    pushed = http.post(f"{central_url}/v1/admin/config/pushes", json=body, timeout=TIMEOUT)
    assert pushed.status_code == 201, pushed.text
    again = http.post(f"{central_url}/v1/admin/config/pushes", json=body, timeout=TIMEOUT)
    assert again.status_code == 409
    found = events(http, central_url, action="config.push")
    assert [(e["outcome"], e["target"], e["kiosk_id"]) for e in found] == [
        ("refused", "kiosk:SH-AU-0002", "SH-AU-0002"), ("ok", "kiosk:SH-AU-0002", "SH-AU-0002")]
    assert found[1]["details"]["version"] == "7"
    assert found[1]["details"]["rollout_id"] == str(pushed.json()["id"])
    assert found[0]["details"]["code"] == "E_CONFIG_VERSION"


def test_rollout_verbs_and_kiosk_maintenance_are_events(
        central_url: str, keys: Any, http: requests.Session) -> None:
    """GIVEN a config rollout to kiosk SH-AU-0003
    WHEN the admin pauses it, pauses it again, resumes it, then marks the kiosk in
    maintenance
    THEN rollout.pause (ok, then refused), rollout.resume and kiosk.maintenance events,
    each naming the rollout (and its state after) or the kiosk."""
    from test_central_rollouts import signed

    keys.credential("SH-AU-0003")
    body = {"signed": signed(8).model_dump(mode="json"), "target": "kiosk:SH-AU-0003"}
    pushed = http.post(f"{central_url}/v1/admin/config/pushes", json=body, timeout=TIMEOUT)
    assert pushed.status_code == 201, pushed.text
    rollout = pushed.json()["id"]
    base = f"{central_url}/v1/admin/rollouts/config/{rollout}"
    statuses = [http.post(f"{base}/{verb}", timeout=TIMEOUT).status_code
                for verb in ("pause", "pause", "resume")]
    assert statuses == [200, 409, 200]
    marked = http.post(f"{central_url}/v1/admin/kiosks/SH-AU-0003/maintenance",
                       json={"maintenance": True, "note": "new printer"}, timeout=TIMEOUT)
    assert marked.status_code == 200, marked.text
    verbs = events(http, central_url, action="rollout.*")
    assert [(e["action"], e["outcome"], e["target"]) for e in reversed(verbs)] == [
        ("rollout.pause", "ok", f"config rollout {rollout}"),
        ("rollout.pause", "refused", f"config rollout {rollout}"),
        ("rollout.resume", "ok", f"config rollout {rollout}")]
    assert verbs[-1]["details"]["state"] == "paused"
    (maintenance,) = events(http, central_url, action="kiosk.maintenance")
    assert (maintenance["kiosk_id"], maintenance["details"]["maintenance"]) == (
        "SH-AU-0003", "on")


def test_a_release_push_is_three_kinds_of_event(
        central_url: str, keys: Any, release_dir: Path, http: requests.Session) -> None:
    """GIVEN a signed 0.2.0 release and an enrolled kiosk
    WHEN the admin stores the manifest, uploads its wheels and rolls it out to all
    THEN release.store (target 0.2.0), one release.upload_file per wheel (0.2.0/NAME) and
    release.push (target 0.2.0, to all, the rollout's id), every one ok"""
    keys.credential("SH-AU-0003")
    stored = http.post(f"{central_url}/v1/admin/releases",
                       data=(release_dir / "release.json").read_text(),
                       headers={"Content-Type": "application/json"}, timeout=TIMEOUT)
    assert stored.status_code == 201, stored.text
    names = [f["name"] for f in stored.json()["files"]]
    for name in names:
        assert http.put(f"{central_url}/v1/admin/releases/0.2.0/files/{name}",
                        data=(release_dir / name).read_bytes(),
                        headers={"Content-Type": "application/octet-stream"},
                        timeout=TIMEOUT).status_code == 200
    rollout = http.post(f"{central_url}/v1/admin/releases/0.2.0/rollouts",
                        json={"target": "all"}, timeout=TIMEOUT)
    assert rollout.status_code == 201, rollout.text
    found = list(reversed(events(http, central_url, action="release.*")))
    assert [(e["action"], e["target"], e["outcome"]) for e in found] == [
        ("release.store", "0.2.0", "ok"),
        *(("release.upload_file", f"0.2.0/{name}", "ok") for name in names),
        ("release.push", "0.2.0", "ok")]
    assert found[-1]["details"]["to"] == "all"
    assert found[-1]["details"]["rollout_id"] == str(rollout.json()["id"])


def test_reconciliations_are_events_ok_or_failed(central_url: str,
                                                 http: requests.Session) -> None:
    """GIVEN a central with no QR provider set up
    WHEN the admin reconciles 2026-01-14 for every provider set up (none), then for alipay
    THEN two payments.reconcile events for that day: ok with 0 differences, and failed
    (503) with E_QR_UNAVAILABLE and provider alipay"""
    every = http.post(f"{central_url}/v1/admin/qr-reconciliations",
                      json={"day": "2026-01-14"}, timeout=TIMEOUT)
    assert every.status_code == 200, every.text
    alipay = http.post(f"{central_url}/v1/admin/qr-reconciliations",
                       json={"day": "2026-01-14", "provider": "alipay"}, timeout=TIMEOUT)
    assert alipay.status_code == 503
    failed, ok = events(http, central_url, action="payments.reconcile")
    assert (ok["target"], ok["outcome"], ok["details"]["differences"]) == (
        "2026-01-14", "ok", "0")
    assert (failed["target"], failed["outcome"], failed["details"]["code"],
            failed["details"]["provider"]) == ("2026-01-14", "failed", "E_QR_UNAVAILABLE",
                                               "alipay")


def test_reads_are_not_events(central_url: str, http: requests.Session) -> None:
    """GIVEN a central
    WHEN the admin lists the fleet, the payments and the audit trail itself
    THEN the trail stays empty"""
    for path in ("fleet", "payments", "audit/events", "audit/verify"):
        assert http.get(f"{central_url}/v1/admin/{path}", timeout=TIMEOUT).status_code == 200
    assert events(http, central_url) == []


# --- listing, paging, export -----------------------------------------------------------------

def test_list_filters_pages_and_exports_as_csv_and_json_lines(
        central_url: str, http: requests.Session, clock: Any) -> None:
    """GIVEN five maintenance switches, the clock moved an hour before the last two
    WHEN the trail is listed two at a time, filtered by time and by outcome, and exported
    THEN pages go newest first with next_before until the oldest; the time filter keeps
    the last two; outcome=refused keeps none; CSV and JSON lines carry all five, oldest
    first, with their hashes"""
    from datetime import timedelta

    for on in (True, False, True):
        switch_maintenance(http, central_url, on)
    clock.advance(timedelta(hours=1))
    since = clock.now().isoformat()
    for on in (False, True):
        switch_maintenance(http, central_url, on)
    seqs: list[int] = []
    before: int | None = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"before": before} if before else {})
        page = http.get(f"{central_url}/v1/admin/audit/events", params=params,
                        timeout=TIMEOUT).json()
        seqs += [e["seq"] for e in page["events"]]
        before = page["next_before"]
        if before is None:
            break
    assert seqs == [5, 4, 3, 2, 1]
    assert [e["seq"] for e in events(http, central_url, since=since)] == [5, 4]
    assert [e["seq"] for e in events(http, central_url, until=since)] == [3, 2, 1]
    assert events(http, central_url, outcome="refused") == []
    lines = http.get(f"{central_url}/v1/admin/audit/export",
                     timeout=TIMEOUT).text.splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 2, 3, 4, 5]
    exported = http.get(f"{central_url}/v1/admin/audit/export", params={"format": "csv"},
                        timeout=TIMEOUT)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [int(r["seq"]) for r in rows] == [1, 2, 3, 4, 5]
    assert all(len(r["hash"]) == 64 and r["action"] == "biller.maintenance" for r in rows)
    assert json.loads(rows[0]["details"])["maintenance"] == "on"


def test_kiosk_admin_audit_list_and_export_to_a_file(central_url: str,
                                                     http: requests.Session,
                                                     tmp_path: Path) -> None:
    """GIVEN two maintenance switches
    WHEN `kiosk-admin audit list` and `audit export --out FILE` run, then `audit verify
    --file FILE` with no central
    THEN the list shows both (newest first) with actor and target; the file holds both
    events as JSON lines and verifies ok (exit 0) with the head's hash"""
    switch_maintenance(http, central_url, True)
    switch_maintenance(http, central_url, False)
    status, listed = run_admin("audit", "list", "--central", central_url)
    assert status == 0, listed
    rows = [line for line in listed.splitlines() if "biller.maintenance" in line]
    assert len(rows) == 2 and "a:tests" in rows[0] and "sh-water" in rows[0]
    assert "maintenance=off" in rows[0] and "maintenance=on" in rows[1]
    path = tmp_path / "audit.jsonl"
    status, printed = run_admin("audit", "export", "--out", str(path), "--central", central_url)
    assert status == 0, printed
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2
    status, verified = run_admin("audit", "verify", "--file", str(path))
    head = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])["hash"]
    assert (status, verified.strip()) == (0, f"audit chain ok: 2 event(s); head 2 {head}")


# --- the chain -------------------------------------------------------------------------------

def test_the_chain_verifies_over_http_and_with_kiosk_admin(central_url: str,
                                                           http: requests.Session) -> None:
    """GIVEN three admin actions
    WHEN the chain is verified by the route and by `kiosk-admin audit verify`
    THEN ok, 3 events, the head is the newest event's hash; exit 0"""
    for on in (True, False, True):
        switch_maintenance(http, central_url, on)
    answer = http.get(f"{central_url}/v1/admin/audit/verify", timeout=TIMEOUT).json()
    newest = events(http, central_url)[0]
    assert answer == {"ok": True, "events": 3, "head_seq": 3, "head_hash": newest["hash"],
                      "broken": None}
    status, printed = run_admin("audit", "verify", "--central", central_url)
    assert (status, printed.strip()) == (0, f"audit chain ok: 3 event(s); head 3 {newest['hash']}")


TAMPERING = {
    "altered": (["UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2"], 2,
                "does not match its hash", "altered"),
    "altered and re-hashed": (
        ["UPDATE audit_events SET hash = '" + "a" * 64 + "' WHERE seq = 2"], 2,
        "does not match its hash", "altered"),
    "deleted": (["DELETE FROM audit_events WHERE seq = 2"], 3, "2..2 missing", "deleted"),
    "reordered": (["UPDATE audit_events SET seq = 100 WHERE seq = 2",
                   "UPDATE audit_events SET seq = 2 WHERE seq = 3",
                   "UPDATE audit_events SET seq = 3 WHERE seq = 100"], 2,
                  "written as event 3: moved", "reordered"),
    "newest deleted": (["DELETE FROM audit_events WHERE seq = 4"], 4, "missing at the end",
                       "deleted"),
}


@pytest.mark.parametrize("tampering", list(TAMPERING))
def test_a_row_tampered_with_in_the_database_is_found_and_named(
        tampering: str, central_url: str, central_db: str, http: requests.Session) -> None:
    """GIVEN four events on a chain that verifies
    WHEN a row is altered, deleted, or two rows swap places directly in the database
    (or the newest is deleted)
    THEN the verify route answers ok=false naming the first broken event and how it
    broke (altered, deleted, reordered), and
    `kiosk-admin audit verify` exits 3 naming it"""
    for on in (True, False, True, False):
        switch_maintenance(http, central_url, on)
    assert http.get(f"{central_url}/v1/admin/audit/verify", timeout=TIMEOUT).json()["ok"]
    statements, broken_seq, reason, how = TAMPERING[tampering]
    execute(central_db, *statements)
    answer = http.get(f"{central_url}/v1/admin/audit/verify", timeout=TIMEOUT).json()
    assert answer["ok"] is False
    assert answer["broken"]["seq"] == broken_seq
    assert reason in answer["broken"]["reason"]
    assert answer["broken"]["how"] == how
    status, printed = run_admin("audit", "verify", "--central", central_url)
    assert status == 3
    assert printed.startswith(f"audit chain BROKEN at event {broken_seq} ")


def test_concurrent_appends_from_threads_and_replicas_keep_one_chain(
        central_url: str, central_db: str, http: requests.Session) -> None:
    """GIVEN a running central and two more AuditTrails, each on its own engine (as two
    more replicas on the same database)
    WHEN 8 threads append 10 events each through them, while the admin switches
    maintenance over HTTP
    THEN every event is there once, seq 1..N without a gap, and the chain verifies"""
    engines = [make_engine(central_db) for _ in range(2)]
    trails = [AuditTrail(engine) for engine in engines]
    start = threading.Barrier(9)
    failures: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            start.wait(timeout=TIMEOUT)
            for n in range(10):
                trails[worker % 2].record(actor_kind="system", actor=f"worker-{worker}",
                                          action="test.append", outcome="ok",
                                          details={"n": n})
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    start.wait(timeout=TIMEOUT)
    for on in (True, False, True):
        switch_maintenance(http, central_url, on)
    for thread in threads:
        thread.join(timeout=TIMEOUT * 4)
    try:
        assert failures == []
        verdict = trails[0].verify()
        assert (verdict.ok, verdict.events, verdict.head_seq) == (True, 83, 83)
        exported = list(trails[1].export(AuditFilter(action="test.append")))
        assert sorted((e.actor, e.details["n"]) for e in exported) == sorted(
            (f"worker-{w}", str(n)) for w in range(8) for n in range(10))
    finally:
        for engine in engines:
            engine.dispose()


@pytest.fixture
def release_dir(tmp_path: Path) -> Path:
    """A 0.2.0 release signed with `kiosk-admin release make` (two wheels)."""
    from tests.release_wheels import make_wheel

    keys = tmp_path / "admin-keys"
    assert run_admin("keys", "init", "--dir", str(keys))[0] == 0
    folder = tmp_path / "release-0.2.0"
    make_wheel(folder, "shanghai_selfservice_kiosk", "0.2.0", requires=("probedep",))
    make_wheel(folder, "probedep", "1.0")
    status, out = run_admin("release", "make", str(folder), "--dir", str(keys))
    assert status == 0, out
    return folder
