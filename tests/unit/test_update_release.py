"""A release's signed manifest: what the kiosk refuses before installing anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from kiosk.sync.wire_config import key_id
from kiosk.update.wire import (
    ReleaseFile,
    ReleaseManifest,
    ReleaseRejected,
    SignedRelease,
    file_digest,
    parse_signed_release,
    sign_release,
    this_platform,
    this_python,
    verify_file,
    verify_release,
    version_key,
)

KEY = Ed25519PrivateKey.generate()
TRUSTED = {key_id(KEY.public_key()): KEY.public_key()}
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
WHEEL = "shanghai_selfservice_kiosk-0.2.0-py3-none-any.whl"


def manifest(version: str = "0.2.0", *, platform: str | None = None,
             expires: datetime = NOW + timedelta(days=30)) -> ReleaseManifest:
    return ReleaseManifest(
        version=version, platform=platform or this_platform(), python=this_python(),
        created_at=NOW - timedelta(hours=1), expires_at=expires,
        files=[ReleaseFile(name=WHEEL, sha256="0" * 64, size=10)])


def verify(signed: SignedRelease, running: str = "0.1.0") -> ReleaseManifest:
    return verify_release(signed, TRUSTED, running_version=running, now=NOW)


def rejection(signed: SignedRelease, running: str = "0.1.0") -> str:
    with pytest.raises(ReleaseRejected) as caught:
        verify(signed, running)
    return caught.value.reason


def test_a_signed_newer_release_for_this_platform_is_accepted() -> None:
    """GIVEN a manifest for 0.2.0 on this platform signed with a trusted key
    WHEN a kiosk running 0.1.0 verifies it after a round trip through JSON
    THEN it gets the manifest back"""
    signed = parse_signed_release(sign_release(manifest(), KEY).model_dump_json().encode())
    assert verify(signed).version == "0.2.0"


def test_a_release_signed_by_an_unknown_key_is_refused() -> None:
    """GIVEN a manifest signed with a key the kiosk does not trust
    WHEN it is verified
    THEN it is refused as unknown_key"""
    assert rejection(sign_release(manifest(), Ed25519PrivateKey.generate())) == "unknown_key"


def test_an_unsigned_or_altered_manifest_is_refused() -> None:
    """GIVEN a signed manifest whose signature is empty-looking garbage, and one whose
    file hash was changed after signing
    WHEN each is verified
    THEN both are refused as bad_signature"""
    signed = sign_release(manifest(), KEY)
    garbage = signed.model_copy(update={"signature": "AAAA"})
    altered_file = signed.manifest.files[0].model_copy(update={"sha256": "1" * 64})
    altered = signed.model_copy(update={
        "manifest": signed.manifest.model_copy(update={"files": [altered_file]})})
    assert rejection(garbage) == "bad_signature"
    assert rejection(altered) == "bad_signature"


def test_a_manifest_without_a_signature_is_unreadable() -> None:
    """GIVEN the manifest's JSON alone, with no key id or signature
    WHEN the kiosk parses it
    THEN it is refused as unreadable"""
    with pytest.raises(ReleaseRejected) as caught:
        parse_signed_release(manifest().model_dump_json().encode())
    assert caught.value.reason == "unreadable"


def test_an_expired_release_is_refused() -> None:
    """GIVEN a validly signed release that expired a minute ago
    WHEN it is verified
    THEN it is refused as expired"""
    assert rejection(sign_release(manifest(expires=NOW - timedelta(minutes=1)), KEY)) \
        == "expired"


@pytest.mark.parametrize("running", ["0.2.0", "0.2", "0.3.0", "0.10.0"])
def test_the_same_or_an_older_version_is_refused(running: str) -> None:
    """GIVEN a validly signed 0.2.0
    WHEN a kiosk already running 0.2.0 (or 0.2, the same number), or a newer one, verifies it
    THEN it is refused as older_version"""
    assert rejection(sign_release(manifest(), KEY), running) == "older_version"


def test_a_release_for_another_platform_is_refused() -> None:
    """GIVEN a validly signed release built for another machine type
    WHEN it is verified
    THEN it is refused as other_platform"""
    other = "linux_aarch64" if this_platform() != "linux_aarch64" else "linux_x86_64"
    assert rejection(sign_release(manifest(platform=other), KEY)) == "other_platform"


def test_versions_are_ordered_by_their_numbers() -> None:
    """GIVEN dotted versions
    WHEN they are compared
    THEN 0.10 is above 0.9 and trailing zeros do not count"""
    assert version_key("0.10.0") > version_key("0.9.9")
    assert version_key("1.0") == version_key("1.0.0")


def test_a_file_name_cannot_be_a_path() -> None:
    """GIVEN a manifest naming a file with a folder in it
    WHEN it is built
    THEN the schema refuses it (a download cannot land outside its folder)"""
    with pytest.raises(ValidationError):
        ReleaseFile(name="../evil.whl", sha256="0" * 64, size=1)


def test_a_downloaded_file_must_be_the_signed_one(tmp_path: Path) -> None:
    """GIVEN a file and a manifest entry made from it
    WHEN the file is verified, then changed by one byte and verified again
    THEN the first passes and the second is refused as tampered"""
    wheel = tmp_path / WHEEL
    wheel.write_bytes(b"a wheel's bytes")
    sha256, size = file_digest(wheel)
    entry = ReleaseFile(name=WHEEL, sha256=sha256, size=size)
    verify_file(wheel, entry)
    wheel.write_bytes(b"a wheel's bytez")
    with pytest.raises(ReleaseRejected) as caught:
        verify_file(wheel, entry)
    assert caught.value.reason == "tampered"
