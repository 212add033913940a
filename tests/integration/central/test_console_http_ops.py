"""The console's rollouts, audit trail and alerts over plain HTTP, on SQLite and
PostgreSQL: the verbs' buttons and forms (CSRF, confirm, refused in the wrong state),
each an audit event named as the JSON API's; the audit page's filters, pages, exports
and the chain's verification, intact and tampered; alerts open then cleared, and a
kiosk's maintenance mark set from its page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import text

from central.alerts import AlertSettings
from central.audit_chain import event_from_json, verify_chain
from central.db import make_engine
from central.server import CentralServer
from console_helpers import beat, console_central, form_token, http_sign_in
from rollout_fleet import RolloutFleet, rollout_fleet
from tests.patience import PATIENCE_S


@pytest.fixture
def site(central_db: str, clock: Any) -> Iterator[CentralServer]:
    with console_central(central_db, clock,
                         alerts=AlertSettings(offline_minutes=5)) as server:
        yield server


@pytest.fixture
def fleet(site: CentralServer, keys: Any) -> Iterator[RolloutFleet]:
    with rollout_fleet(site.url, keys) as made:
        yield made


def buttons(page: str) -> dict[str, bool]:
    """The rollout page's verb buttons: enabled or not."""
    return {verb: not re.search(rf'id="rollout-{verb}"[^>]*disabled', page)
            for verb in ("pause", "resume", "cancel", "retry")}


def admin_events(url: str, keys: Any, **params: str) -> list[dict[str, Any]]:
    answer = requests.get(f"{url}/v1/admin/audit/events", params=params, timeout=PATIENCE_S,
                          headers={"Authorization": f"Bearer {keys.admin_token}"})
    assert answer.status_code == 200, answer.text
    events: list[dict[str, Any]] = answer.json()["events"]
    return events


def execute(db_url: str, statement: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def test_rollouts_listed_newest_first_and_paused_resumed_from_the_console(
        site, fleet, keys, clock):
    """GIVEN a config rollout, then (a minute later) a software rollout, to two kiosks
    WHEN an admin opens the list and the config rollout's page, posts pause without the
    CSRF token, pauses, pauses again, cancels without confirming, then resumes
    THEN the list shows both kinds, newest first; only the verbs the state allows are
    enabled; the forged post changes nothing (403), the second pause is refused (409),
    the unconfirmed cancel too (422); the page shows who paused and resumed; and the
    audit trail has rollout.pause (ok, then refused) and rollout.resume by the token's
    label, through the console."""
    fleet.enroll("SH-R-0001", "SH-R-0002")
    config = fleet.push_config(1).json()
    clock.advance(timedelta(minutes=1))
    release = fleet.push_release("1.5.0").json()
    console = http_sign_in(site.url, keys.admin_token)
    listed = console.get(f"{site.url}/admin/rollouts", timeout=PATIENCE_S).text
    assert re.findall(r'<tr id="rollout-(\w+-\d+)"', listed) == [
        f"software-{release['id']}", f"config-{config['id']}"]

    page_url = f"{site.url}/admin/rollouts/config/{config['id']}"
    page = console.get(page_url, timeout=PATIENCE_S).text
    assert buttons(page) == {"pause": True, "resume": False, "cancel": True, "retry": False}
    forged = console.post(f"{page_url}/pause", data={"csrf": "forged"}, timeout=PATIENCE_S,
                          allow_redirects=False)
    assert forged.status_code == 403
    assert fleet.detail("config", config["id"])["state"] == "running"

    paused = console.post(f"{page_url}/pause", data={"csrf": form_token(page)},
                          timeout=PATIENCE_S, allow_redirects=False)
    assert paused.status_code == 303 and paused.headers["location"].endswith("?done=paused")
    page = console.get(page_url, timeout=PATIENCE_S).text
    assert 'data-state="paused"' in page
    assert buttons(page) == {"pause": False, "resume": True, "cancel": True, "retry": False}
    again = console.post(f"{page_url}/pause", data={"csrf": form_token(page)},
                         timeout=PATIENCE_S)
    assert again.status_code == 409 and 'id="problem"' in again.text
    unconfirmed = console.post(f"{page_url}/cancel", data={"csrf": form_token(page)},
                               timeout=PATIENCE_S)
    assert unconfirmed.status_code == 422
    assert fleet.detail("config", config["id"])["state"] == "paused"

    console.post(f"{page_url}/resume", data={"csrf": form_token(page)}, timeout=PATIENCE_S)
    page = console.get(page_url, timeout=PATIENCE_S).text
    changes = re.findall(r'<tr data-action="(\w+)">\s*<td[^>]*>[^<]*</td>\s*<td[^>]*>([^<]*)<',
                         page)
    assert changes == [("push", "tests"), ("pause", "tests"), ("resume", "tests")]
    events = sorted(admin_events(site.url, keys, action="rollout.*"), key=lambda e: e["seq"])
    assert [(e["action"], e["outcome"], e["actor"], e["details"]["via"]) for e in events] == [
        ("rollout.pause", "ok", "tests", "console"),
        ("rollout.pause", "refused", "tests", "console"),
        ("rollout.resume", "ok", "tests", "console")]
    assert events[0]["target"] == f"config rollout {config['id']}"
    assert events[0]["details"]["state"] == "paused"


def test_a_failed_kiosk_enables_retry_and_cancel_is_final(site, fleet, keys):
    """GIVEN a config rollout to two kiosks, one of which reports it failed
    WHEN the admin retries the failed kiosks, then cancels with the box ticked
    THEN retry is enabled only while a kiosk has failed, the failed kiosk is pending
    again after it, and once cancelled every verb is disabled."""
    a, _b = fleet.enroll("SH-F-0001", "SH-F-0002")
    rollout = fleet.push_config(1).json()
    assert fleet.config_of(a) == 200
    fleet.report_config(a, 1, "failed", "schema: unknown key")
    console = http_sign_in(site.url, keys.admin_token)
    page_url = f"{site.url}/admin/rollouts/config/{rollout['id']}"
    page = console.get(page_url, timeout=PATIENCE_S).text
    assert buttons(page)["retry"]
    assert re.search(r'data-kiosk="SH-F-0001" data-outcome="failed"', page)
    assert "schema: unknown key" in page
    console.post(f"{page_url}/retry", data={"csrf": form_token(page)}, timeout=PATIENCE_S)
    page = console.get(page_url, timeout=PATIENCE_S).text
    assert re.search(r'data-kiosk="SH-F-0001" data-outcome="pending"', page)
    assert not buttons(page)["retry"]
    console.post(f"{page_url}/cancel", data={"csrf": form_token(page), "confirm": "yes"},
                 timeout=PATIENCE_S)
    page = console.get(page_url, timeout=PATIENCE_S).text
    assert 'data-state="cancelled"' in page
    assert not any(buttons(page).values())



def test_the_attempt_each_kiosk_is_on_shows_on_the_rollout_and_kiosk_pages(site, fleet, keys):
    """GIVEN a config rollout to two kiosks, one of which failed it, retried by the admin
    WHEN the admin opens the rollout's page and the failed kiosk's page, in English and
    then in Chinese
    THEN the rollout page says attempt 2 for the retried kiosk and 1 for the other, and
    the kiosk's update history says attempt 2, under the column Attempt (尝试次数)"""
    a, b = fleet.enroll("SH-F-0011", "SH-F-0012")
    rollout = fleet.push_config(1).json()
    assert fleet.config_of(a) == 200
    fleet.report_config(a, 1, "failed", "schema: unknown key")
    beat(site.url, keys, a)  # the fleet knows the kiosk: it has a page
    console = http_sign_in(site.url, keys.admin_token)
    page_url = f"{site.url}/admin/rollouts/config/{rollout['id']}"
    page = console.get(page_url, timeout=PATIENCE_S).text
    console.post(f"{page_url}/retry", data={"csrf": form_token(page)}, timeout=PATIENCE_S)
    for language, column in (("en", "Attempt"), ("zh-Hans", "尝试次数")):
        console.get(f"{site.url}/admin/language/{language}", timeout=PATIENCE_S)
        page = console.get(page_url, timeout=PATIENCE_S).text
        assert re.search(rf'data-kiosk="{a}"[^>]*data-attempt="2"', page)
        assert re.search(rf'data-kiosk="{b}"[^>]*data-attempt="1"', page)
        assert f"<th>{column}</th>" in page
        kiosk_page = console.get(f"{site.url}/admin/kiosks/{a}", timeout=PATIENCE_S).text
        assert re.search(r'<tr data-update="config 1" data-attempt="2">', kiosk_page)
        assert f"<th>{column}</th>" in kiosk_page


def test_audit_page_filters_pages_exports_and_verifies_then_names_a_tampered_event(
        site, keys, clock, central_db):
    """GIVEN 60 events by two admins over an hour (one refused), on top of the sign-in
    WHEN the audit page is filtered by who, action prefix, outcome and time, paged,
    exported, and the chain verified; then one event is altered in the database
    THEN each filter keeps only its events, newest first; the pages hold 50 then the
    rest; the JSON lines export of everything verifies on its own and the CSV has a
    row per event; the page says the chain holds with its head hash; after the change
    it names that event, altered."""
    trail = site.app.state.audit
    for n in range(60):
        trail.record(actor_kind="admin", actor="ops-a" if n % 2 else "ops-b",
                     action="biller.maintenance" if n % 3 else "rollout.pause",
                     outcome="refused" if n == 30 else "ok", target=f"t{n}",
                     kiosk_id="SH-T-0001" if n == 7 else None)
        clock.advance(timedelta(minutes=1))
    console = http_sign_in(site.url, keys.admin_token)

    def seqs(**params: str) -> list[int]:
        page = console.get(f"{site.url}/admin/audit", params=params, timeout=PATIENCE_S).text
        return [int(s) for s in re.findall(r'<tr data-seq="(\d+)"', page)]

    everything = seqs()
    assert len(everything) == 50 and everything == sorted(everything, reverse=True)
    first = console.get(f"{site.url}/admin/audit", timeout=PATIENCE_S).text
    older = re.search(r'href="([^"]+)" id="audit-older"', first)
    assert older
    rest = seqs(before=str(everything[-1]))
    assert len(everything) + len(rest) == 61  # and the sign-in
    pauses = seqs(action="rollout.")
    assert len(pauses) == 20
    assert len(seqs(actor="ops-a", action="rollout.")) == 10
    assert len(seqs(outcome="refused")) == 1
    assert len(seqs(kiosk="SH-T-0001")) == 1
    start = clock.now() - timedelta(minutes=60)
    window = {"since": (start + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S"),
              "until": (start + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%S")}
    assert len(seqs(**window)) == 10

    jsonl = console.get(f"{site.url}/admin/audit/export.jsonl", timeout=PATIENCE_S)
    assert jsonl.headers["content-type"].startswith("application/x-ndjson")
    exported = [event_from_json(json.loads(line)) for line in jsonl.text.splitlines()]
    assert len(exported) == 61 and verify_chain(exported).ok
    csv = console.get(f"{site.url}/admin/audit/export.csv", params={"action": "rollout."},
                      timeout=PATIENCE_S)
    assert len(csv.text.strip().splitlines()) == 1 + 20

    verified = console.get(f"{site.url}/admin/audit/verify", timeout=PATIENCE_S).text
    head = requests.get(f"{site.url}/v1/admin/audit/verify", timeout=PATIENCE_S,
                        headers={"Authorization": f"Bearer {keys.admin_token}"}).json()
    assert 'data-ok="yes"' in verified and head["head_hash"] in verified
    execute(central_db, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 12")
    broken = console.get(f"{site.url}/admin/audit/verify", timeout=PATIENCE_S).text
    assert re.search(r'data-ok="no" data-broken-seq="12" data-how="altered"', broken)


def test_alerts_open_then_cleared_and_a_kiosk_marked_in_maintenance(site, keys, clock):
    """GIVEN two kiosks that beat, then one falls silent past the offline alert's span
    WHEN the scheduler's round runs, then the admin marks the silent kiosk in
    maintenance from its page (with a note) and the next round runs
    THEN the alerts page lists its offline alert open and the fleet shows it one open
    alert; after the mark the alert is listed as cleared by maintenance, the kiosk's
    page shows the mark and the note, and the mark is an audit event (the note itself
    is not); taking the mark off is too."""
    beat(site.url, keys, "SH-A-0001")
    beat(site.url, keys, "SH-A-0002")
    clock.advance(timedelta(minutes=10))
    beat(site.url, keys, "SH-A-0002")
    assert site.app.state.scheduler.run_once()
    console = http_sign_in(site.url, keys.admin_token)
    alerts = console.get(f"{site.url}/admin/alerts", timeout=PATIENCE_S).text
    open_part = alerts.split('id="alerts-cleared"')[0]
    assert re.search(r'data-kind="kiosk_offline" data-kiosk="SH-A-0001" data-state="open"',
                     open_part)
    fleet_page = console.get(f"{site.url}/admin", timeout=PATIENCE_S).text
    assert re.search(r'data-alerts="1" href="/admin/alerts\?kiosk=SH-A-0001"', fleet_page)

    kiosk_url = f"{site.url}/admin/kiosks/SH-A-0001"
    page = console.get(kiosk_url, timeout=PATIENCE_S).text
    marked = console.post(f"{kiosk_url}/maintenance", timeout=PATIENCE_S,
                          data={"csrf": form_token(page), "maintenance": "on",
                                "note": "router swapped"}, allow_redirects=False)
    assert marked.status_code == 303
    assert site.app.state.scheduler.run_once()
    page = console.get(kiosk_url, timeout=PATIENCE_S).text
    assert 'id="maintenance-mark"' in page and "router swapped" in page
    cleared = console.get(f"{site.url}/admin/alerts", params={"show": "cleared"},
                          timeout=PATIENCE_S).text
    assert re.search(r'data-kiosk="SH-A-0001" data-state="cleared"', cleared)
    assert "maintenance</small>" in cleared
    console.post(f"{kiosk_url}/maintenance", data={"csrf": form_token(page),
                                                   "maintenance": "off"}, timeout=PATIENCE_S)
    events = sorted(admin_events(site.url, keys, action="kiosk.maintenance"),
                    key=lambda e: e["seq"])
    assert [(e["kiosk_id"], e["details"]["maintenance"], e["details"]["via"])
            for e in events] == [("SH-A-0001", "on", "console"), ("SH-A-0001", "off", "console")]
    assert events[0]["details"]["reason_given"] == "yes"
    assert "router swapped" not in json.dumps(events)


def test_a_well_kiosk_in_maintenance_is_its_own_state_in_the_fleet(site, keys):
    """GIVEN a well kiosk marked in maintenance through the JSON admin API, and a well one
    WHEN the fleet page is opened
    THEN the marked kiosk shows "in maintenance", listed before the well one."""
    beat(site.url, keys, "SH-M-0001")
    beat(site.url, keys, "SH-M-0002")
    answer = requests.post(f"{site.url}/v1/admin/kiosks/SH-M-0002/maintenance",
                           json={"maintenance": True, "note": "new printer"},
                           headers={"Authorization": f"Bearer {keys.admin_token}"},
                           timeout=PATIENCE_S)
    assert answer.status_code == 200, answer.text
    page = http_sign_in(site.url, keys.admin_token).get(f"{site.url}/admin",
                                                        timeout=PATIENCE_S).text
    assert re.findall(r'data-kiosk="(SH-M-\d+)" data-state="(\w+)"', page) == [
        ("SH-M-0002", "maintenance"), ("SH-M-0001", "ok")]
