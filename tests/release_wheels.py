"""Small real wheels and signed releases for the update tests: a wheel is a zip with its
dist-info, so pip installs these exactly as it installs the kiosk's own."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.update.wire import (
    ReleaseFile,
    ReleaseManifest,
    SignedRelease,
    file_digest,
    sign_release,
    this_platform,
    this_python,
)


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def make_wheel(folder: Path, name: str, version: str, *, requires: tuple[str, ...] = (),
               script: str | None = None, code: str | None = None) -> Path:
    """A pure-Python wheel of one module ``name`` whose VERSION is ``version``; with
    ``script``, a console script of that name runs ``name.main``."""
    dist_info = f"{name}-{version}.dist-info"
    files: dict[str, bytes] = {
        f"{name}/__init__.py": (code or (
            f"VERSION = {version!r}\n"
            "def main() -> None:\n"
            "    print(VERSION)\n")).encode(),
        f"{dist_info}/METADATA": "\n".join([
            "Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
            *(f"Requires-Dist: {r}" for r in requires), "", ""]).encode(),
        f"{dist_info}/WHEEL": (b"Wheel-Version: 1.0\nGenerator: tests\n"
                               b"Root-Is-Purelib: true\nTag: py3-none-any\n"),
    }
    if script:
        files[f"{dist_info}/entry_points.txt"] = \
            f"[console_scripts]\n{script} = {name}:main\n".encode()
    record = [_record_line(n, d) for n, d in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for member, data in files.items():
            wheel.writestr(member, data)
    return path


def signed_release(version: str, wheels: list[Path], key: Ed25519PrivateKey, *,
                   now: datetime | None = None) -> SignedRelease:
    now = now or datetime.now(UTC)
    entries = []
    for wheel in wheels:
        sha256, size = file_digest(wheel)
        entries.append(ReleaseFile(name=wheel.name, sha256=sha256, size=size))
    return sign_release(ReleaseManifest(
        version=version, platform=this_platform(), python=this_python(), created_at=now,
        expires_at=now + timedelta(days=30), files=entries), key)
