"""Real releases of the kiosk built from this checkout, for the update tests and
bench/update.py: the kiosk's wheel at any version (from a copy of the tracked files,
optionally changed), every dependency wheel from the configured index, and a folder per
release signed with kiosk-admin's code (docs/operations.md#software-updates)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from central.admin_release import make_release

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("kiosk", "hardware", "central")


def tracked_package_files() -> list[str]:
    """The packages' files as a clean clone has them (no caches, no local leftovers)."""
    listed = subprocess.run(["git", "ls-files", "-z", *PACKAGES], cwd=REPO, check=True,
                            capture_output=True, text=True).stdout
    return [name for name in listed.split("\0") if name and (REPO / name).is_file()]


def build_wheel(version: str, work: Path,
                change: Callable[[Path], None] | None = None) -> Path:
    """The kiosk's wheel at ``version``, built from a copy of the tracked files (the
    build leaves build/ and egg-info behind); ``change`` may edit the copy first."""
    source = work / f"source-{version}"
    for name in ["pyproject.toml", "README.md", *tracked_package_files()]:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    pyproject = source / "pyproject.toml"
    pyproject.write_text(re.sub(r'(?m)^version = ".*"$', f'version = "{version}"',
                                pyproject.read_text(), count=1))
    if change is not None:
        change(source)
    out = work / f"wheel-{version}"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "--disable-pip-version-check", "-w", str(out), str(source)],
                   check=True, cwd=work, timeout=600)
    (wheel,) = out.glob("*.whl")
    return wheel


def dependency_wheels(wheel: Path, dest: Path) -> list[Path]:
    """Every wheel the kiosk's wheel needs, at constraints.txt's versions, from the
    configured index (the kiosk's own wheel left out). ``pip wheel``, not ``pip
    download --only-binary``: a dependency published only as an sdist
    (python-alipay-sdk) is built into a wheel here, as a kiosk installs wheels only."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check",
                    "-w", str(dest), "-c", str(REPO / "constraints.txt"), str(wheel)],
                   check=True, cwd=dest.parent, timeout=900)
    for own in dest.glob("shanghai_selfservice_kiosk-*.whl"):
        own.unlink()
    return sorted(dest.glob("*.whl"))


def release_folder(wheel: Path, dependencies: list[Path], folder: Path, key: Path,
                   note: str = "") -> Path:
    """A folder of the release's wheels (hard links: one copy on disk for many releases)
    and its signed release.json (`kiosk-admin release make`)."""
    folder.mkdir(parents=True)
    for source in (wheel, *dependencies):
        os.link(source, folder / source.name)
    make_release(folder, key, note=note)
    return folder
