"""The README's fleet path, followed exactly, as an admin and a technician run it: every
step a separate process through the console scripts in .venv/bin (`kiosk-central serve`,
`kiosk-admin enroll`, `kiosk enroll --token`, `kiosk-admin keys init`, `kiosk run`,
`kiosk-admin config push`, `kiosk-admin rollout status`, `kiosk-admin fleet`). Only the
printer and the payment terminal are simulators in this process (a kiosk needs devices
to pass the health check that follows an apply)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hardware.sim.payment import PaymentSimulator
from hardware.sim.printer import PrinterSimulator

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
KIOSK_ID = "SH-CN-E2E-01"
GROUP = "hongqiao"
DEADLINE_S = 60.0  # generous: two cores shared by parallel runs


def run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """One console-script command, as typed in a shell."""
    return subprocess.run([str(BIN / argv[0]), *argv[1:]], capture_output=True, text=True,
                          timeout=60, env=env)


def wait_for(condition: Callable[[], Any], what: str, timeout_s: float = DEADLINE_S) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


class Processes:
    """The long-running commands this test started, each stopped by its own pid."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *argv: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen([str(BIN / argv[0]), *argv[1:]], stdout=log,
                                stderr=subprocess.STDOUT)
        self.started[name] = proc
        return proc

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-4000:]

    def stop_all(self) -> None:
        for proc in self.started.values():
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc in self.started.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


@pytest.mark.long(11)
def test_enroll_push_apply_and_report_as_the_readme_says(tmp_path: Path,
                                                         processes: Processes) -> None:
    """GIVEN central started by `kiosk-central serve`, a kiosk enrolled by `kiosk-admin
    enroll` and `kiosk enroll --token` (its site file has no central.token, as the
    README has it), trusting the key of `kiosk-admin keys init`, and running (`kiosk run
    --headless`)
    WHEN the admin pushes a settings file to the kiosk's group with `kiosk-admin config
    push`, one of whose keys the kiosk's site file also sets
    THEN the kiosk fetches it with its enrolled credential, applies it and reports it:
    `kiosk-admin rollout status` shows it applied (the rollout completed) and names the
    key the site file overrides, and `kiosk-admin fleet` shows the kiosk on version 1
    with that key."""
    token_file, keys_dir = tmp_path / "admin-token", tmp_path / "admin-keys"
    ready = tmp_path / "central.json"
    central = processes.start(
        "central", "kiosk-central", "serve", "--db", f"sqlite:///{tmp_path / 'central.db'}",
        "--port", "0", "--ready-file", str(ready), "--admin-token-file", str(token_file),
        "--heartbeat-interval-s", "1")
    wait_for(lambda: ready.exists() or central.poll() is not None, "central to listen")
    assert central.poll() is None, processes.log("central")
    url = json.loads(ready.read_text())["url"]
    admin = ["--central", url, "--token-file", str(token_file)]
    env = {k: v for k, v in os.environ.items() if k not in ("KIOSK_ADMIN_TOKEN",
                                                           "KIOSK_CENTRAL_URL")}

    done = run("kiosk-admin", "enroll", KIOSK_ID, "--group", GROUP, *admin, env=env)
    assert done.returncode == 0, done.stderr
    enrollment_token = done.stdout.strip().splitlines()[0]

    with PrinterSimulator(tmp_path / "printer-jobs") as printer, \
            PaymentSimulator(step_delay_s=0.01) as payment:
        site = tmp_path / "site.toml"
        site_text = (
            f'[kiosk]\nid = "{KIOSK_ID}"\ndata_dir = "{tmp_path / "kiosk"}"\n'
            f'[central]\nurl = "{url}"\n'
            f'[printer]\nurl = "{printer.start_tcp()}"\n'
            f'[payment]\nurl = "{payment.start_pty()}"\n'
            f'[reader]\nurl = ""\n')
        site.write_text(site_text, encoding="utf-8")
        done = run("kiosk", "enroll", "--token", enrollment_token, "--config", str(site))
        assert done.returncode == 0, done.stderr
        assert "central.token" not in site.read_text()

        done = run("kiosk-admin", "keys", "init", "--dir", str(keys_dir))
        assert done.returncode == 0, done.stderr
        public_key = next(line.split(":", 1)[1].strip() for line in done.stdout.splitlines()
                          if line.startswith("public key:"))
        site.write_text(site_text + f'[sync]\nconfig_keys = ["{public_key}"]\n'
                        'config_poll_interval_s = 0.5\nheartbeat_interval_s = 0.5\n',
                        encoding="utf-8")

        kiosk = processes.start("kiosk", "kiosk", "run", "--headless", "--config", str(site))

        pushed = tmp_path / "push.toml"
        pushed.write_text('[kiosk]\nhotline = "962288"\n\n'
                          '[sync]\nconfig_poll_interval_s = 30\n', encoding="utf-8")
        done = run("kiosk-admin", "config", "push", str(pushed), "--target", f"group:{GROUP}",
                   "--dir", str(keys_dir), *admin, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.startswith(f"rollout 1: version 1 to group:{GROUP}, 1 kiosk(s)")

        def rollout() -> dict[str, Any] | None:
            assert kiosk.poll() is None, processes.log("kiosk")
            status = run("kiosk-admin", "rollout", "status", "--json", *admin, env=env)
            state: dict[str, Any] = json.loads(status.stdout)
            return state if state["kiosks"][0]["status"] == "applied" else None

        state = wait_for(rollout, "the kiosk to report version 1 applied")
        assert state["state"] == "completed", state
        assert state["kiosks"][0]["overridden"] == ["sync.config_poll_interval_s"]
        status = run("kiosk-admin", "rollout", "status", *admin, env=env)
        assert status.returncode == 0
        row = next(line for line in status.stdout.splitlines() if line.startswith(KIOSK_ID))
        assert "applied" in row and "sync.config_poll_interval_s" in row

        def fleet() -> dict[str, Any] | None:
            listed = run("kiosk-admin", "fleet", "--json", *admin, env=env)
            kiosks = json.loads(listed.stdout)["kiosks"]
            mine = [k for k in kiosks if k["kiosk_id"] == KIOSK_ID]
            return mine[0] if mine and mine[0]["config_version"] == "1" else None

        entry = wait_for(fleet, "the fleet to show config version 1")
        assert entry["group"] == GROUP and entry["config_overridden"] == [
            "sync.config_poll_interval_s"]
        table = run("kiosk-admin", "fleet", *admin, env=env).stdout
        assert "sync.config_poll_interval_s" in table
        assert kiosk.poll() is None, processes.log("kiosk")
