"""Signed configuration bundles, config reports, rollouts and enrollment on the wire.

A bundle is signed with the admin's Ed25519 private key (`kiosk-admin keys init`, then
`kiosk-admin config push`); central stores and serves it but holds no private key, so a
compromised central cannot forge a configuration. The kiosk trusts the public keys in its
site file (``sync.config_keys``) and verifies the signature over the bundle's canonical
JSON before it looks at anything inside it.

Pure: pydantic and cryptography only, so central can import it
(docs/architecture.md#the-dependency-rule).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from kiosk.sync.wire import SQL_INT_MAX

HEADER_AUTHORIZATION = "Authorization"  # "Bearer <kiosk credential or admin token>"

TARGET_PATTERN = r"^(all|group:[A-Za-z0-9][A-Za-z0-9_.-]{0,63}|kiosk:[A-Z0-9][A-Z0-9-]{2,31})$"
GROUP_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
KIOSK_ID_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,31}$"
WAVE_DEADLINE_DEFAULT_S = 24 * 3600  # a wave's kiosks get a day to report
WAVE_DEADLINE_MAX_S = 30 * 24 * 3600

# Settings a pushed bundle may never carry: who the kiosk is, where its data and its
# software live, its credential, and which keys it trusts (a push must not be able to
# replace its own judge).
FORBIDDEN_PUSHED_KEYS: frozenset[tuple[str, str]] = frozenset({
    ("kiosk", "id"), ("kiosk", "data_dir"), ("central", "token"), ("sync", "config_keys"),
    ("update", "root"),
})

# A bundle's canonical JSON (what is signed) is at most BUNDLE_MAX_BYTES: a whole site
# file of settings is a few kB. A push request carries it JSON-escaped (at most 3 bytes
# on the wire per canonical byte: a 4-byte character as two \\uXXXX escapes) plus the
# rollout's few fields: central takes push bodies of up to PUSH_MAX_BYTES.
BUNDLE_MAX_BYTES = 256 * 1024
PUSH_MAX_BYTES = 3 * BUNDLE_MAX_BYTES + 16 * 1024
# A setting named "section.key", as a pushed bundle's settings carry it.
SettingName = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}\.[a-z][a-z0-9_]{0,63}$")]
OVERRIDDEN_MAX = 100  # more than every setting there is

RejectReason = Literal["unreadable", "unknown_key", "bad_signature", "schema",
                       "forbidden_key", "older_version"]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- bundles -------------------------------------------------------------------------------

class ConfigBundle(_Wire):
    """What the admin signs: a pushed config layer ({section: {key: value}}, the same
    shape as a site file) with a version that only ever goes up."""

    version: int = Field(ge=1, le=SQL_INT_MAX)  # central's INTEGER column
    issued_at: AwareDatetime
    settings: dict[str, dict[str, Any]]
    note: str = Field(default="", max_length=500)
    """What changed, in the admin's words (shown in rollout status, never on screen)."""

    @model_validator(mode="after")
    def _not_too_large(self) -> ConfigBundle:
        size = len(canonical_bytes(self))
        if size > BUNDLE_MAX_BYTES:
            raise ValueError(f"the bundle is {size} bytes, more than {BUNDLE_MAX_BYTES}")
        return self


class SignedBundle(_Wire):
    bundle: ConfigBundle
    key_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    signature: str = Field(min_length=1, max_length=200)
    """Base64 of the Ed25519 signature over canonical_bytes(bundle)."""


class BundleRejected(Exception):
    """A bundle the kiosk will not apply; ``reason`` goes back to central verbatim."""

    def __init__(self, reason: RejectReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: RejectReason = reason
        self.detail = detail


def canonical_bytes(bundle: ConfigBundle) -> bytes:
    """The exact bytes that are signed: sorted keys, no spaces, UTF-8."""
    data = bundle.model_dump(mode="json")
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def public_key_text(key: Ed25519PublicKey) -> str:
    """The public key as kiosks' site files carry it: base64 of the 32 raw bytes."""
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def parse_public_key(text: str) -> Ed25519PublicKey:
    """Inverse of public_key_text; ValueError if it is not a 32-byte Ed25519 key."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error as exc:
        raise ValueError("not base64") from exc
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key has 32 bytes, not {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def key_id(key: Ed25519PublicKey) -> str:
    """A short fingerprint naming the key (first 16 hex digits of SHA-256 of raw bytes)."""
    return hashlib.sha256(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


def sign_bundle(bundle: ConfigBundle, private_key: Ed25519PrivateKey) -> SignedBundle:
    signature = private_key.sign(canonical_bytes(bundle))
    return SignedBundle(bundle=bundle, key_id=key_id(private_key.public_key()),
                        signature=base64.b64encode(signature).decode())


def parse_signed(raw: bytes) -> SignedBundle:
    """Parse a downloaded bundle; a truncated or garbled download is 'unreadable'."""
    try:
        return SignedBundle.model_validate_json(raw)
    except ValidationError as exc:
        raise BundleRejected("unreadable",
                             f"{exc.error_count()} error(s) in the document") from None


def verify_signed(signed: SignedBundle, trusted: Mapping[str, Ed25519PublicKey]) -> ConfigBundle:
    """Check the signature against the trusted keys (by key id) and the forbidden keys.
    Schema and version are the kiosk's own checks (they need its config model and state)."""
    key = trusted.get(signed.key_id)
    if key is None:
        raise BundleRejected("unknown_key", f"key {signed.key_id} is not trusted")
    try:
        key.verify(base64.b64decode(signed.signature, validate=True),
                   canonical_bytes(signed.bundle))
    except (InvalidSignature, binascii.Error, ValueError):
        raise BundleRejected("bad_signature",
                             f"signature does not match key {signed.key_id}") from None
    for section, values in signed.bundle.settings.items():
        for name in values:
            if (section, name) in FORBIDDEN_PUSHED_KEYS:
                raise BundleRejected("forbidden_key", f"{section}.{name} cannot be pushed")
    return signed.bundle


ATTEMPT_HEADER = "X-Rollout-Attempt"
"""Which offer of a rollout central serves the kiosk with GET /v1/config and GET
/v1/release: 1, and one more each time an admin retried the rollout for this kiosk. A
kiosk refuses a version it failed only for the attempt it failed; a central of before
the header sends none (the kiosk takes it as attempt 1)."""
ATTEMPT_MAX = SQL_INT_MAX


def attempt_of(header: str | None) -> int | None:
    """The attempt a response's header names, or None (absent or not a number)."""
    text = (header or "").strip()
    if not text.isdigit() or len(text) > 10:
        return None
    attempt = int(text)
    return attempt if 1 <= attempt <= ATTEMPT_MAX else None


class ConfigFetch(NamedTuple):
    """What GET /v1/config answered the kiosk: 200 with the raw SignedBundle JSON, 304
    (unchanged) or 204 (nothing released to it)."""

    status: int
    etag: str | None
    raw: bytes
    attempt: int | None = None
    """ATTEMPT_HEADER's value; None when central did not say (a central of before)."""


def etag_of(version: int, attempt: int = 1) -> str:
    """The ETag central gives a bundle and the kiosk sends back in If-None-Match. A
    retried offer has its own (a kiosk that staged the first one, then failed it, must
    fetch the retry, not be told 304), and the first keeps the ETag of before retries."""
    return f'"v{version}"' if attempt <= 1 else f'"v{version}-a{attempt}"'


# --- device calls ----------------------------------------------------------------------------

class ConfigReportIn(_Wire):
    """POST /v1/config/reports: what the kiosk did with a bundle it was offered."""

    version: int = Field(ge=1, le=SQL_INT_MAX)
    outcome: Literal["applied", "failed", "rejected"]
    """applied: running it and healthy; failed: applied, health check failed, rolled back;
    rejected: never applied (signature, schema, version, forbidden key)."""
    reason: str = Field(default="", max_length=500)
    overridden: list[SettingName] = Field(default_factory=list, max_length=OVERRIDDEN_MAX)
    """Applied, but without effect for these keys: the kiosk's site file sets them too
    (it wins over a push). Sent only when not empty."""
    attempt: int | None = Field(default=None, ge=1, le=ATTEMPT_MAX)
    """The attempt (ATTEMPT_HEADER) the kiosk was offered when it did this; sent only
    when central named one. Central ignores a report of an attempt older than the one
    it offers now (a failure kept while offline must not undo a retry)."""


class ConfigReportAck(_Wire):
    recorded: bool


class EnrollRequest(_Wire):
    """POST /v1/enroll (no credential yet: the one-time token is the proof)."""

    kiosk_id: str = Field(pattern=KIOSK_ID_PATTERN)
    token: str = Field(min_length=16, max_length=128)


class EnrollResponse(_Wire):
    kiosk_id: str
    group: str | None
    credential: str
    """The kiosk's own bearer credential; central keeps only its hash."""
    issued_at: AwareDatetime
    expires_at: AwareDatetime
    """Central refuses the credential from then on: the kiosk rotates it well before
    (POST /v1/credential/rotate)."""


class CredentialOut(_Wire):
    """GET /v1/credential: what central knows of the calling kiosk's credential."""

    kiosk_id: str
    group: str | None
    issued_at: AwareDatetime
    expires_at: AwareDatetime


class CredentialRotated(_Wire):
    """POST /v1/credential/rotate: the kiosk's next credential. The one that asked stays
    valid until this one is first used; from then on only this one is."""

    kiosk_id: str
    group: str | None
    credential: str
    issued_at: AwareDatetime
    expires_at: AwareDatetime


# --- admin calls -----------------------------------------------------------------------------

class EnrollmentIn(_Wire):
    kiosk_id: str = Field(pattern=KIOSK_ID_PATTERN)
    group: str | None = Field(default=None, pattern=GROUP_PATTERN)


class EnrollmentOut(_Wire):
    kiosk_id: str
    group: str | None
    token: str
    expires_at: AwareDatetime


class ConfigPushIn(_Wire):
    signed: SignedBundle
    target: str = Field(pattern=TARGET_PATTERN)
    wave_percent: int = Field(default=100, ge=1, le=100)
    """Share of the target kiosks in each wave; 100 is a single wave."""
    success_threshold: float = Field(default=0.9, gt=0, le=1)
    """Share of a wave that must report applied before the next wave starts."""
    failure_threshold: float = Field(default=0.2, ge=0, lt=1)
    """Share of a wave that may fail (failed, rejected, timed out); more halts the rollout."""
    wave_deadline_s: int = Field(default=WAVE_DEADLINE_DEFAULT_S, ge=60,
                                 le=WAVE_DEADLINE_MAX_S)
    """Running time (inside the window, if any) a wave gets: its kiosks that have not
    reported by then count as failed (timed out)."""
    window: str | None = Field(default=None, max_length=80)
    """Daily maintenance window, "HH:MM-HH:MM [zone]" (default zone Asia/Shanghai):
    kiosks are given the rollout only inside it. None: any time."""


RolloutState = Literal["running", "paused", "halted", "completed", "cancelled"]
KioskRolloutStatus = Literal["waiting", "offered", "applied", "failed", "rejected",
                             "timed_out"]


class RolloutKioskOut(_Wire):
    kiosk_id: str
    wave: int
    status: KioskRolloutStatus
    """waiting: its wave has not started; offered: its wave started, no report yet."""
    reason: str = ""
    reported_at: AwareDatetime | None = None
    overridden: list[str] = Field(default_factory=list)
    """Pushed keys the kiosk's site file overrides (applied, without effect there)."""


class RolloutOut(_Wire):
    id: int
    version: int
    target: str
    note: str
    state: RolloutState
    current_wave: int
    waves: int
    wave_percent: int
    success_threshold: float
    failure_threshold: float
    reason: str
    """Why it halted (or completed); empty while running."""
    created_at: AwareDatetime
    kiosks: list[RolloutKioskOut]
    wave_deadline_s: int = WAVE_DEADLINE_DEFAULT_S
    window: str | None = None


class RolloutList(_Wire):
    rollouts: list[RolloutOut]
