"""Software updates end to end with real built versions of the kiosk (docs/operations.md
#software-updates): three wheels built from copies of the tracked files (1.0.1, 1.0.2, and
a 1.0.3 whose UI never reports ready), each a release of that wheel and every dependency
wheel, signed with kiosk-admin's key. The kiosk runs from ROOT/current/venv under a small
supervisor that plays systemd's part (the guard before each start, Restart=always);
central, the simulators and kiosk-admin run from the repository's venv, over HTTP.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from central.admin_config import KEY_FILE, init_key, load_key
from kiosk.devtools.releases import REPO, build_wheel, dependency_wheels, release_folder
from kiosk.sync.wire_config import public_key_text
from kiosk.update.install import folder_size, install_beside
from kiosk.update.switch import Releases
from kiosk.update.wire import SignedRelease

# long: three wheels built, three releases installed, four kiosk starts (about 4 min idle).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500), pytest.mark.long(240)]

KIOSK_ID = "SH-UP-0001"
VERSIONS = ("1.0.1", "1.0.2", "1.0.3")
BROKEN = "1.0.3"  # its UI never says READY: the trial's health check fails
SWITCH = REPO / "kiosk" / "update" / "switch.py"  # the guard, run as a script
WAIT_S = 300.0
KIOSK_ADMIN = Path(sys.executable).parent / "kiosk-admin"


def _timed(timings: dict[str, float], name: str, started: float) -> None:
    timings[name] = time.monotonic() - started
    print(f"  {name}: {timings[name]:.1f} s", flush=True)


def _never_ready(source: Path) -> None:
    """1.0.3's bug: the UI's READY never reaches the trial's health check."""
    wiring = source / "kiosk" / "bootstrap_agents.py"  # where ReadyWitness lives
    text = wiring.read_text()
    assert "        self.ui_up.set()\n" in text
    wiring.write_text(text.replace("        self.ui_up.set()\n", "        pass\n"))


@dataclass
class Built:
    root: Path
    keys: Path
    releases: dict[str, Path]  # version -> folder of its signed release
    timings: dict[str, float] = field(default_factory=dict)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Three signed releases, built once for the module."""
    root = tmp_path_factory.mktemp("update-e2e")
    timings: dict[str, float] = {}
    keys = root / "admin-keys"
    init_key(keys / KEY_FILE)
    started = time.monotonic()
    wheels = {version: build_wheel(version, root, _never_ready if version == BROKEN else None)
              for version in VERSIONS}
    _timed(timings, "build 3 wheels", started)
    started = time.monotonic()
    deps = dependency_wheels(wheels[VERSIONS[0]], root / "deps")
    _timed(timings, "download dependency wheels", started)
    releases = {version: release_folder(wheel, deps, root / f"release-{version}",
                                        keys / KEY_FILE, note=f"test {version}")
                for version, wheel in wheels.items()}
    return Built(root, keys, releases, timings)


@contextlib.contextmanager
def served(name: str, home: Path, *argv: str) -> Iterator[dict[str, object]]:
    ready = home / f"{name}.ready.json"
    with (home / f"{name}.log").open("wb") as log:
        child = subprocess.Popen([sys.executable, *argv, "--ready-file", str(ready)],
                                 cwd=home, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert child.poll() is None and time.monotonic() < deadline, \
                (home / f"{name}.log").read_text()[-3000:]
            time.sleep(0.05)
        yield json.loads(ready.read_text())
    finally:
        child.terminate()
        child.wait(timeout=20)


class Supervisor:
    """systemd's part: run the guard, start ROOT/current/venv/bin/kiosk, start it again
    whenever it ends (Restart=always), until stopped. Logs which version each start ran."""

    def __init__(self, root: Path, site: Path, home: Path) -> None:
        self.root, self.site, self.home = root, site, home
        self.started: list[str] = []
        self.child: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "KIOSK_CONFIG",
                                 "NOTIFY_SOCKET")}
        self.env.update(HOME=str(home), DISPLAY="", KIOSK_CACHE_DIR=str(home / "cache"),
                        ESCPOS_CAPABILITIES_PICKLE_DIR=str(home / "cache" / "escpos"))

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            subprocess.run([sys.executable, str(SWITCH), "guard", str(self.root)],
                           check=True, timeout=30)
            version = Path(os.readlink(self.root / "current")).name
            self.started.append(version)
            with (self.home / "kiosk.log").open("ab") as log:
                log.write(f"\n=== supervisor starts {version}\n".encode())
                log.flush()
                self.child = subprocess.Popen(
                    [str(self.root / "current" / "venv" / "bin" / "kiosk"), "run",
                     "--headless", "--config", str(self.site)],
                    cwd=self.home, env=self.env, stdout=log, stderr=subprocess.STDOUT)
            self.child.wait()
            time.sleep(0.5)  # RestartSec

    def stop(self) -> None:
        self._stop.set()
        if self.child is not None and self.child.poll() is None:
            self.child.terminate()
            self.child.wait(timeout=30)
        self._thread.join(timeout=30)

    def runs(self, version: str) -> Callable[[], bool]:
        """Whether the latest start ran ``version`` and its process is alive."""
        def check() -> bool:
            child = self.child
            return bool(self.started) and self.started[-1] == version and \
                child is not None and child.poll() is None
        return check

    def kill(self) -> None:
        """SIGKILL the running kiosk (a power cut for the process): systemd's part
        starts it again, after the guard."""
        if self.child is not None and self.child.poll() is None:
            self.child.kill()

    def log_tail(self) -> str:
        return (self.home / "kiosk.log").read_text(errors="replace")[-4000:]


def wait_for(what: str, check: Callable[[], bool], supervisor: Supervisor) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        assert time.monotonic() < deadline, f"{what}: {supervisor.log_tail()}"
        time.sleep(0.5)


def test_a_kiosk_updates_itself_keeps_a_healthy_version_and_rolls_back_a_broken_one(
        built: Built, tmp_path: Path) -> None:
    """GIVEN a kiosk running 1.0.1 from its software root under a supervisor, central
    and the device simulators
    WHEN the admin pushes 1.0.2 (its first start on trial killed at once), then 1.0.3
    whose UI never comes up
    THEN the kiosk installs 1.0.2 beside, switches between sessions, starts it again
    after the kill and keeps it (the rollout completes); it installs 1.0.3, starts it,
    and at the health deadline switches back to 1.0.2, which starts and reports why
    (the rollout halts with the reason); the fleet shows 1.0.2 and the rolled-back
    state."""
    timings = built.timings
    home, root = tmp_path, tmp_path / "opt-kiosk"
    admin_env = {**os.environ, "KIOSK_ADMIN_KEYS": str(built.keys)}
    releases = Releases(root)
    first = json.loads((built.releases["1.0.1"] / "release.json").read_text())
    started = time.monotonic()
    install_beside(releases, SignedRelease.model_validate(first), built.releases["1.0.1"])
    releases.first_install("1.0.1")
    _timed(timings, "first install of 1.0.1 (venv + every wheel)", started)

    with served("central", home, "-m", "central.cli", "serve", "--host", "127.0.0.1",
                "--port", "0", "--db", f"sqlite:///{home / 'central.sqlite3'}",
                "--admin-token-file", str(home / "admin-token")) as central, \
            served("printer", home, "-m", "kiosk.cli", "sim", "printer", "--tcp",
                   "127.0.0.1:0", "--jobs-dir", str(home / "printer-jobs")) as printer, \
            served("payment", home, "-m", "kiosk.cli", "sim", "payment", "--pty") as payment:
        url = str(central["url"])
        admin_env["KIOSK_ADMIN_TOKEN"] = (home / "admin-token").read_text().strip()

        def admin(*argv: str, check: bool = True) -> str:
            done = subprocess.run([str(KIOSK_ADMIN), *argv,
                                   "--central", url], env=admin_env, capture_output=True,
                                  text=True, timeout=600, cwd=home)
            assert done.returncode == 0 or not check, done.stdout + done.stderr
            return done.stdout

        site = home / "site.toml"
        public = public_key_text(load_key(built.keys / KEY_FILE).public_key())
        site.write_text(
            f'[kiosk]\nid = "{KIOSK_ID}"\ndata_dir = "{home / "kiosk-data"}"\n'
            f'[central]\nurl = "{url}"\n[printer]\nurl = "{printer["url"]}"\n'
            f'[payment]\nurl = "{payment["url"]}"\n'
            f'[sync]\nconfig_keys = ["{public}"]\nheartbeat_interval_s = 2.0\n'
            f'[update]\nroot = "{root}"\npoll_interval_s = 2.0\nhealth_deadline_s = 20.0\n',
            encoding="utf-8")
        token = admin("enroll", KIOSK_ID, "--group", "e2e").strip().splitlines()[0]
        enrolled = subprocess.run(
            [str(root / "current" / "venv" / "bin" / "kiosk"), "enroll", "--token", token,
             "--config", str(site)], capture_output=True, text=True, timeout=60, cwd=home)
        assert enrolled.returncode == 0, enrolled.stdout + enrolled.stderr

        supervisor = Supervisor(root, site, home)
        supervisor.start()
        try:
            # --- 1.0.2: installed beside, switched to, kept ---------------------------------
            started = time.monotonic()
            admin("release", "push", str(built.releases["1.0.2"]), "--target",
                  f"kiosk:{KIOSK_ID}")
            _timed(timings, "push 1.0.2 to central (upload)", started)
            started = time.monotonic()
            wait_for("1.0.2 installed", lambda: releases.is_installed("1.0.2"), supervisor)
            _timed(timings, "1.0.2 download, verify, install beside", started)
            started = time.monotonic()
            wait_for("1.0.2 on trial", lambda: releases.current_version() == "1.0.2",
                     supervisor)
            _timed(timings, "switch between sessions", started)
            # Killed at once in its first start on trial: the next start (after the
            # guard) runs 1.0.2 again, which then keeps itself.
            wait_for("1.0.2 started", supervisor.runs("1.0.2"), supervisor)
            killed = releases.read_state().state == "trial"
            supervisor.kill()
            started = time.monotonic()
            wait_for("1.0.2 kept", lambda: releases.read_state().state == "kept",
                     supervisor)
            _timed(timings, "start 1.0.2 and its health check", started)
            if killed:
                assert supervisor.started.count("1.0.2") >= 2
            wait_for("1.0.2 reported", lambda: '"completed"' in admin(
                "release", "status", "--json"), supervisor)
            assert releases.read_state().version == "1.0.2"
            sizes = {v: folder_size(releases.release_dir(v)) for v in ("1.0.1", "1.0.2")}

            # --- 1.0.3: its UI never comes up; switched back to 1.0.2 -----------------------
            admin("release", "push", str(built.releases["1.0.3"]), "--target",
                  f"kiosk:{KIOSK_ID}")
            wait_for("1.0.3 on trial", lambda: releases.current_version() == "1.0.3",
                     supervisor)
            started = time.monotonic()
            wait_for("1.0.3 rolled back", lambda: releases.read_state().state ==
                     "rolled_back" and releases.current_version() == "1.0.2", supervisor)
            _timed(timings, "1.0.3 trial until the switch back", started)
            wait_for("the rollback reported", lambda: "halted" in admin(
                "release", "status", check=False), supervisor)
            status = admin("release", "status", check=False)
            assert "UI not up" in status and "rolled_back" in status, status
            wait_for("1.0.2 runs again", lambda: supervisor.started[-1] == "1.0.2",
                     supervisor)
            wait_for("the fleet shows it", lambda: "1.0.2 (rolled_back)" in admin("fleet"),
                     supervisor)
        finally:
            supervisor.stop()
    assert supervisor.started[:2] == ["1.0.1", "1.0.2"]
    assert [v for i, v in enumerate(supervisor.started)
            if i == 0 or v != supervisor.started[i - 1]][:4] == \
        ["1.0.1", "1.0.2", "1.0.3", "1.0.2"]
    assert supervisor.started[-1] == "1.0.2"
    for version, size in sizes.items():
        print(f"  size on disk of release {version}: {size / 2**20:.0f} MB")
    print("timings: " + json.dumps({k: round(v, 1) for k, v in timings.items()}))
