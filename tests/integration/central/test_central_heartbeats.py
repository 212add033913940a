"""Central's side of heartbeats: POST /v1/heartbeats upserts the kiosk inventory, and
GET /v1/admin/fleet computes who is offline from central's (settable) clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from central.fleet import FleetSettings
from central.server import CentralServer
from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S


def beat(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "app_version": "0.1.0",
        "config_version": "local-0123456789ab",
        "devices": {"printer": {"state": "ok"},
                    "payment": {"state": "fault", "reason": "disconnected"},
                    "reader": {"state": "unknown", "reason": "no_answer"}},
        "outbox_depth": 3,
        "last_error": "WARNING kiosk.sync.forwarder: outbox delivery failed",
        "disk_free_bytes": 12_345_678_901,
        "sent_at": "2026-01-15T10:30:00+08:00",
    }
    body.update(changes)
    return body


def send(http: requests.Session, url: str, body: dict[str, Any],
         kiosk_id: str | None = "SH-CN-0007") -> requests.Response:
    headers = {"X-Kiosk-Id": kiosk_id} if kiosk_id is not None else {}
    return http.post(f"{url}/v1/heartbeats", json=body, headers=headers, timeout=TIMEOUT)


def fleet(http: requests.Session, url: str) -> dict[str, Any]:
    answer = http.get(f"{url}/v1/admin/fleet", timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def only_kiosk(body: dict[str, Any], kiosk_id: str = "SH-CN-0007") -> dict[str, Any]:
    matches = [k for k in body["kiosks"] if k["kiosk_id"] == kiosk_id]
    assert len(matches) == 1, body
    return matches[0]


@pytest.mark.database  # what a beat writes, and the fleet read back
def test_first_heartbeat_creates_the_kiosk_and_later_ones_update_it(http, central_url, clock):
    """GIVEN a central that has never heard of kiosk SH-CN-0007
    WHEN the kiosk sends a heartbeat, and another one a minute later with new values
    THEN the first answer says first_seen, the second does not; the fleet shows the second
    beat's values, first_seen_at of the first beat and last_heartbeat_at of the second."""
    first = send(http, central_url, beat())
    assert first.status_code == 200, first.text
    assert first.json()["first_seen"] is True
    assert first.json()["kiosk_id"] == "SH-CN-0007"
    started = clock.now()
    clock.advance(timedelta(seconds=60))
    second = send(http, central_url, beat(outbox_depth=0, last_error=None, app_version="0.2.0",
                                          devices={"printer": {"state": "fault",
                                                               "reason": "paper_out"}}))
    assert second.status_code == 200, second.text
    assert second.json()["first_seen"] is False

    kiosk = only_kiosk(fleet(http, central_url))
    assert kiosk["app_version"] == "0.2.0"
    assert kiosk["config_version"] == "local-0123456789ab"
    assert kiosk["outbox_depth"] == 0
    assert kiosk["last_error"] is None
    assert kiosk["disk_free_bytes"] == 12_345_678_901
    assert kiosk["devices"] == {"printer": {"state": "fault", "reason": "paper_out"}}
    assert kiosk["group"] is None
    assert kiosk["online"] is True and kiosk["offline_since"] is None
    assert _instant(kiosk["first_seen_at"]) == started
    assert _instant(kiosk["last_heartbeat_at"]) == started + timedelta(seconds=60)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.database  # what a beat writes, and the fleet read back
def test_kiosk_goes_offline_after_three_missed_intervals_and_back_on_its_next_beat(
        http, central_url, clock):
    """GIVEN a kiosk that sent one heartbeat (default: 60 s interval, 3 missed = offline)
    WHEN central's clock moves 179 s, then 181 s past it, then the kiosk beats again
    THEN it is online, then offline since beat + 180 s, then online again."""
    assert send(http, central_url, beat()).status_code == 200
    beat_time = clock.now()
    clock.advance(timedelta(seconds=179))
    assert only_kiosk(fleet(http, central_url))["online"] is True
    clock.advance(timedelta(seconds=2))
    body = fleet(http, central_url)
    kiosk = only_kiosk(body)
    assert kiosk["online"] is False
    assert _instant(kiosk["offline_since"]) == beat_time + timedelta(seconds=180)
    assert body["offline_after_s"] == 180.0
    assert send(http, central_url, beat()).status_code == 200
    assert only_kiosk(fleet(http, central_url))["online"] is True


@pytest.fixture
def quick_central(central_db: str, clock: Any) -> Iterator[CentralServer]:
    server = CentralServer(central_db, clock=clock, seed_demo=False,
                           fleet=FleetSettings(heartbeat_interval_s=10.0, missed_beats=2))
    with server:
        yield server


def test_offline_threshold_is_central_config(http, quick_central, clock):
    """GIVEN central configured for 10 s heartbeats, offline after 2 missed
    WHEN a kiosk beats and the clock moves 21 s
    THEN the kiosk is offline since beat + 20 s."""
    assert send(http, quick_central.url, beat()).status_code == 200
    beat_time = clock.now()
    clock.advance(timedelta(seconds=21))
    kiosk = only_kiosk(fleet(http, quick_central.url))
    assert kiosk["online"] is False
    assert _instant(kiosk["offline_since"]) == beat_time + timedelta(seconds=20)


@pytest.mark.database  # what a beat writes, and the fleet read back
def test_upkeep_in_a_beat_is_kept_and_listed_until_the_next_beat_says_otherwise(
        http, central_url):
    """GIVEN a kiosk switched out of service at 09:12, low on disk, up since 03:02 after
    its nightly restart in the window 03:00-04:00
    WHEN it beats, and later beats back in service with room on its disk
    THEN the fleet lists all of it (times in Shanghai), counts it out of service, and
    after the second beat lists it in service, not low, with no time out of service."""
    upkeep = {"out_of_service": True, "out_of_service_since": "2026-01-15T01:12:00+00:00",
              "low_disk": True, "up_since": "2026-01-15T03:02:10+08:00",
              "restart_window": "03:00-04:00",
              "last_restart_at": "2026-01-15T03:02:05+08:00"}
    assert send(http, central_url, beat(**upkeep)).status_code == 200
    body = fleet(http, central_url)
    kiosk = only_kiosk(body)
    assert body["out_of_service"] == 1
    assert kiosk["out_of_service"] is True and kiosk["low_disk"] is True
    assert kiosk["out_of_service_since"] == "2026-01-15T09:12:00+08:00"
    assert kiosk["up_since"] == "2026-01-15T03:02:10+08:00"
    assert kiosk["last_restart_at"] == "2026-01-15T03:02:05+08:00"
    assert kiosk["restart_window"] == "03:00-04:00"

    assert send(http, central_url, beat(up_since="2026-01-15T03:02:10+08:00",
                                        restart_window="03:00-04:00")).status_code == 200
    body = fleet(http, central_url)
    kiosk = only_kiosk(body)
    assert body["out_of_service"] == 0
    assert (kiosk["out_of_service"], kiosk["out_of_service_since"], kiosk["low_disk"],
            kiosk["last_restart_at"]) == (False, None, False, None)


@pytest.mark.database  # what a beat writes, and the fleet read back
def test_fleet_lists_every_kiosk_in_id_order(http, central_url):
    """GIVEN heartbeats from three kiosks, sent out of order
    WHEN the fleet is listed
    THEN all three appear once each, sorted by kiosk id."""
    for kiosk_id in ("SH-CN-0003", "SH-CN-0001", "SH-CN-0002", "SH-CN-0001"):
        assert send(http, central_url, beat(), kiosk_id=kiosk_id).status_code == 200
    ids = [k["kiosk_id"] for k in fleet(http, central_url)["kiosks"]]
    assert ids == ["SH-CN-0001", "SH-CN-0002", "SH-CN-0003"]


@pytest.mark.parametrize("changes, kiosk_id", [
    ({"outbox_depth": -1}, "SH-CN-0007"),
    ({"disk_free_bytes": -5}, "SH-CN-0007"),
    ({"last_error": "x" * 301}, "SH-CN-0007"),
    ({"app_version": ""}, "SH-CN-0007"),
    ({"config_version": "c" * 65}, "SH-CN-0007"),
    ({"devices": {"scanner": {"state": "ok"}}}, "SH-CN-0007"),
    ({"devices": {"printer": {"state": "great"}}}, "SH-CN-0007"),
    ({"devices": {"printer": {"state": "fault", "reason": "r" * 65}}}, "SH-CN-0007"),
    ({"sent_at": "2026-01-15T10:30:00"}, "SH-CN-0007"),  # naive: no offset
    ({"sent_at": "0001-01-01T00:00:00+08:00"}, "SH-CN-0007"),  # no plausible kiosk clock
    ({"favourite_colour": "blue"}, "SH-CN-0007"),
    # text that would reach an operator's terminal: escape sequences, the one-byte CSI,
    # line breaks, a bidirectional override
    ({"last_error": "ok\x1b[2J\x1b[31mFORGED"}, "SH-CN-0007"),
    ({"last_error": "ok\x9b2J"}, "SH-CN-0007"),
    ({"last_error": "ok\r\nSH-CN-0001  online"}, "SH-CN-0007"),
    ({"last_error": "ok\u202etxt.exe"}, "SH-CN-0007"),
    ({"last_error": "ok\u2028line"}, "SH-CN-0007"),
    ({"app_version": "0.1.0\x1b]0;title\x07"}, "SH-CN-0007"),
    ({"app_version": "0.1.0\n"}, "SH-CN-0007"),
    ({"config_version": "local-\x1b[8m"}, "SH-CN-0007"),
    ({"config_version": "7 extra"}, "SH-CN-0007"),
    ({"devices": {"printer": {"state": "fault", "reason": "paper\x1b[5m"}}}, "SH-CN-0007"),
    ({"devices": {"printer": {"state": "fault", "reason": "Paper Out"}}}, "SH-CN-0007"),
    # upkeep: the window is HH:MM-HH:MM and nothing else, times are plausible instants,
    # and a time out of service only comes with out of service
    ({"restart_window": "03:00-04:00\x1b[2J"}, "SH-CN-0007"),
    ({"restart_window": "3:00-4:00"}, "SH-CN-0007"),
    ({"restart_window": "03:00-24:00"}, "SH-CN-0007"),
    ({"restart_window": "x" * 5000}, "SH-CN-0007"),
    ({"up_since": "2026-01-15T03:00:00"}, "SH-CN-0007"),
    ({"last_restart_at": "1970-01-01T00:00:00+00:00"}, "SH-CN-0007"),
    ({"out_of_service_since": "2026-01-15T09:00:00+08:00"}, "SH-CN-0007"),
    ({"out_of_service": True, "out_of_service_since": "9999-12-31T00:00:00+08:00"},
     "SH-CN-0007"),
    ({"out_of_service": "switched off"}, "SH-CN-0007"),
    ({"low_disk": [1]}, "SH-CN-0007"),
])
def test_heartbeats_outside_the_limits_are_refused_and_not_stored(http, central_url,
                                                                   changes, kiosk_id):
    """GIVEN a heartbeat with one field outside its limits (the kiosk is the credential's:
    test_central_auth covers a header naming another kiosk)
    WHEN it is posted
    THEN central answers 422 E_REQUEST_REJECTED naming where, not the value, and the
    fleet stays empty."""
    answer = send(http, central_url, beat(**changes), kiosk_id=kiosk_id)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "E_REQUEST_REJECTED"
    assert "xxxxxxxx" not in answer.text and "blue" not in answer.text
    assert fleet(http, central_url)["kiosks"] == []


def test_heartbeat_and_fleet_are_in_the_openapi_document(http, central_url):
    """GIVEN a running central
    WHEN its OpenAPI document is read
    THEN POST /v1/heartbeats takes HeartbeatIn and answers HeartbeatAck, and
    GET /v1/admin/fleet answers FleetOut."""
    document = http.get(f"{central_url}/openapi.json", timeout=TIMEOUT).json()
    post = document["paths"]["/v1/heartbeats"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/HeartbeatIn")
    assert post["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/HeartbeatAck")
    get = document["paths"]["/v1/admin/fleet"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/FleetOut")
    assert "X-Kiosk-Id" in {p["name"] for p in post["parameters"]}
