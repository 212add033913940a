"""`kiosk install` into a staging root (--root, like DESTDIR): the machine's layout, the
units as systemd itself checks them, idempotence, and the dry run."""

from __future__ import annotations

import fnmatch
import os
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from unittest import mock

import pytest

from kiosk.cli import main
from kiosk.config import load_config

ROOT = Path(__file__).resolve().parents[3]
VENV = Path(sys.prefix)
UNITS = ("kiosk.service", "kiosk-display.service", "kiosk-central.service")


def install(root: Path, *extra: str) -> list[str]:
    """Run `kiosk install --root ROOT`; its report, a line each."""
    done = subprocess.run([str(VENV / "bin" / "kiosk"), "install", "--root", str(root),
                           "--venv", str(VENV), *extra],
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stderr == ""
    return done.stdout.splitlines()


def unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file as systemd reads it: each section's keys, each key's values in order."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, value = line.split("=", 1)
        current.setdefault(key, []).append(value)
    return sections


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_lays_out_a_kiosk_machine(tmp_path: Path) -> None:
    """GIVEN an empty staging root
    WHEN `kiosk install --root ROOT` runs
    THEN the site file is the packaged example (a valid config whose data folder is the
    one systemd gives the kiosk), /var/lib/kiosk is 0700, the session scripts are
    executable, the kiosk and display units are there (central's is not: not asked for),
    the user is skipped with a word, and the next steps name the units to enable."""
    root = tmp_path / "root"
    report = install(root)
    site = root / "etc/kiosk/site.toml"
    example = ROOT / "kiosk/data/config/site.example.toml"
    assert site.read_text(encoding="utf-8") == example.read_text(encoding="utf-8")
    assert mode(site) == 0o640
    assert load_config(site).kiosk.data_dir == Path("/var/lib/kiosk")
    assert unit(root / "etc/systemd/system/kiosk.service")["Service"]["StateDirectory"] == [
        "kiosk"]
    assert mode(root / "var/lib/kiosk") == 0o700
    for script in ("kiosk-xsession", "kiosk-wait-display"):
        assert mode(root / "usr/local/lib/kiosk" / script) == 0o755
    assert (root / "etc/pam.d/kiosk-display").exists()
    assert "DontVTSwitch" in (root / "etc/X11/xorg.conf.d/50-kiosk.conf").read_text()
    assert sorted(p.name for p in (root / "etc/systemd/system").iterdir()) == [
        "kiosk-display.service", "kiosk.service"]
    assert not (root / "etc/kiosk/central.env").exists()
    assert any(line.startswith("  skipped system user kiosk ") for line in report)
    assert any("systemctl enable --now kiosk-display.service kiosk.service" in line
               for line in report)


def test_the_kiosk_unit_is_supervised_as_the_issue_asks(tmp_path: Path) -> None:
    """GIVEN the installed kiosk unit
    WHEN its settings are read
    THEN it is Type=notify with the main process's notifications and a watchdog, always
    restarted, runs this venv's kiosk as the kiosk user with the serial ports, and starts
    after the display it needs, waiting for its window manager first."""
    root = tmp_path / "root"
    install(root)
    kiosk = unit(root / "etc/systemd/system/kiosk.service")
    service = kiosk["Service"]
    assert service["Type"] == ["notify"] and service["NotifyAccess"] == ["main"]
    assert service["WatchdogSec"] == ["30s"] and service["Restart"] == ["always"]
    assert service["User"] == ["kiosk"]
    assert "dialout" in service["SupplementaryGroups"][0].split()
    assert service["ExecStart"] == [f"{VENV}/bin/kiosk run --config /etc/kiosk/site.toml"]
    assert service["ExecStartPre"] == ["/usr/local/lib/kiosk/kiosk-wait-display 60"]
    assert "DISPLAY=:0" in service["Environment"]
    assert "kiosk-display.service" in kiosk["Unit"]["Requires"][0].split()
    assert "kiosk-display.service" in kiosk["Unit"]["After"][0].split()
    display = unit(root / "etc/systemd/system/kiosk-display.service")
    assert display["Service"]["ExecStart"][0].startswith(
        "/usr/bin/xinit /usr/local/lib/kiosk/kiosk-xsession -- /usr/bin/Xorg :0 vt1 ")
    # Without -noreset a probe leaving as matchbox connects drops matchbox (and the session).
    assert "-noreset" in display["Service"]["ExecStart"][0].split()
    assert display["Unit"]["Conflicts"] == ["getty@tty1.service"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_finds_nothing_to_say_about_the_units(tmp_path: Path) -> None:
    """GIVEN the units installed with central and a software root (the kiosk unit's
    drop-in) into a staging root that also holds what a Debian machine has there
    (systemd's own units, xinit), this venv's commands and a current release's kiosk
    WHEN `systemd-analyze verify --root ROOT` checks them
    THEN it exits 0 and prints nothing: no unknown key, no bad value, no missing command
    or unit."""
    root = tmp_path / "root"
    install(root, "--with-central", "--software-root", "/opt/kiosk")
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    release_bin = root / "opt/kiosk/current/venv/bin"
    release_bin.mkdir(parents=True)
    shutil.copy2(VENV / "bin" / "kiosk", release_bin / "kiosk")
    xinit = shutil.which("xinit")
    assert xinit is not None, "xinit is missing: ./setup.sh installs it"
    for command in (Path(xinit), VENV / "bin" / "kiosk", VENV / "bin" / "kiosk-central"):
        staged = root / str(command).lstrip("/")
        staged.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(command, staged)
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", "--generators=no", f"--root={root}",
         *(f"/etc/systemd/system/{name}" for name in UNITS)],
        capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_a_second_install_changes_nothing_and_keeps_the_sites_files(tmp_path: Path) -> None:
    """GIVEN an installed root whose site file and central settings the site edited, and
    whose kiosk unit someone changed by hand
    WHEN `kiosk install --with-central` runs again
    THEN the site's files are kept as they are, the unit is brought back, and everything
    else is reported unchanged."""
    root = tmp_path / "root"
    install(root, "--with-central")
    site = root / "etc/kiosk/site.toml"
    site.write_text('[kiosk]\nid = "SH-CN-0077"\n', encoding="utf-8")
    central_env = root / "etc/kiosk/central.env"
    central_env.write_text("CENTRAL_PORT=8800\n", encoding="utf-8")
    kiosk_unit = root / "etc/systemd/system/kiosk.service"
    packaged = kiosk_unit.read_text(encoding="utf-8")
    kiosk_unit.write_text(packaged.replace("WatchdogSec=30s", "WatchdogSec=0"),
                          encoding="utf-8")
    report = install(root, "--with-central")
    assert site.read_text(encoding="utf-8") == '[kiosk]\nid = "SH-CN-0077"\n'
    assert central_env.read_text(encoding="utf-8") == "CENTRAL_PORT=8800\n"
    assert kiosk_unit.read_text(encoding="utf-8") == packaged
    steps = report[1:report.index("next:")]
    assert "  updated /etc/systemd/system/kiosk.service (0644)" in steps
    others = [line for line in steps if "kiosk.service" not in line]
    assert all(line.split()[0] in ("unchanged", "kept", "skipped") for line in others), others
    assert install(root, "--with-central")[1:report.index("next:")] == [
        line.replace("  updated /etc/systemd/system/kiosk.service (0644)",
                     "  unchanged /etc/systemd/system/kiosk.service") for line in steps]


def test_a_dry_run_says_what_it_would_do_and_writes_nothing(tmp_path: Path) -> None:
    """GIVEN an empty staging root
    WHEN `kiosk install --dry-run` runs
    THEN it lists what it would create, and the root stays empty."""
    root = tmp_path / "root"
    root.mkdir()
    report = install(root, "--dry-run", "--with-central")
    assert "  would create /etc/systemd/system/kiosk-central.service (0644)" in report
    assert "  would create /var/lib/kiosk (0700, owner kiosk once installed on /)" in report
    assert list(root.iterdir()) == []


def test_the_packaged_files_ship_in_the_wheel() -> None:
    """GIVEN the files `kiosk install` reads with importlib.resources
    WHEN pyproject's package data patterns are matched against them
    THEN each is shipped (a wheel, not a checkout, is what a machine installs)."""
    with (ROOT / "pyproject.toml").open("rb") as project:
        patterns = tomllib.load(project)["tool"]["setuptools"]["package-data"]["*"]
    files = [p for p in (ROOT / "kiosk/install/files").iterdir()
             if p.suffix != ".py" and p.name != "__pycache__"]
    assert files
    assert [p.name for p in files if not any(fnmatch.fnmatch(p.name, x) for x in patterns)] == []


def test_installing_on_this_machine_itself_asks_for_root_or_a_staging_root(
        capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a user that is not root
    WHEN `kiosk install` is asked to install on /
    THEN it refuses with exit 2, changes nothing and says how to run it."""
    if os.geteuid() != 0:
        assert main(["install", "--venv", str(VENV)]) == 2
    else:
        # Run as root here, and another user cannot read this venv: the process's user
        # id is the one thing made up.
        with mock.patch("os.geteuid", autospec=True, return_value=1000):
            assert main(["install", "--venv", str(VENV)]) == 2
    out, err = capsys.readouterr()
    assert "needs root" in err and out == ""


def test_a_software_root_runs_the_current_release_after_the_update_guard(
        tmp_path: Path) -> None:
    """GIVEN an empty staging root
    WHEN `kiosk install --software-root /opt/kiosk` runs
    THEN a drop-in makes the kiosk unit run /opt/kiosk/current/venv/bin/kiosk (the base
    unit's ExecStart reset), after the display wait and then the update guard, with
    /opt/kiosk writable; the guard is kiosk/update/switch.py as a python3 script, and the
    root belongs to the kiosk user (it installs releases there)"""
    root = tmp_path / "root"
    report = install(root, "--software-root", "/opt/kiosk")
    drop_in = unit(root / "etc/systemd/system/kiosk.service.d/software-updates.conf")
    service = drop_in["Service"]
    assert service["ExecStart"] == [
        "", "/opt/kiosk/current/venv/bin/kiosk run --config /etc/kiosk/site.toml"]
    assert service["ExecStartPre"] == [
        "/usr/local/lib/kiosk/kiosk-update-guard guard /opt/kiosk"]
    assert service["ReadWritePaths"] == ["/opt/kiosk"]
    guard = root / "usr/local/lib/kiosk/kiosk-update-guard"
    assert mode(guard) == 0o755
    assert guard.read_text().removeprefix("#!/usr/bin/python3\n") == \
        (ROOT / "kiosk/update/switch.py").read_text()
    assert (root / "opt/kiosk").is_dir()
    assert any("opt/kiosk" in line and "owner kiosk" in line for line in report)


def test_the_update_guard_runs_as_a_plain_python3_script(tmp_path: Path) -> None:
    """GIVEN the installed guard and a software root whose trial of 0.2.0 was cut before
    its links moved (the state file says trial, current still names 0.1.0)
    WHEN the guard runs with the system's python3, outside any venv
    THEN it finishes the switch: current names 0.2.0, one start counted"""
    root = tmp_path / "root"
    install(root, "--software-root", "/opt/kiosk")
    software = tmp_path / "software"
    for version in ("0.1.0", "0.2.0"):
        (software / "releases" / version / "venv").mkdir(parents=True)
        (software / "releases" / version / "installed.json").write_text("{}")
    (software / "current").symlink_to("releases/0.1.0")
    (software / "update-state.json").write_text(
        '{"state": "trial", "version": "0.2.0", "previous": "0.1.0"}')
    done = subprocess.run(["/usr/bin/python3", "-I",
                           str(root / "usr/local/lib/kiosk/kiosk-update-guard"), "guard",
                           str(software)], capture_output=True, text=True, timeout=30,
                          env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert os.readlink(software / "current") == "releases/0.2.0"
    assert '"starts": 1' in (software / "update-state.json").read_text()
