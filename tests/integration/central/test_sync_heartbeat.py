"""The kiosk's heartbeat sender against a real central over HTTP on 127.0.0.1: the whole
loopback system (kiosk runtime, device simulators, central), and a central that is dead
or silent."""

from __future__ import annotations

import io
import logging
import shutil
import socket
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from central import admin
from kiosk import __version__
from kiosk.devtools.loopback import LOOPBACK_CENTRAL_TIMEOUT_S, System, running_system
from kiosk.diagnostics import config_version
from kiosk.domain.clock import SystemClock
from kiosk.services.maintenance import NightlyRestart, RestartWindow
from kiosk.services.ports import MaintenanceState
from kiosk.services.technician import OutOfService
from kiosk.sync.client import CentralClient
from kiosk.sync.heartbeat import HeartbeatSender, HeartbeatSources
from tests.patience import PATIENCE_S

TIMEOUT = PATIENCE_S


def fleet_entry(url: str, kiosk_id: str, admin_token: str) -> dict[str, Any] | None:
    answer = requests.get(f"{url}/v1/admin/fleet", timeout=TIMEOUT,
                          headers={"Authorization": f"Bearer {admin_token}"})
    answer.raise_for_status()
    for kiosk in answer.json()["kiosks"]:
        if kiosk["kiosk_id"] == kiosk_id:
            found: dict[str, Any] = kiosk
            return found
    return None


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    with running_system(tmp_path) as running:
        yield running


def test_a_beat_reports_versions_devices_outbox_disk_and_last_error(system):
    """GIVEN the loopback system, its device watch polled once and a warning logged
    WHEN the runtime's heartbeat sender beats once
    THEN central's fleet shows the kiosk online with the app version, the diagnostics'
    config version, each device ok, the store's outbox depth, the data dir's free disk
    and the warning as last error."""
    runtime = system.runtime
    assert runtime.heartbeat is not None
    runtime.services.watch.poll_once()
    logging.getLogger("kiosk.services.bill_payment").warning("printer answered late")

    assert runtime.heartbeat.beat_once() is True

    kiosk = fleet_entry(system.central_url, system.config.kiosk.id, system.admin_token)
    assert kiosk is not None
    assert kiosk["online"] is True
    assert kiosk["app_version"] == __version__
    assert kiosk["config_version"] == config_version(runtime)
    assert kiosk["devices"] == {"printer": {"state": "ok", "reason": None},
                                "payment": {"state": "ok", "reason": None},
                                "reader": {"state": "ok", "reason": None}}
    assert kiosk["outbox_depth"] == runtime.store.outbox.depth()
    free = shutil.disk_usage(system.config.kiosk.data_dir).free
    assert abs(kiosk["disk_free_bytes"] - free) < 512 * 2**20
    assert kiosk["last_error"] is not None and "printer answered late" in kiosk["last_error"]


def test_out_of_service_and_a_low_disk_reach_the_fleet(system):
    """GIVEN the loopback system switched out of service by a technician, and its disk
    guard, with a threshold above the disk's real free space, having checked once
    WHEN the runtime's heartbeat sender beats
    THEN central's fleet shows the kiosk out of service since the switch, low on disk,
    up since its start, with the packaged restart window and no nightly restart yet;
    and no longer uses the last error for being out of service."""
    runtime = system.runtime
    assert runtime.technician is not None and runtime.disk_guard is not None
    assert runtime.heartbeat is not None
    runtime.technician.out_of_service.set(True)
    switched_at = datetime.now().astimezone()
    runtime.disk_guard.min_free_bytes = shutil.disk_usage(system.config.kiosk.data_dir).free \
        + 2**30
    runtime.disk_guard.check_once()

    assert runtime.heartbeat.beat_once() is True

    kiosk = fleet_entry(system.central_url, system.config.kiosk.id, system.admin_token)
    assert kiosk is not None
    assert kiosk["out_of_service"] is True and kiosk["low_disk"] is True
    since = datetime.fromisoformat(kiosk["out_of_service_since"])
    assert abs(since - switched_at) < timedelta(seconds=5)
    assert datetime.fromisoformat(kiosk["up_since"]) < switched_at
    assert kiosk["restart_window"] == "03:00-04:00" and kiosk["last_restart_at"] is None
    assert "OUT OF SERVICE" not in (kiosk["last_error"] or "")


def test_a_device_fault_seen_by_the_watch_reaches_central(system):
    """GIVEN the printer simulator out of paper, seen by the device watch
    WHEN the sender beats
    THEN central's fleet shows the printer as fault with reason paper_out."""
    system.printer.set_fault("paper_out")
    system.runtime.services.watch.poll_once()
    assert system.runtime.heartbeat is not None
    assert system.runtime.heartbeat.beat_once() is True
    kiosk = fleet_entry(system.central_url, system.config.kiosk.id, system.admin_token)
    assert kiosk is not None
    assert kiosk["devices"]["printer"] == {"state": "fault", "reason": "paper_out"}


def test_a_dead_central_is_logged_once_per_outage_and_beats_resume(system, caplog):
    """GIVEN the loopback system whose central is stopped
    WHEN the sender beats three times, central restarts, and it beats again
    THEN the three failed beats return False without raising and log one warning; the
    next beat reaches central and says so once."""
    sender = system.runtime.heartbeat
    assert sender is not None
    system.central.stop()
    caplog.set_level(logging.INFO, logger="kiosk.sync.heartbeat")
    assert [sender.beat_once() for _ in range(3)] == [False, False, False]
    failures = [r for r in caplog.records
                if r.name == "kiosk.sync.heartbeat" and r.levelno >= logging.WARNING]
    assert len(failures) == 1
    assert "E_CENTRAL_UNAVAILABLE" in failures[0].getMessage()

    system.restart_central()
    assert sender.beat_once() is True
    assert fleet_entry(system.central_url, system.config.kiosk.id, system.admin_token) is not None
    assert any("again" in r.getMessage() for r in caplog.records
               if r.name == "kiosk.sync.heartbeat")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def sources(tmp_path: Path) -> HeartbeatSources:
    return HeartbeatSources(app_version="0.1.0", config_version=lambda: "local-test",
                            devices=dict, outbox_depth=lambda: 0, last_error=lambda: None,
                            data_dir=tmp_path)


def test_a_silent_central_costs_one_timeout_and_never_blocks_the_caller(tmp_path, silent_port):
    """GIVEN a central that accepts connections and never answers (timeout 0.3 s)
    WHEN the sender is started, beats in its thread, and is stopped
    THEN start() returns at once, a direct beat gives up within the timeout (False), and
    stop() ends the thread promptly."""
    client = CentralClient(f"http://127.0.0.1:{silent_port}", timeout_s=0.3,
                           kiosk_id="SH-CN-0009", clock=SystemClock("Asia/Shanghai"))
    sender = HeartbeatSender(client, sources(tmp_path), SystemClock("Asia/Shanghai"),
                             interval_s=0.05)
    try:
        started = time.monotonic()
        sender.start()
        assert time.monotonic() - started < 0.1
        assert sender.running
        began = time.monotonic()
        assert sender.beat_once() is False
        assert time.monotonic() - began < 2.0
    finally:
        assert sender.stop(timeout=PATIENCE_S) is True
        client.close()
    assert not sender.running


def test_sender_thread_keeps_beating_on_its_interval(tmp_path, central_url, keys):
    """GIVEN a sender with a 0.05 s interval against a live central
    WHEN it runs for a moment
    THEN central has the kiosk, and the sender counted several successful beats."""
    clock = SystemClock("Asia/Shanghai")
    client = CentralClient(central_url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S,
                           kiosk_id="SH-CN-0010", clock=clock, token=keys.credential("SH-CN-0010"))
    sender = HeartbeatSender(client, sources(tmp_path), clock, interval_s=0.05)
    sender.start()
    try:
        deadline = time.monotonic() + PATIENCE_S
        while sender.beats_sent < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        assert sender.stop(timeout=PATIENCE_S)
        client.close()
    assert sender.beats_sent >= 3
    assert fleet_entry(central_url, "SH-CN-0010", keys.admin_token) is not None


def test_a_kiosk_switched_off_shows_so_in_kiosk_admin_fleet(tmp_path, central_url, keys):
    """GIVEN a kiosk whose data folder holds the technician's out-of-service switch (set
    before this start, so it comes from the file), with a nightly restart window
    23:30-00:30 and a low disk, against central on SQLite or PostgreSQL
    WHEN its heartbeat sender beats and the operator runs `kiosk-admin fleet`
    THEN the kiosk's row says out of service since the switch was set and its disk LOW,
    the summary counts it, and the JSON carries the window and when it came up."""
    OutOfService(tmp_path).set(True)
    clock = SystemClock("Asia/Shanghai")
    switch = OutOfService(tmp_path)  # the kiosk's start: the switch is read from its file
    switched_at = switch.since
    assert switched_at is not None
    assert abs(switched_at - clock.now()) < timedelta(seconds=5)
    nightly = NightlyRestart(RestartWindow.parse("23:30-00:30"), tmp_path, clock,
                             min_uptime=timedelta(hours=1))
    sources = HeartbeatSources(
        app_version="0.1.0", config_version=lambda: "local-test", devices=dict,
        outbox_depth=lambda: 0, last_error=lambda: None, data_dir=tmp_path,
        out_of_service_since=lambda: switch.since,
        maintenance=lambda: MaintenanceState(up_since=nightly.up_since(),
                                             restart_window=str(nightly.window),
                                             last_restart_at=nightly.last_restart,
                                             low_disk=True))
    client = CentralClient(central_url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S,
                           kiosk_id="SH-CN-0011", clock=clock, token=keys.credential("SH-CN-0011"))
    try:
        assert HeartbeatSender(client, sources, clock, interval_s=60).beat_once() is True
    finally:
        client.close()

    out = io.StringIO()
    assert admin.main(["fleet", "--central", central_url], out=out) == 0
    [row] = [line for line in out.getvalue().splitlines() if line.startswith("SH-CN-0011")]
    assert f"out of service since {switched_at.astimezone(clock.zone):%m-%d %H:%M}" in row
    assert " LOW " in row
    assert out.getvalue().splitlines()[-1].endswith(", 1 out of service")
    out = io.StringIO()
    assert admin.main(["fleet", "--json", "--central", central_url], out=out) == 0
    entry = fleet_entry(central_url, "SH-CN-0011", keys.admin_token)
    assert entry is not None and entry["restart_window"] == "23:30-00:30"
    assert datetime.fromisoformat(entry["up_since"]) <= datetime.now().astimezone()
