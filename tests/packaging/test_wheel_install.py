"""The kiosk as a fleet image gets it: the built wheel installed into a fresh venv outside
the repository with its dependencies pinned by constraints.txt, and run from elsewhere,
with no checkout on any path (docs/operations.md#installing-from-a-wheel)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.patience import PATIENCE_S

# The first test of a run builds and installs (about half a minute here, most of it pip
# fetching the dependencies), then runs its command: more than the suite's 120 s may pass
# on a loaded machine.
# long: the module's build and install (about 30 s) spread over its tests for scheduling.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(480), pytest.mark.long(5)]

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("kiosk", "hardware", "central")
# A server's first start from the fresh venv (imports, migrations, seed) took over 30 s at
# load 12; waiting longer never slows a passing test.
READY_TIMEOUT_S = 4 * PATIENCE_S


def project_version() -> str:
    return str(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"])


def tracked_package_files() -> list[str]:
    """The packages' files as a clean clone has them (no caches, no local leftovers)."""
    listed = subprocess.run(["git", "ls-files", "-z", *PACKAGES], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout
    return [name for name in listed.split("\0") if name and (REPO / name).is_file()]


@dataclass(frozen=True)
class Installed:
    """The wheel installed in its own venv; commands run from ``home`` (the test's own
    folder, outside the repository) with none of it on PYTHONPATH, caches of their own."""

    wheel: Path
    venv: Path
    home: Path
    env: dict[str, str]

    def run(self, command: str, *args: str, timeout: float = 60
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.venv / "bin" / command), *args], cwd=self.home,
                              env=self.env, capture_output=True, text=True, timeout=timeout)


def _build_and_install(root: Path) -> None:
    source = root / "source"  # built from a copy: the build leaves build/ and egg-info
    for name in ["pyproject.toml", "README.md", *tracked_package_files()]:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "--disable-pip-version-check", "-w", str(root / "dist"), str(source)],
                   check=True, cwd=root, timeout=300)
    (wheel,) = (root / "dist").glob("*.whl")
    built = time.monotonic()
    venv.create(root / "venv", with_pip=True)
    pip_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    subprocess.run([str(root / "venv" / "bin" / "python"), "-m", "pip", "install", "-q",
                    "--no-compile", "--disable-pip-version-check",
                    "-c", str(REPO / "constraints.txt"), str(wheel)],
                   check=True, cwd=root, env=pip_env, timeout=600)
    print(f"\nwheel built in {built - started:.1f} s, venv with its dependencies installed "
          f"in {time.monotonic() - built:.1f} s")


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built and installed once per run: the test workers (pytest-xdist) share the run's
    temporary folder, and the first one to take the lock builds for all."""
    run_dir = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_dir = run_dir.parent  # each worker's folder is inside the run's
    root = run_dir / "wheel-install"
    assert not root.resolve().is_relative_to(REPO)
    with (run_dir / "wheel-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "installed").exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            _build_and_install(root)
            (root / "installed").touch()
    return root


@pytest.fixture
def installed(installation: Path, tmp_path: Path) -> Installed:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "KIOSK_CONFIG")}
    env.update(HOME=str(tmp_path), DISPLAY="", KIOSK_CACHE_DIR=str(tmp_path / "cache"),
               ESCPOS_CAPABILITIES_PICKLE_DIR=str(tmp_path / "cache" / "escpos"),
               PATH=f"{installation / 'venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    (wheel,) = (installation / "dist").glob("*.whl")
    return Installed(wheel=wheel, venv=installation / "venv", home=tmp_path, env=env)


@contextlib.contextmanager
def started(installed: Installed, name: str, *argv: str) -> Iterator[dict[str, object]]:
    """One of the wheel's commands as a server, until its --ready-file says where."""
    ready = installed.home / f"{name}.ready.json"
    with (installed.home / f"{name}.log").open("wb") as log:
        child = subprocess.Popen([str(installed.venv / "bin" / argv[0]), *argv[1:],
                                  "--ready-file", str(ready)], cwd=installed.home,
                                 env=installed.env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not ready.exists():
            assert child.poll() is None and time.monotonic() < deadline, \
                (installed.home / f"{name}.log").read_text()
            time.sleep(0.05)
        yield json.loads(ready.read_text())
    finally:
        child.terminate()
        try:
            child.wait(timeout=PATIENCE_S)
        except subprocess.TimeoutExpired:  # still starting: its own failure is the one to see
            child.kill()
            child.wait()


def run_until_ready(installed: Installed, site: Path) -> None:
    """`kiosk run --headless` from the wheel, as kiosk.service runs it, until READY=1
    (the attract screen takes touches), then stopped as systemd stops it."""
    address = installed.home / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(address))
        notify.settimeout(READY_TIMEOUT_S * 2)
        with (installed.home / "kiosk-run.log").open("wb") as log:
            kiosk = subprocess.Popen(
                [str(installed.venv / "bin" / "kiosk"), "run", "--headless", "--config",
                 str(site)], cwd=installed.home, env={**installed.env,
                                                      "NOTIFY_SOCKET": str(address)},
                stdout=log, stderr=subprocess.STDOUT)
        try:
            while b"READY=1" not in notify.recv(4096).split(b"\n"):
                pass
        finally:
            kiosk.terminate()
            status = kiosk.wait(timeout=30)
    assert status == 0, (installed.home / "kiosk-run.log").read_text(errors="replace")[-3000:]


def test_the_wheel_carries_every_file_of_the_packages(installed: Installed) -> None:
    """GIVEN the wheel built from the repository's tracked files
    WHEN its contents are listed
    THEN every file of kiosk/, hardware/ and central/ is in it (code, settings, catalogs,
    kv layouts, migration templates), and none from outside the three packages."""
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = {n for n in wheel.namelist() if ".dist-info/" not in n}
    tracked = set(tracked_package_files())
    assert tracked - names == set()
    assert {n for n in names if n.split("/")[0] not in PACKAGES} == set()
    assert any(n.endswith("default.toml") for n in names)
    assert sum(n.endswith("/LC_MESSAGES/kiosk.po") for n in names) == 8


def test_the_installed_code_and_its_data_come_from_the_venv(installed: Installed) -> None:
    """GIVEN the installed wheel
    WHEN its interpreter imports the three packages from a folder outside the repository
    and translates a message
    THEN each package comes from the venv's site-packages, and the Korean catalog (a
    .po shipped in the wheel, compiled into this run's own cache) translates it."""
    code = ("import kiosk, hardware, central\n"
            "from kiosk.i18n import Catalogs\n"
            "print(kiosk.__file__, hardware.__file__, central.__file__)\n"
            "print(Catalogs().gettext('ko', 'Try again'))\n")
    done = installed.run("python", "-c", code)
    assert done.returncode == 0, done.stderr
    files, translated = done.stdout.splitlines()
    site_packages = installed.venv / "lib"
    assert all(Path(f).is_relative_to(site_packages) for f in files.split())
    assert translated == "다시 시도"


@pytest.mark.parametrize("command", ["kiosk", "kiosk-central", "kiosk-admin"])
def test_each_command_tells_its_version(installed: Installed, command: str) -> None:
    """GIVEN the installed wheel
    WHEN `COMMAND --version` runs
    THEN it prints the command's name and the distribution's version, and exits 0."""
    done = installed.run(command, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{command} {project_version()}"


def test_kiosk_config_shows_the_packaged_defaults(installed: Installed) -> None:
    """GIVEN the installed wheel and no site file
    WHEN `kiosk config` runs outside the repository
    THEN it exits 0 and prints the packaged defaults: the kiosk id, 8 languages and the
    billers."""
    done = installed.run("kiosk", "config")
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    assert config["kiosk"]["id"] == "SH-CN-0001" and len(config["kiosk"]["languages"]) == 8
    assert "sh-water" in {b["id"] for b in config["billers"]}


def test_kiosk_diag_reaches_the_wheels_simulators_and_central(installed: Installed) -> None:
    """GIVEN central and the three device simulators, each started from the wheel's
    commands, a site file naming them, and `kiosk run --headless` from the wheel started
    on it (as its unit starts it) until it told its notify socket READY=1, then stopped
    WHEN `kiosk diag --json` runs
    THEN it exits 0: every device ok, the local store the kiosk made (the packaged
    migrations) passes its integrity check, central answers with the same version, and
    the report names the kiosk's version."""
    home = installed.home
    with started(installed, "central", "kiosk-central", "serve", "--host", "127.0.0.1",
                 "--port", "0", "--db", f"sqlite:///{home / 'central.sqlite3'}") as central, \
            started(installed, "printer", "kiosk", "sim", "printer", "--tcp", "127.0.0.1:0",
                    "--jobs-dir", str(home / "printer-jobs")) as printer, \
            started(installed, "payment", "kiosk", "sim", "payment", "--pty") as payment, \
            started(installed, "reader", "kiosk", "sim", "reader", "--pty") as reader:
        site = home / "site.toml"
        site.write_text(
            f'[kiosk]\ndata_dir = "{home / "kiosk-data"}"\n'
            f'[central]\nurl = "{central["url"]}"\n[printer]\nurl = "{printer["url"]}"\n'
            f'[payment]\nurl = "{payment["url"]}"\n[reader]\nurl = "{reader["url"]}"\n',
            encoding="utf-8")
        run_until_ready(installed, site)
        done = installed.run("kiosk", "diag", "--json", "--config", str(site))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["ok"] and report["problems"] == []
    assert {name: device["health"] for name, device in report["devices"].items()} == \
        {"printer": "ok", "payment": "ok", "reader": "ok"}
    assert report["store"]["integrity"] == "ok"
    assert report["central"]["reachable"] and report["central"]["version"] == project_version()
    assert report["kiosk"]["version"] == project_version()


def test_the_headless_demo_pays_a_bill_from_the_wheel(installed: Installed) -> None:
    """GIVEN the installed wheel
    WHEN `kiosk demo --headless --lang zh-Hans` runs outside the repository
    THEN it exits 0, walked the 8 screens, printed the receipt (biller, account, amount,
    masked card, reference) and central recorded the payment."""
    out, data = installed.home / "demo-out", installed.home / "demo-data"
    done = installed.run("kiosk", "demo", "--headless", "--out", str(out), "--data", str(data),
                         "--lang", "zh-Hans", timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["receipt_printed"] and summary["central_recorded"]
    assert len(summary["screens"]) == 8
    receipt = (out / "receipt.txt").read_text(encoding="utf-8")
    for expected in ("上海城投水务", "3100012345", "¥128.96", "622848******1234",
                     summary["reference"], "授权码"):
        assert expected in receipt


def test_kiosk_install_from_the_wheel_lays_out_the_packaged_site_file(installed: Installed) -> None:
    """GIVEN the installed wheel
    WHEN `kiosk install --root ROOT` runs from it
    THEN it finds its packaged example site file and units (no checkout to read them
    from): the site file is the example, and the kiosk unit starts this venv's kiosk."""
    root = installed.home / "root"
    done = installed.run("kiosk", "install", "--root", str(root),
                         "--venv", str(installed.venv))
    assert done.returncode == 0, done.stdout + done.stderr
    example = REPO / "kiosk/data/config/site.example.toml"
    assert (root / "etc/kiosk/site.toml").read_text(encoding="utf-8") == example.read_text(
        encoding="utf-8")
    unit = (root / "etc/systemd/system/kiosk.service").read_text(encoding="utf-8")
    assert f"ExecStart={installed.venv}/bin/kiosk" in unit
