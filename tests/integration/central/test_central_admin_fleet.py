"""`kiosk-admin fleet [--json]` against a running central over HTTP."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import requests

from central import admin
from central.db import make_engine
from central.fleet import FleetService
from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S


def post_beat(http: requests.Session, url: str, kiosk_id: str, **changes: Any) -> None:
    body: dict[str, Any] = {
        "app_version": "0.1.0", "config_version": "local-aaaabbbbcccc",
        "devices": {"printer": {"state": "ok"}, "payment": {"state": "ok"},
                    "reader": {"state": "ok"}},
        "outbox_depth": 0, "last_error": None, "disk_free_bytes": 5 * 2**30,
    }
    body.update(changes)
    answer = http.post(f"{url}/v1/heartbeats", json=body, headers={"X-Kiosk-Id": kiosk_id},
                       timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text


def run_admin(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = admin.main(list(argv), out=out)
    return status, out.getvalue()


def two_kiosks(http: requests.Session, url: str, clock: Any) -> None:
    """SH-CN-0001 beats at 10:30 and falls silent; SH-CN-0002 beats at 10:34 with a
    printer out of paper, 12 records queued and an error."""
    post_beat(http, url, "SH-CN-0001")
    clock.advance(timedelta(minutes=4))
    post_beat(http, url, "SH-CN-0002", outbox_depth=12, disk_free_bytes=734 * 2**20,
              devices={"printer": {"state": "fault", "reason": "paper_out"},
                       "payment": {"state": "ok"}},
              last_error="ERROR kiosk.services: print job failed", app_version="0.2.0")


def test_fleet_table_shows_each_kiosk_its_state_and_offline_since(central_url, clock, http):
    """GIVEN two kiosks, one silent for 4 minutes (offline after 3) and one that just beat
    WHEN `kiosk-admin fleet` runs
    THEN it prints a header and one row per kiosk: the silent one offline since 10:33,
    the other online with its printer fault, outbox, disk and last error."""
    two_kiosks(http, central_url, clock)
    status, text = run_admin("fleet", "--central", central_url)
    assert status == 0, text
    lines = text.splitlines()
    for column in ("kiosk", "group", "state", "app", "config", "printer", "payment", "reader",
                   "outbox", "disk free", "last error"):
        assert column in lines[0]
    silent = next(line for line in lines if line.startswith("SH-CN-0001"))
    busy = next(line for line in lines if line.startswith("SH-CN-0002"))
    assert "offline since 01-15 10:33" in silent
    assert "online" in busy and "offline" not in busy
    assert "fault:paper_out" in busy
    assert "734M" in busy
    assert " 12 " in busy
    assert "print job failed" in busy
    assert "0.2.0" in busy and "local-aaaabbbbcccc" in busy
    assert lines[-1] == "2 kiosk(s): 1 online, 1 offline"


def test_fleet_json_is_centrals_answer(central_url, clock, http):
    """GIVEN the same two kiosks
    WHEN `kiosk-admin fleet --json` runs
    THEN it prints central's /v1/admin/fleet document as JSON."""
    two_kiosks(http, central_url, clock)
    status, text = run_admin("fleet", "--json", "--central", central_url)
    assert status == 0
    printed = json.loads(text)
    assert printed == http.get(f"{central_url}/v1/admin/fleet", timeout=TIMEOUT).json()
    assert [(k["kiosk_id"], k["online"]) for k in printed["kiosks"]] == [
        ("SH-CN-0001", False), ("SH-CN-0002", True)]


def test_fleet_with_central_away_exits_1(refused_port, capsys):
    """GIVEN no central listening
    WHEN `kiosk-admin fleet` runs
    THEN it says central is unreachable and exits 1."""
    status, _ = run_admin("fleet", "--central", f"http://127.0.0.1:{refused_port}",
                          "--token", "any")
    assert status == 1
    assert "unreachable" in capsys.readouterr().err


def test_fleet_shows_the_records_a_kiosk_parked(central_url, http):
    """GIVEN a kiosk whose heartbeat says 2 records are queued and 3 were refused by
    central and parked
    WHEN `kiosk-admin fleet` runs, with and without --json
    THEN its outbox column reads "2 +3 parked" and the JSON carries outbox_parked 3."""
    post_beat(http, central_url, "SH-CN-0003", outbox_depth=2, outbox_parked=3)
    status, text = run_admin("fleet", "--central", central_url)
    assert status == 0, text
    row = next(line for line in text.splitlines() if line.startswith("SH-CN-0003"))
    assert " 2 +3 parked " in row
    status, text = run_admin("fleet", "--json", "--central", central_url)
    [kiosk] = json.loads(text)["kiosks"]
    assert (kiosk["outbox_depth"], kiosk["outbox_parked"]) == (2, 3)


def test_fleet_names_the_pushed_keys_a_kiosks_site_file_overrides(central_url, central_db,
                                                                   clock):
    """GIVEN a kiosk that applied pushed version 1 and reported that its site file
    overrides kiosk.hotline, and a second kiosk that applied it with nothing overridden
    WHEN `kiosk-admin fleet` runs while they run version 1, and again once the first
    says (heartbeat) it runs its local config
    THEN the first kiosk's entry and a line under the table name kiosk.hotline, the
    second's nothing (the same when only some kiosks are read, as the console reads a
    page of them); once it no longer runs version 1, nothing is named for it."""
    from test_central_rollouts import as_kiosk, enroll, push, report

    enroll(central_db, "lobby", "SH-L-0001", "SH-L-0002")
    assert push(central_url, 1, "group:lobby").status_code == 201
    assert report(central_url, "SH-L-0001", 1, overridden=["kiosk.hotline"]).status_code == 200
    assert report(central_url, "SH-L-0002", 1).status_code == 200
    session = requests.Session()
    session.headers.update(as_kiosk("SH-L-0001"))
    post_beat(session, central_url, "SH-L-0001", config_version="1")
    session.headers.update(as_kiosk("SH-L-0002"))
    post_beat(session, central_url, "SH-L-0002", config_version="1")

    status, text = run_admin("fleet", "--json", "--central", central_url)
    assert status == 0
    assert {k["kiosk_id"]: k["config_overridden"] for k in json.loads(text)["kiosks"]} == {
        "SH-L-0001": ["kiosk.hotline"], "SH-L-0002": []}
    engine = make_engine(central_db)
    try:
        read = FleetService(engine, clock)
        assert [k.config_overridden for k in read.kiosks(["SH-L-0001"])] == [["kiosk.hotline"]]
        assert [k.config_overridden for k in read.kiosks(["SH-L-0002", "SH-none"])] == [[]]
    finally:
        engine.dispose()
    status, text = run_admin("fleet", "--central", central_url)
    assert "SH-L-0001: config 1: its site file overrides kiosk.hotline" in text
    assert "SH-L-0002: config" not in text

    session.headers.update(as_kiosk("SH-L-0001"))
    post_beat(session, central_url, "SH-L-0001", config_version="local-aaaabbbbcccc")
    status, text = run_admin("fleet", "--json", "--central", central_url)
    assert all(k["config_overridden"] == [] for k in json.loads(text)["kiosks"])


def test_fleet_shows_kiosks_a_technician_switched_off_and_low_disks(central_url, clock, http):
    """GIVEN a kiosk switched out of service at 09:12 and low on disk, one in service, and
    one switched off that has since gone silent
    WHEN `kiosk-admin fleet` runs
    THEN the first's state reads "out of service since 01-15 09:12" and its disk "LOW",
    the second's "online" with no mark, the third's "offline since ..., out of service",
    and the summary counts two out of service."""
    post_beat(http, central_url, "SH-CN-0009", out_of_service=True,
              out_of_service_since="2026-01-15T09:12:00+08:00")
    clock.advance(timedelta(minutes=4))
    post_beat(http, central_url, "SH-CN-0007", out_of_service=True,
              out_of_service_since="2026-01-15T09:12:00+08:00", low_disk=True,
              disk_free_bytes=300 * 2**20)
    post_beat(http, central_url, "SH-CN-0008", disk_free_bytes=734 * 2**20)

    status, text = run_admin("fleet", "--central", central_url)

    assert status == 0, text
    rows = {line.split()[0]: line for line in text.splitlines()[1:-1]}
    assert "out of service since 01-15 09:12" in rows["SH-CN-0007"]
    assert "300M LOW" in rows["SH-CN-0007"]
    assert " online " in rows["SH-CN-0008"] and "out of service" not in rows["SH-CN-0008"]
    assert "734M " in rows["SH-CN-0008"] and "LOW" not in rows["SH-CN-0008"]
    assert "offline since 01-15 10:33, out of service since 01-15 09:12" in rows["SH-CN-0009"]
    assert text.splitlines()[-1] == "3 kiosk(s): 2 online, 1 offline, 2 out of service"
