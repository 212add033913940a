"""The console's pure parts: the fleet's worst-first order and filters, where a form may
send the browser next, the CSV's cells, and that every word it shows has its Chinese."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from central.console import alerts_pages, alerts_view, audit_pages, i18n, rollouts_pages
from central.console.fleet_view import MaintenanceMark, ServiceMark, fleet_page
from central.console.nav import NAV
from central.console.pages import (
    CATEGORY_LABELS,
    DEVICE_LABELS,
    DONE,
    FILTER_LABELS,
    PROBLEM_LABELS,
    TYPE_LABELS,
)
from central.console.review import _cell
from central.console.web import local_path
from central.fleet import DeviceStateOut, FleetKioskOut, FleetOut
from central.schemas_rollouts import OutcomeCounts, RolloutSummaryOut

NOW = datetime(2026, 1, 15, 2, 30, tzinfo=UTC)
TEMPLATES = Path(i18n.__file__).parent / "templates"
CONSOLE = Path(i18n.__file__).parent


def kiosk(kiosk_id: str, **changes: Any) -> FleetKioskOut:
    fields: dict[str, Any] = {
        "kiosk_id": kiosk_id, "group": "pudong", "online": True, "offline_since": None,
        "last_heartbeat_at": NOW, "first_seen_at": NOW - timedelta(days=9),
        "kiosk_time": NOW, "app_version": "1.4.0", "config_version": "7",
        "devices": {"printer": DeviceStateOut(state="ok")}, "outbox_depth": 0,
        "last_error": None, "disk_free_bytes": 2**33}
    fields.update(changes)
    return FleetKioskOut(**fields)


def fleet(*kiosks: FleetKioskOut) -> FleetOut:
    online = sum(k.online for k in kiosks)
    return FleetOut(checked_at=NOW, offline_after_s=180, online=online,
                    offline=len(kiosks) - online, kiosks=list(kiosks))


def test_fleet_lists_the_worst_state_first():
    """GIVEN kiosks that are well, offline, out of service (by a technician or an
    admin), with a device fault, a stuck outbox and a failed update
    WHEN the fleet page orders them
    THEN offline comes first, then out of service, device fault, stuck outbox, failed
    update, and the well ones last, by id within each."""
    page = fleet_page(fleet(
        kiosk("A-well"), kiosk("B-update", update_state="rolled_back"),
        kiosk("C-outbox", outbox_parked=2), kiosk("D-fault", devices={
            "printer": DeviceStateOut(state="fault", reason="paper_out")}),
        kiosk("E-marked"), kiosk("F-switched-off", out_of_service=True),
        kiosk("G-offline", online=False, offline_since=NOW)),
        {"E-marked": ServiceMark("ops", "screen cracked", NOW)})
    assert [row.kiosk.kiosk_id for row in page.rows] == [
        "G-offline", "E-marked", "F-switched-off", "D-fault", "C-outbox", "B-update",
        "A-well"]
    assert page.counts["offline"] == 1 and page.counts["out_of_service"] == 2
    assert page.counts["ok"] == 1


def test_a_kiosk_in_maintenance_ranks_below_the_faults_and_carries_its_alerts():
    """GIVEN a well kiosk marked in maintenance (alerts silenced), a kiosk with low disk,
    one with a device fault and two open alerts, and a well one
    WHEN the fleet page orders them
    THEN "in maintenance" is its own state, below every fault and above the well ones;
    the problems filter leaves it out (it is no fault); each row carries its open
    alerts count and its maintenance mark."""
    page = fleet_page(fleet(
        kiosk("A-well"), kiosk("B-maintenance"), kiosk("C-disk", low_disk=True),
        kiosk("D-fault", devices={"printer": DeviceStateOut(state="fault")})),
        {}, maintenance={"B-maintenance": MaintenanceMark("new printer", NOW)},
        open_alerts={"D-fault": 2})
    assert [(row.kiosk.kiosk_id, row.worst) for row in page.rows] == [
        ("D-fault", "device_fault"), ("C-disk", "low_disk"),
        ("B-maintenance", "maintenance"), ("A-well", "ok")]
    assert page.counts["maintenance"] == 1 and page.counts["ok"] == 1
    assert [row.open_alerts for row in page.rows] == [2, 0, 0, 0]
    assert page.rows[2].maintenance == MaintenanceMark("new printer", NOW)
    problems = fleet_page(fleet(kiosk("B-maintenance"), kiosk("C-disk", low_disk=True)), {},
                          maintenance={"B-maintenance": MaintenanceMark("", NOW)},
                          state="problems")
    assert [row.kiosk.kiosk_id for row in problems.rows] == ["C-disk"]


def test_fleet_filters_by_state_site_and_search():
    """GIVEN kiosks on two sites, one with a device fault and an error line
    WHEN the page is filtered by problem, by site, and searched (any case)
    THEN each filter keeps only its kiosks; the counts stay those of the whole fleet."""
    kiosks = fleet(kiosk("PD-1"), kiosk("PD-2", devices={"reader": DeviceStateOut(
        state="fault")}, last_error="Reader: no answer"), kiosk("JA-1", group="jingan"))
    assert [r.kiosk.kiosk_id for r in fleet_page(kiosks, {}, state="problems").rows] == ["PD-2"]
    assert [r.kiosk.kiosk_id for r in fleet_page(kiosks, {}, site="jingan").rows] == ["JA-1"]
    searched = fleet_page(kiosks, {}, search="NO ANSWER")
    assert [r.kiosk.kiosk_id for r in searched.rows] == ["PD-2"]
    assert searched.total == 3 and searched.matching == 1
    assert fleet_page(kiosks, {}).sites == ["jingan", "pudong"]


def test_fleet_page_shows_at_most_its_limit_worst_first():
    """GIVEN more kiosks than the page shows
    WHEN it is made
    THEN it shows the worst ones up to the limit and says how many matched."""
    kiosks = fleet(*(kiosk(f"K-{n:03}") for n in range(5)),
                   kiosk("Z-offline", online=False, offline_since=NOW))
    page = fleet_page(kiosks, {}, shown=2)
    assert [r.kiosk.kiosk_id for r in page.rows] == ["Z-offline", "K-000"]
    assert page.matching == 6


@pytest.mark.parametrize(("target", "expected"), [
    ("/admin/kiosks/SH-1?done=x", "/admin/kiosks/SH-1?done=x"),
    ("https://evil.example/admin", "/admin"), ("//evil.example/admin", "/admin"),
    ("/v1/admin/fleet", "/admin"), ("/admin\\@evil", "/admin"), ("", "/admin"),
    (None, "/admin")])
def test_after_sign_in_the_browser_goes_only_to_a_console_page(target, expected):
    """GIVEN a "next" address in the sign-in form or the language link
    WHEN central decides where to send the browser
    THEN only a path of the console is kept (no other site: no open redirect)."""
    assert local_path(target) == expected


def test_csv_cells_a_spreadsheet_would_run_are_quoted():
    """GIVEN a value a kiosk sent that starts like a spreadsheet formula
    WHEN it is written to the CSV export
    THEN it starts with an apostrophe (shown as text), and other values are unchanged."""
    assert _cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert _cell("-12") == "'-12" and _cell("@SUM") == "'@SUM"
    assert _cell("SH-CN-0001") == "SH-CN-0001"


def test_every_word_of_the_console_has_its_chinese():
    """GIVEN the templates, the pages' labels and the top bar
    WHEN their English texts are looked up in the Chinese catalogue
    THEN each is there, with the same %(name)s fields."""
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r'_\("((?:[^"\\]|\\.)*)"', template.read_text(encoding="utf-8")))
    for module in CONSOLE.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        used |= set(re.findall(r'translate\(\s*"((?:[^"\\]|\\.)*)"', text))
    for labels in (PROBLEM_LABELS, FILTER_LABELS, DEVICE_LABELS, CATEGORY_LABELS, TYPE_LABELS,
                   DONE, rollouts_pages.STATE_LABELS, rollouts_pages.OUTCOME_LABELS,
                   rollouts_pages.WAVE_LABELS, rollouts_pages.VERB_LABELS,
                   rollouts_pages.KIND_LABELS, alerts_pages.SHOW_LABELS,
                   alerts_view.KIND_LABELS, alerts_view.CLEAR_LABELS,
                   alerts_view.DELIVERY_LABELS, alerts_view.EVENT_LABELS,
                   audit_pages.OUTCOME_LABELS, audit_pages.BREAK_LABELS,
                   audit_pages.ACTOR_KIND_LABELS):
        used |= set(labels.values())
    used |= {item.label for item in NAV} | {"ok", "fault", "unknown", "software", "config"}
    missing = sorted(text for text in used if text not in i18n.ZH_HANS)
    assert not missing, missing
    for english, chinese in i18n.ZH_HANS.items():
        assert sorted(re.findall(r"%\((\w+)\)", english)) == sorted(
            re.findall(r"%\((\w+)\)", chinese)), english


def rollout(state: str, failed: int = 0, timed_out: int = 0) -> RolloutSummaryOut:
    return RolloutSummaryOut(
        kind="config", id=1, version="7", target="all", note="", state=state,  # type: ignore[arg-type]
        current_wave=1, waves=2, wave_deadline_s=86400, window=None, reason="",
        counts=OutcomeCounts(pending=1, applied=1, failed=failed, timed_out=timed_out),
        created_at=NOW, updated_at=NOW)


@pytest.mark.parametrize(("state", "failed", "timed_out", "allowed"), [
    ("running", 0, 0, {"pause", "cancel"}),
    ("running", 1, 0, {"pause", "cancel", "retry"}),
    ("paused", 0, 1, {"resume", "cancel", "retry"}),
    ("halted", 2, 0, {"cancel", "retry"}),
    ("completed", 1, 0, {"retry"}),
    ("completed", 0, 0, set()),
    ("cancelled", 3, 1, set())])
def test_a_rollouts_buttons_follow_the_verbs_rules(state, failed, timed_out, allowed):
    """GIVEN a rollout in a state, with or without failed or timed-out kiosks
    WHEN its page decides which verb buttons to enable
    THEN exactly those central.rollout_control accepts: pause while running, resume
    while paused, cancel until completed or cancelled, retry while a kiosk failed or
    timed out and it is not cancelled."""
    assert rollouts_pages.allowed_verbs(rollout(state, failed, timed_out)) == allowed
