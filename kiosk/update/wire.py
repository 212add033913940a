"""A release on the wire: the manifest the admin signs, and the kiosk's checks of it.

A release is a set of wheels (the kiosk's own and every dependency it installs) plus a
manifest naming each file's SHA-256 and size, the version, the platform and Python it
was built for, and when it expires. The admin signs the manifest's canonical JSON with
the same Ed25519 key that signs config pushes (`kiosk-admin keys init`); the kiosk
trusts the keys of its site file (``sync.config_keys``). Central stores and serves the
files but holds no private key: a compromised central can withhold a release, never
forge one, nor replay an expired or older one.

Pure: pydantic, cryptography and the standard library, so central can import it
(docs/architecture.md#the-dependency-rule).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sys
import sysconfig
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

# The written exception of the update contract: the key ids and rollout targets of
# config pushes, so one key, one site-file setting and one target syntax serve both.
from kiosk.sync.wire_config import (
    ATTEMPT_MAX,
    TARGET_PATTERN,
    WAVE_DEADLINE_DEFAULT_S,
    WAVE_DEADLINE_MAX_S,
    RolloutState,
    key_id,
)

VERSION_PATTERN = r"^[0-9]{1,6}(\.[0-9]{1,6}){1,3}$"
"""Plain dotted numbers (0.2.0, 1.4.10.2): ordered by their numbers, no pre-releases."""
FILE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,199}\.whl$"
"""A wheel's own name, never a path: a file name cannot leave the release's folder."""
MANIFEST_MAX_FILES = 200
RELEASE_MAX_BYTES = 1024 * 1024 * 1024
"""A release's wheels together (the kiosk's dependencies with Kivy are about 100 MB)."""
MANIFEST_MAX_BYTES = 128 * 1024
RELEASE_FILE_MAX_BYTES = 256 * 1024 * 1024
"""One wheel (central's upload limit; Kivy's, the largest, is about 60 MB)."""

RejectReason = Literal["unreadable", "unknown_key", "bad_signature", "expired",
                       "older_version", "other_platform", "tampered"]
UpdateState = Literal["idle", "downloading", "installed", "trial", "kept", "rolled_back",
                      "rejected", "failed"]
"""What a kiosk's heartbeat says of its software update (docs/operations.md#software-updates):
idle (nothing to do), downloading, installed (beside, waiting for a moment without a
session), trial (the new version started, not yet healthy), kept, rolled_back (the new
version was not healthy in time: the previous one runs again), rejected (refused before
install: signature, version, expiry, platform, hashes), failed (the install failed)."""


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReleaseFile(_Wire):
    name: str = Field(pattern=FILE_NAME_PATTERN)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=1, le=RELEASE_FILE_MAX_BYTES)


class ReleaseManifest(_Wire):
    """What the admin signs."""

    version: str = Field(pattern=VERSION_PATTERN)
    platform: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    """sysconfig's platform as wheels name it (linux_x86_64, linux_aarch64)."""
    python: str = Field(pattern=r"^cp[0-9]{2,4}$")
    """The interpreter the wheels were built for (cp311): the venv is made with it."""
    created_at: AwareDatetime
    expires_at: AwareDatetime
    """After this a kiosk refuses it: an old signed release cannot be replayed for ever."""
    files: list[ReleaseFile] = Field(min_length=1, max_length=MANIFEST_MAX_FILES)
    note: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _consistent(self) -> ReleaseManifest:
        names = [f.name for f in self.files]
        if len(set(names)) != len(names):
            raise ValueError("a file is named twice")
        if self.expires_at <= self.created_at:
            raise ValueError("expires_at is not after created_at")
        if sum(f.size for f in self.files) > RELEASE_MAX_BYTES:
            raise ValueError(f"the files are more than {RELEASE_MAX_BYTES} bytes")
        return self


class SignedRelease(_Wire):
    manifest: ReleaseManifest
    key_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    signature: str = Field(min_length=1, max_length=200)
    """Base64 of the Ed25519 signature over canonical_bytes(manifest)."""


class ReleaseRejected(Exception):
    """A release the kiosk will not install; ``reason`` goes back to central verbatim."""

    def __init__(self, reason: RejectReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: RejectReason = reason
        self.detail = detail


def version_key(version: str) -> tuple[int, ...]:
    """Orders versions by their numbers: 0.10.0 is above 0.9.1; 1.0 equals 1.0.0."""
    numbers = [int(part) for part in version.split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)


def this_platform() -> str:
    return sysconfig.get_platform().replace("-", "_").replace(".", "_")


def this_python() -> str:
    return f"cp{sys.version_info.major}{sys.version_info.minor}"


def canonical_bytes(manifest: ReleaseManifest) -> bytes:
    """The exact bytes that are signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(manifest.model_dump(mode="json"), sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False).encode()


def sign_release(manifest: ReleaseManifest, private_key: Ed25519PrivateKey) -> SignedRelease:
    return SignedRelease(manifest=manifest, key_id=key_id(private_key.public_key()),
                         signature=base64.b64encode(private_key.sign(
                             canonical_bytes(manifest))).decode())


def parse_signed_release(raw: bytes) -> SignedRelease:
    """Parse a downloaded manifest; a truncated or garbled one is 'unreadable'."""
    if len(raw) > MANIFEST_MAX_BYTES:
        raise ReleaseRejected("unreadable", f"more than {MANIFEST_MAX_BYTES} bytes")
    try:
        return SignedRelease.model_validate_json(raw)
    except ValidationError as exc:
        raise ReleaseRejected("unreadable",
                              f"{exc.error_count()} error(s) in the manifest") from None


def verify_release(signed: SignedRelease, trusted: Mapping[str, Ed25519PublicKey], *,
                   running_version: str, now: datetime, platform: str | None = None,
                   python: str | None = None) -> ReleaseManifest:
    """The signature first (nothing unsigned is looked at), then expiry, version (only
    ever up: an older or the same release is a replay or a mistake) and platform."""
    key = trusted.get(signed.key_id)
    if key is None:
        raise ReleaseRejected("unknown_key", f"key {signed.key_id} is not trusted")
    try:
        key.verify(base64.b64decode(signed.signature, validate=True),
                   canonical_bytes(signed.manifest))
    except (InvalidSignature, binascii.Error, ValueError):
        raise ReleaseRejected("bad_signature",
                              f"signature does not match key {signed.key_id}") from None
    manifest = signed.manifest
    if now >= manifest.expires_at:
        raise ReleaseRejected("expired", f"expired at {manifest.expires_at.isoformat()}")
    if version_key(manifest.version) <= version_key(running_version):
        raise ReleaseRejected("older_version",
                              f"{manifest.version} is not above the running {running_version}")
    platform, python = platform or this_platform(), python or this_python()
    if (manifest.platform, manifest.python) != (platform, python):
        raise ReleaseRejected("other_platform",
                              f"built for {manifest.platform} {manifest.python}, "
                              f"this kiosk is {platform} {python}")
    return manifest


def file_digest(path: Path) -> tuple[str, int]:
    """(SHA-256 hex, size) of a file, read in blocks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while block := stream.read(1024 * 1024):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def verify_file(path: Path, entry: ReleaseFile) -> None:
    """The downloaded file is exactly the signed one, or 'tampered'."""
    sha256, size = file_digest(path)
    if (sha256, size) != (entry.sha256, entry.size):
        raise ReleaseRejected("tampered", f"{entry.name} is not the file the manifest signs")


# --- central's routes ------------------------------------------------------------------------

KioskReleaseStatus = Literal["waiting", "offered", "kept", "rolled_back", "rejected", "failed",
                             "timed_out"]


class ReleaseReportIn(_Wire):
    """POST /v1/release/reports: what the kiosk did with a release offered to it."""

    version: str = Field(pattern=VERSION_PATTERN)
    outcome: Literal["kept", "rolled_back", "rejected", "failed"]
    """kept: running it and healthy; rolled_back: it started but was not healthy in time,
    the previous version runs again; rejected: refused before install (signature, expiry,
    version, platform, hashes); failed: genuine but would not install."""
    reason: str = Field(default="", max_length=500)
    attempt: int | None = Field(default=None, ge=1, le=ATTEMPT_MAX)
    """The attempt central offered (X-Rollout-Attempt), sent only when it named one; a
    report of an older attempt than the one offered now is ignored."""


class ReleaseReportAck(_Wire):
    recorded: bool


class ReleaseFileOut(_Wire):
    name: str
    size: int
    uploaded: bool


class ReleaseOut(_Wire):
    """A release central stores: its files and whether each has been uploaded."""

    version: str
    key_id: str
    note: str
    total_bytes: int
    created_at: AwareDatetime
    files: list[ReleaseFileOut]


class ReleaseRolloutIn(_Wire):
    """POST /v1/admin/releases/{version}/rollouts: the same waves as a config push."""

    target: str = Field(pattern=TARGET_PATTERN)
    wave_percent: int = Field(default=100, ge=1, le=100)
    success_threshold: float = Field(default=0.9, gt=0, le=1)
    failure_threshold: float = Field(default=0.2, ge=0, lt=1)
    wave_deadline_s: int = Field(default=WAVE_DEADLINE_DEFAULT_S, ge=60,
                                 le=WAVE_DEADLINE_MAX_S)
    """As a config push's (kiosk.sync.wire_config.ConfigPushIn)."""
    window: str | None = Field(default=None, max_length=80)


class ReleaseRolloutKioskOut(_Wire):
    kiosk_id: str
    wave: int
    status: KioskReleaseStatus
    reason: str = ""
    reported_at: AwareDatetime | None = None


class ReleaseRolloutOut(_Wire):
    id: int
    version: str
    target: str
    state: RolloutState
    current_wave: int
    waves: int
    wave_percent: int
    success_threshold: float
    failure_threshold: float
    reason: str
    created_at: AwareDatetime
    kiosks: list[ReleaseRolloutKioskOut]
    wave_deadline_s: int = WAVE_DEADLINE_DEFAULT_S
    window: str | None = None
