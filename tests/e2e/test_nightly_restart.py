"""The nightly restart of a real `kiosk run --headless` process: inside its restart window
and resting on the attract screen it ends by itself with exit status 0 (what systemd's
Restart=always starts again), says why in its log, and the process that replaces it
does not restart again in the same window."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.services.maintenance import RESTART_MARKER_FILE

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
DEADLINE_S = 90.0  # generous: two cores shared by parallel runs
CHECK_S = 2.0  # maintenance.restart_check_s: the default 15 s would be 45 s of waiting


def window_around_now() -> str:
    """A restart window from a few minutes ago to an hour from now, Shanghai time."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    return f"{now - timedelta(minutes=5):%H:%M}-{now + timedelta(hours=1):%H:%M}"


def site_file(tmp_path: Path, window: str) -> Path:
    """No central, printer or terminal listening: the kiosk runs (its services greyed)."""
    site = tmp_path / "site.toml"
    site.write_text(f"""
[kiosk]
data_dir = "{tmp_path / 'data'}"
[central]
url = "http://127.0.0.1:9"
[printer]
url = "tcp://127.0.0.1:9"
[payment]
url = "socket://127.0.0.1:9"
[maintenance]
restart_window = "{window}"
restart_min_uptime_s = 0
restart_check_s = {CHECK_S}
""", encoding="utf-8")
    return site


def start_kiosk(site: Path, log: Path, notify: Path | None = None) -> subprocess.Popen[bytes]:
    env = {name: value for name, value in os.environ.items() if name != "NOTIFY_SOCKET"}
    if notify is not None:
        env["NOTIFY_SOCKET"] = str(notify)
    with log.open("wb") as out:
        return subprocess.Popen([str(BIN / "kiosk"), "run", "--headless", "--config", str(site)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_ready(notify: socket.socket) -> None:
    while notify.recv(4096) != b"READY=1":
        pass


@pytest.mark.long(20)
def test_a_resting_kiosk_inside_its_window_restarts_once(tmp_path: Path) -> None:
    """GIVEN `kiosk run --headless` with a restart window around now and no minimum
    uptime, nobody using it
    WHEN it has rested on the attract screen for a check interval
    THEN it exits by itself with status 0, its log has the INFO line with the window, and
    the restart's time is in the data folder; the kiosk started again on the same folder
    takes touches and is still running two check intervals later (once per window)."""
    window = window_around_now()
    site = site_file(tmp_path, window)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(DEADLINE_S)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    second: subprocess.Popen[bytes] | None = None
    try:
        began = time.monotonic()
        first = start_kiosk(site, first_log)
        try:
            status = first.wait(DEADLINE_S)
            print(f"kiosk ended by its nightly restart {time.monotonic() - began:.1f} s "
                  "after start")
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        log = first_log.read_text(errors="replace")
        assert status == 0, log[-3000:]
        line = next((ln for ln in log.splitlines() if "nightly restart:" in ln), None)
        assert line is not None, log[-3000:]
        assert "INFO" in line and f"restart window {window}" in line
        assert (tmp_path / "data" / RESTART_MARKER_FILE).exists()

        second = start_kiosk(site, second_log, tmp_path / "notify")
        wait_ready(notify)
        time.sleep(2 * CHECK_S + 1)
        assert second.poll() is None, second_log.read_text(errors="replace")[-3000:]
    finally:
        if second is not None and second.poll() is None:
            second.send_signal(signal.SIGTERM)
            try:
                second.wait(20)
            except subprocess.TimeoutExpired:
                second.kill()
                second.wait()
        notify.close()
    assert "nightly restart:" not in second_log.read_text(errors="replace")
