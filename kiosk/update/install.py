"""Install a verified release beside the running one: its own venv, exactly its wheels.

The release carries every wheel the kiosk runs on, so the install takes nothing from any
index (``pip install --no-index --no-deps`` of the release's files) and ``pip check``
then proves nothing is missing: what runs is exactly what the admin signed. The venv is
made where it will run (a venv's scripts name their own path), and ``installed.json``
(the signed manifest) is written last: until then the release cannot be switched to,
and a later attempt starts the folder again from nothing.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
import venv
from dataclasses import dataclass
from pathlib import Path

from kiosk.update.switch import Releases
from kiosk.update.wire import ReleaseRejected, SignedRelease, verify_file

log = logging.getLogger(__name__)

PIP_TIMEOUT_S = 900.0


class InstallFailed(Exception):
    """The release was genuine but would not install (pip refused, a dependency missing)."""


@dataclass(frozen=True)
class Installed:
    version: str
    seconds: float
    bytes_on_disk: int


def folder_size(path: Path) -> int:
    """Bytes of the files under ``path`` (links not followed: counted once)."""
    return sum(entry.lstat().st_size for entry in path.rglob("*")
               if entry.is_file() and not entry.is_symlink())


def _clean_env() -> dict[str, str]:
    """The kiosk's own venv and path settings must not leak into the new venv's pip."""
    return {k: v for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
            and not k.startswith("PIP_")}


def _pip(python: Path, *args: str) -> None:
    done = subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check",
                           "--no-input", *args], capture_output=True, text=True,
                          env=_clean_env(), timeout=PIP_TIMEOUT_S, check=False)
    if done.returncode != 0:
        # pip's last lines say what was wrong (a missing dependency, a broken wheel).
        tail = " | ".join((done.stdout + done.stderr).strip().splitlines()[-3:])
        raise InstallFailed(f"pip {args[0]}: {tail}"[:450])


def install_beside(releases: Releases, signed: SignedRelease, wheels: Path) -> Installed:
    """Install the release whose files (already downloaded to ``wheels``) the manifest
    signs. Each file is checked against the manifest again right before pip reads it."""
    manifest = signed.manifest
    version = manifest.version
    folder = releases.release_dir(version)
    if releases.is_installed(version):
        return Installed(version, 0.0, folder_size(folder))
    if version in (releases.current_version(), releases.previous_version()):
        raise InstallFailed(f"{version} is linked but not complete")  # never rebuild a live one
    started = time.monotonic()
    files = []
    for entry in manifest.files:
        path = wheels / entry.name
        if not path.is_file():
            raise ReleaseRejected("tampered", f"{entry.name} is missing")
        verify_file(path, entry)
        files.append(str(path))
    shutil.rmtree(folder, ignore_errors=True)  # what an interrupted attempt left
    folder.mkdir(parents=True)
    venv.EnvBuilder(with_pip=True, symlinks=True).create(folder / "venv")
    python = folder / "venv" / "bin" / "python"
    _pip(python, "install", "--no-index", "--no-deps", "--isolated", "-q", *files)
    _pip(python, "check")
    releases.mark_installed(version, signed.model_dump_json(indent=1).encode())
    installed = Installed(version, time.monotonic() - started, folder_size(folder))
    log.info("update: %s installed beside in %.1f s (%d MB)", version, installed.seconds,
             installed.bytes_on_disk // 2**20)
    return installed
