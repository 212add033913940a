"""Alerts raised by central's scheduler from what the kiosks' heartbeats and the rollouts
say: once per incident, cleared when the incident ends, silenced by a kiosk's
maintenance mark (central/alerts.py). The clock is the test's; each scheduler round is
run by the test (alerting.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from alerting import THRESHOLDS, Alerting, alert_central
from central.alerts import AlertSettings
from kiosk.sync.wire_config import ConfigBundle, ConfigPushIn, sign_bundle
from tests.patience import PATIENCE_S


@pytest.fixture
def alerting(central_db: str, clock, keys, http: requests.Session) -> Iterator[Alerting]:
    with alert_central(central_db, clock, THRESHOLDS) as server:
        yield Alerting(server, http, clock, keys.admin_token)


def test_offline_kiosk_is_raised_once_after_n_minutes_and_cleared_by_its_next_beat(
        alerting: Alerting) -> None:
    """GIVEN a kiosk that beat once and fell silent (offline 3 minutes after its beat,
    alerts after 5 minutes offline)
    WHEN rounds run at 7 minutes (4 offline), 8 minutes, 9 and 20, then it beats again
    THEN no alert at 7 minutes; from 8 minutes one open kiosk_offline alert, the same
    incident at every later round; after the beat it is cleared and none is open."""
    alerting.beat("SH-OFF-1")
    alerting.later(7)
    alerting.round()
    assert alerting.alerts() == []
    alerting.later(1)
    alerting.round()
    raised = alerting.alerts()
    assert [(a["kind"], a["kiosk_id"]) for a in raised] == [("kiosk_offline", "SH-OFF-1")]
    for minutes in (1, 11):
        alerting.later(minutes)
        alerting.round()
        assert [a["incident_id"] for a in alerting.alerts()] == [raised[0]["incident_id"]]

    alerting.beat("SH-OFF-1")
    alerting.round()
    assert alerting.alerts() == []
    cleared = alerting.alerts("cleared")
    assert [a["incident_id"] for a in cleared] == [raised[0]["incident_id"]]
    assert cleared[0]["state"] == "cleared" and cleared[0]["cleared_at"] is not None


def test_device_fault_is_raised_once_it_lasted_m_minutes(alerting: Alerting) -> None:
    """GIVEN fault_minutes 10
    WHEN a kiosk's reader faults for 10 minutes (beats every minute), and another kiosk's
    payment terminal faults for 5 minutes and recovers
    THEN the reader fault is raised at 10 minutes, not at 9; the 5-minute fault never
    shows, open or cleared."""
    fault = {"printer": {"state": "ok"}, "payment": {"state": "ok"},
             "reader": {"state": "fault", "reason": "disconnected"}}
    for minute in range(11):
        alerting.beat("SH-DEV-1", devices=fault)
        flaky = {"state": "unknown", "reason": "no_reply"} if minute < 5 else {"state": "ok"}
        alerting.beat("SH-DEV-2", devices={**fault, "reader": {"state": "ok"},
                                           "payment": flaky})
        alerting.round()
        expected = [("device_fault", "SH-DEV-1", "reader")] if minute == 10 else []
        assert alerting.kinds() == expected, f"minute {minute}"
        alerting.later(1)
    assert alerting.alerts("cleared") == []
    assert "disconnected" in alerting.alerts()[0]["detail"]


def test_paper_low_then_out_then_a_new_roll(alerting: Alerting) -> None:
    """GIVEN a kiosk whose printer reports paper near its end, then out, then a new roll
    WHEN a round runs after each beat
    THEN paper_low is raised at once; when the paper is out paper_low clears and
    paper_out is raised; the new roll clears paper_out."""
    alerting.beat("SH-PAP-1", devices={"printer": {"state": "ok",
                                                   "reason": "paper_near_end"}})
    alerting.round()
    assert alerting.kinds() == [("paper_low", "SH-PAP-1", "printer")]
    alerting.later(1)
    alerting.beat("SH-PAP-1", devices={"printer": {"state": "fault", "reason": "paper_out"}})
    alerting.round()
    assert alerting.kinds() == [("paper_out", "SH-PAP-1", "printer")]
    assert alerting.kinds("cleared") == [("paper_low", "SH-PAP-1", "printer")]
    alerting.later(1)
    alerting.beat("SH-PAP-1", devices={"printer": {"state": "ok"}})
    alerting.round()
    assert alerting.kinds() == []
    assert alerting.kinds("cleared") == [("paper_low", "SH-PAP-1", "printer"),
                                         ("paper_out", "SH-PAP-1", "printer")]


def test_halted_config_rollout_is_raised_once(alerting: Alerting, keys) -> None:
    """GIVEN a config rollout to one kiosk, which rejects the version (the rollout halts)
    WHEN two rounds run
    THEN one rollout_halted alert names the rollout, with no kiosk."""
    keys.credential("SH-ROL-1")
    bundle = ConfigBundle(version=7, issued_at=datetime.now(UTC), note="v7",
                          settings={"ui": {"idle_timeout_s": 97}})
    push = ConfigPushIn(signed=sign_bundle(bundle, Ed25519PrivateKey.generate()),
                        target="kiosk:SH-ROL-1")
    answer = alerting.http.post(f"{alerting.server.url}/v1/admin/config/pushes",
                                json=push.model_dump(mode="json"), timeout=PATIENCE_S)
    assert answer.status_code == 201, answer.text
    rollout_id = answer.json()["id"]
    answer = alerting.http.post(f"{alerting.server.url}/v1/config/reports",
                                headers={"X-Kiosk-Id": "SH-ROL-1"},
                                json={"version": 7, "outcome": "rejected", "reason": "schema"},
                                timeout=PATIENCE_S)
    assert answer.status_code == 200, answer.text
    alerting.beat("SH-ROL-1")
    for _ in range(2):
        alerting.round()
        assert alerting.kinds() == [("rollout_halted", None, f"config:{rollout_id}")]


def test_outbox_above_the_threshold_or_rising_raises_growing_outbox(alerting: Alerting
                                                                      ) -> None:
    """GIVEN outbox_depth 100 and outbox_rising_beats 3
    WHEN one kiosk reports 150 records waiting, and another 1, 2, 3, 4 on four beats,
    then both drain to 0
    THEN the first is raised at once; the second after its third rise, not before; both
    clear once drained."""
    alerting.beat("SH-BOX-1", outbox_depth=150)
    for depth in (1, 2, 3, 4):
        alerting.beat("SH-BOX-2", outbox_depth=depth)
        alerting.round()
        expected = [("outbox_growing", "SH-BOX-1", "")]
        if depth == 4:
            expected.append(("outbox_growing", "SH-BOX-2", ""))
        assert alerting.kinds() == expected, f"depth {depth}"
        alerting.later(1)
    alerting.beat("SH-BOX-1", outbox_depth=0)
    alerting.beat("SH-BOX-2", outbox_depth=0)
    alerting.round()
    assert alerting.kinds() == []
    assert len(alerting.alerts("cleared")) == 2


def test_kiosk_in_maintenance_raises_nothing_until_the_mark_is_off(alerting: Alerting
                                                                     ) -> None:
    """GIVEN a kiosk out of paper with an open alert
    WHEN `kiosk-admin kiosk maintenance on` marks it, it falls silent for an hour, then
    the mark is switched off
    THEN the open alert is cleared (silenced), nothing is raised while marked, and once
    the mark is off the kiosk, still silent, is raised offline."""
    alerting.beat("SH-MNT-1", devices={"printer": {"state": "fault", "reason": "paper_out"}})
    alerting.round()
    assert alerting.kinds() == [("paper_out", "SH-MNT-1", "printer")]

    status, out = alerting.admin("kiosk", "maintenance", "on", "SH-MNT-1",
                                 "--note", "new printer")
    assert status == 0, out
    assert "SH-MNT-1: in maintenance" in out
    alerting.round()
    assert alerting.kinds() == []
    assert alerting.alerts("cleared")[0]["clear_reason"] == "maintenance"
    alerting.later(60)
    alerting.round()
    assert alerting.kinds() == []

    status, out = alerting.admin("kiosk", "maintenance", "off", "SH-MNT-1")
    assert status == 0, out
    assert "SH-MNT-1: maintenance off" in out
    alerting.round()
    assert alerting.kinds() == [("kiosk_offline", "SH-MNT-1", "")]


def test_alerts_are_filtered_by_kiosk_and_listed_by_kiosk_admin(alerting: Alerting) -> None:
    """GIVEN two kiosks with paper out, one of which got a new roll
    WHEN the alerts are asked for by kiosk, and `kiosk-admin alerts [--all] [--json]` runs
    THEN the filter returns that kiosk's only; kiosk-admin lists the open one, --all both,
    --json central's answer."""
    for kiosk_id in ("SH-LST-1", "SH-LST-2"):
        alerting.beat(kiosk_id, devices={"printer": {"state": "fault", "reason": "paper_out"}})
    alerting.round()
    alerting.beat("SH-LST-2")
    alerting.round()
    assert [a["kiosk_id"] for a in alerting.alerts("all", kiosk_id="SH-LST-2")] == ["SH-LST-2"]
    assert alerting.alerts("open", kiosk_id="SH-LST-2") == []

    status, out = alerting.admin("alerts")
    assert status == 0, out
    assert "SH-LST-1" in out and "paper_out" in out and "SH-LST-2" not in out
    assert "1 alert(s)" in out
    status, out = alerting.admin("alerts", "--all")
    assert status == 0 and "SH-LST-2" in out and "cleared" in out
    status, out = alerting.admin("alerts", "--kiosk", "SH-LST-1", "--json")
    assert status == 0
    assert [a["kiosk_id"] for a in json.loads(out)["alerts"]] == ["SH-LST-1"]


def test_a_restarted_central_raises_nothing_again(central_db: str, clock, keys,
                                                  http: requests.Session) -> None:
    """GIVEN an open offline alert raised by a central that then stopped
    WHEN a new central on the same database runs rounds
    THEN the same single incident stays open."""
    with alert_central(central_db, clock, THRESHOLDS) as server:
        first = Alerting(server, http, clock, keys.admin_token)
        first.beat("SH-RST-1")
        first.later(9)
        first.round()
        raised = first.alerts()
    with alert_central(central_db, clock, THRESHOLDS) as server:
        second = Alerting(server, http, clock, keys.admin_token)
        second.round()
        second.later(1)
        second.round()
        assert second.alerts() == raised
        assert second.alerts("all") == raised


def test_revoked_kiosk_is_not_alerted_offline(alerting: Alerting) -> None:
    """GIVEN a kiosk that was revoked (it sends nothing any more) and fell silent
    WHEN rounds run long after
    THEN it raises no offline alert."""
    alerting.beat("SH-REV-1")
    answer = alerting.http.post(f"{alerting.server.url}/v1/admin/kiosks/SH-REV-1/revoke",
                                timeout=PATIENCE_S)
    assert answer.status_code == 200, answer.text
    alerting.later(30)
    alerting.round()
    assert alerting.alerts() == []


def test_thresholds_are_checked() -> None:
    """GIVEN alert settings with a zero or negative threshold
    WHEN they are made
    THEN ValueError names the setting."""
    for name in ("offline_minutes", "fault_minutes", "outbox_depth", "outbox_rising_beats"):
        with pytest.raises(ValueError, match=name):
            AlertSettings(**{name: 0})
