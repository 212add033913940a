"""The console's pure parts: where a form may send the browser next, the CSV's cells,
and that every word it shows has its Chinese. (The fleet's worst-first order, filters
and pages are found in SQL: tests/integration/central/test_console_fleet_query.py.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from central.console import alerts_pages, alerts_view, audit_pages, i18n, rollouts_pages
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
from central.schemas_rollouts import OutcomeCounts, RolloutSummaryOut

NOW = datetime(2026, 1, 15, 2, 30, tzinfo=UTC)
TEMPLATES = Path(i18n.__file__).parent / "templates"
CONSOLE = Path(i18n.__file__).parent


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
