"""A software update of the kiosk, phase by phase, with real builds: two versions of the
kiosk's wheel built from this checkout, each a release of it and every dependency wheel,
signed; central on loopback (SQLite) serves 1.0.2 to a kiosk running 1.0.1. Prints the
seconds of download, verify, install beside, switch, and start-to-healthy of the new
version (`kiosk run --headless` until its trial is kept: devices, central and UI up),
and the size on disk of each kept release. Never passes or fails on time.

    .venv/bin/python bench/update.py [--work DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from central.admin_config import KEY_FILE, init_key, load_key
from central.db import make_engine, migrate
from central.enrollment import EnrollmentService
from kiosk.devtools.releases import build_wheel, dependency_wheels, release_folder
from kiosk.domain.clock import SystemClock
from kiosk.sync.release_client import ReleaseClient
from kiosk.sync.wire_config import key_id, public_key_text
from kiosk.update.agent import UpdateAgent
from kiosk.update.install import folder_size, install_beside
from kiosk.update.switch import Releases
from kiosk.update.wire import SignedRelease

KIOSK_ID = "SH-BENCH-01"
KIOSK_ADMIN = Path(sys.executable).parent / "kiosk-admin"


@contextlib.contextmanager
def served(name: str, home: Path, *argv: str) -> Iterator[dict[str, object]]:
    ready = home / f"{name}.ready.json"
    with (home / f"{name}.log").open("wb") as log:
        child = subprocess.Popen([sys.executable, *argv, "--ready-file", str(ready)],
                                 cwd=home, stdout=log, stderr=subprocess.STDOUT)
    try:
        while not ready.exists():
            if child.poll() is not None:
                raise SystemExit((home / f"{name}.log").read_text()[-2000:])
            time.sleep(0.05)
        yield json.loads(ready.read_text())
    finally:
        child.terminate()
        child.wait(timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, default=None,
                        help="keep the builds here (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        return run((args.work or Path(tmp)).resolve())


def run(work: Path) -> int:
    work.mkdir(parents=True, exist_ok=True)
    figures: dict[str, float] = {}
    key_path = work / "keys" / KEY_FILE
    if not key_path.exists():
        init_key(key_path)
    public = load_key(key_path).public_key()
    wheels = {v: build_wheel(v, work / "build") for v in ("1.0.1", "1.0.2")}
    deps = dependency_wheels(wheels["1.0.1"], work / "build" / "deps")
    folders = {v: release_folder(w, deps, work / f"release-{v}", key_path)
               for v, w in wheels.items()}
    releases = Releases(work / "opt-kiosk")
    signed = SignedRelease.model_validate_json((folders["1.0.1"] / "release.json").read_bytes())
    started = time.monotonic()
    install_beside(releases, signed, folders["1.0.1"])
    releases.first_install("1.0.1")
    figures["first install of 1.0.1"] = time.monotonic() - started

    home = work / "home"
    home.mkdir()
    db = f"sqlite:///{home / 'central.sqlite3'}"
    engine = make_engine(db)
    migrate(engine)
    enrollment = EnrollmentService(engine)
    admin_token = enrollment.create_admin_token("bench")
    credential = enrollment.issue_credential(KIOSK_ID, "bench")
    engine.dispose()
    with served("central", home, "-m", "central.cli", "serve", "--port", "0", "--db", db) \
            as central, \
            served("printer", home, "-m", "kiosk.cli", "sim", "printer", "--tcp",
                   "127.0.0.1:0", "--jobs-dir", str(home / "jobs")) as printer, \
            served("payment", home, "-m", "kiosk.cli", "sim", "payment", "--pty") as payment:
        url = str(central["url"])
        env = {**os.environ, "KIOSK_ADMIN_TOKEN": admin_token}
        started = time.monotonic()
        subprocess.run([str(KIOSK_ADMIN), "release", "push", str(folders["1.0.2"]),
                        "--target", f"kiosk:{KIOSK_ID}", "--central", url], env=env,
                       check=True, capture_output=True, timeout=600)
        figures["push (upload to central)"] = time.monotonic() - started

        client = ReleaseClient(url, timeout_s=30, kiosk_id=KIOSK_ID, token=credential,
                               clock=SystemClock())
        agent = UpdateAgent(releases, client, {key_id(public): public}, "1.0.1",
                            now=lambda: datetime.now(UTC))
        assert agent.round().state == "installed", releases.read_state()
        figures.update({f"{phase}": s for phase, s in agent.timings.items()})
        started = time.monotonic()
        assert agent.switch_if_ready()
        releases.guard()  # what runs before the new version's start
        figures["switch"] = time.monotonic() - started

        site = home / "site.toml"
        site.write_text(
            f'[kiosk]\nid = "{KIOSK_ID}"\ndata_dir = "{home / "data"}"\n'
            f'[central]\nurl = "{url}"\ntoken = "{credential}"\n'
            f'[printer]\nurl = "{printer["url"]}"\n[payment]\nurl = "{payment["url"]}"\n'
            f'[sync]\nconfig_keys = ["{public_key_text(public)}"]\n'
            f'[update]\nroot = "{releases.root}"\n', encoding="utf-8")
        started = time.monotonic()
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "VIRTUAL_ENV", "NOTIFY_SOCKET")}
        env.update(HOME=str(home), DISPLAY="", KIOSK_CACHE_DIR=str(home / "cache"))
        with (home / "kiosk.log").open("wb") as log:
            kiosk = subprocess.Popen([str(releases.current_link / "venv/bin/kiosk"), "run",
                                      "--headless", "--config", str(site)], cwd=home, env=env,
                                     stdout=log, stderr=subprocess.STDOUT)
        try:
            while releases.read_state().state == "trial":
                if kiosk.poll() is not None or time.monotonic() - started > 300:
                    raise SystemExit((home / "kiosk.log").read_text()[-3000:])
                time.sleep(0.1)
            figures["start of 1.0.2 until healthy (kept)"] = time.monotonic() - started
        finally:
            kiosk.terminate()
            kiosk.wait(timeout=30)
    print(f"\nupdate 1.0.1 -> 1.0.2: {releases.read_state().state}")
    for phase, seconds in figures.items():
        print(f"  {phase:<40} {seconds:8.3f} s")
    total = sum(os.path.getsize(p) for p in folders["1.0.2"].glob("*.whl"))
    print(f"  {'release download (wheels)':<40} {total / 2**20:7.1f} MB")
    for version in releases.installed_versions():
        size = folder_size(releases.release_dir(version))
        print(f"  {'on disk: releases/' + version:<40} {size / 2**20:7.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
