"""The kiosk's side of enrollment and of its credential's rotation.

``kiosk enroll --token T`` spends a one-time token at central for the kiosk's own
credential and keeps it in ``data_dir/central-credential.json`` (mode 0600, written
atomically), the single place the kiosk reads its credential from: bootstrap's clients
read it per request through ``StoredCredential``, so a rotated credential is used by
every thread and process from its next request on.

Rotation (``rotate``; ``kiosk enroll --rotate``, and kiosk/sync/rotation.py on a
schedule) asks central for the next credential with the current one and stores it.
Central keeps the current one valid until the new one is first used, so a kill between
central's answer and the file write leaves the kiosk with its old, still valid credential;
the next rotation simply asks again. Enrollment and rotation hold an exclusive lock on
``data_dir/.central-credential.lock``, so two of them (the running kiosk and a
technician's command) cannot store credentials out of order.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError

from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import HEADER_KIOSK
from kiosk.sync.wire_config import CredentialRotated, EnrollRequest, EnrollResponse

log = logging.getLogger(__name__)

CREDENTIAL_FILE = "central-credential.json"
LOCK_FILE = ".central-credential.lock"

Answer = TypeVar("Answer", bound=BaseModel)


@dataclass(frozen=True)
class KioskCredential:
    kiosk_id: str
    credential: str
    group: str | None = None
    issued_at: datetime | None = None  # central's times; None: enrolled before they were kept
    expires_at: datetime | None = None

    def rotation_due(self, now: datetime) -> bool:
        """Half of its lifetime has passed (or the lifetime is unknown): time to rotate,
        with the other half left for a kiosk that cannot reach central for a while."""
        if self.issued_at is None or self.expires_at is None:
            return True
        return now >= self.issued_at + (self.expires_at - self.issued_at) / 2


def credential_path(data_dir: Path) -> Path:
    return Path(data_dir) / CREDENTIAL_FILE


@contextlib.contextmanager
def credential_lock(data_dir: Path) -> Iterator[None]:
    """Exclusive across threads and processes (flock on a file of its own, so the
    credential file itself can be replaced atomically while it is held)."""
    path = Path(data_dir) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def enroll(central_url: str, kiosk_id: str, token: str, data_dir: Path,
           timeout: float = 10.0) -> KioskCredential:
    """POST /v1/enroll and store the credential. E_ENROLL_TOKEN when central refuses
    the token, E_CENTRAL_UNAVAILABLE when it cannot be reached or answers nonsense."""
    try:
        request = EnrollRequest(kiosk_id=kiosk_id, token=token.strip())
    except ValidationError:
        raise KioskError(ErrorCode.ENROLL_TOKEN,
                         "kiosk id or token malformed (an id like SH-CN-0001, the token "
                         "as kiosk-admin enroll printed it)") from None
    url = central_url.rstrip("/") + "/v1/enroll"
    with credential_lock(data_dir):
        answer = _post(url, timeout, json=request.model_dump(mode="json"))
        if answer.status_code != 200:
            code = _error_code(answer)
            if code is ErrorCode.ENROLL_TOKEN or answer.status_code in (401, 422):
                raise KioskError(ErrorCode.ENROLL_TOKEN,
                                 "central refused the token: unknown, used, expired or for "
                                 "another kiosk")
            raise KioskError(ErrorCode.CENTRAL_UNAVAILABLE,
                             f"central answered HTTP {answer.status_code}")
        body = _parse(EnrollResponse, answer, "enrollment")
        if body.kiosk_id != kiosk_id:
            raise KioskError(ErrorCode.CENTRAL_UNAVAILABLE, "central enrolled another kiosk id")
        credential = KioskCredential(kiosk_id=body.kiosk_id, credential=body.credential,
                                     group=body.group, issued_at=body.issued_at,
                                     expires_at=body.expires_at)
        write_credential(data_dir, credential)
    log.info("enrolled at central as kiosk=%s group=%s", kiosk_id, body.group or "-")
    return credential


def rotate(central_url: str, kiosk_id: str, data_dir: Path,
           timeout: float = 10.0) -> KioskCredential:
    """Replace the stored credential with a new one from central, then use the new one
    once so central retires the old one. E_UNAUTHORIZED when the kiosk is not enrolled
    or central refuses its credential (revoked or expired: enroll again with a new
    token); E_CENTRAL_UNAVAILABLE when central cannot be reached. Nothing is changed
    on the kiosk unless central answered with a new credential."""
    base = central_url.rstrip("/")
    with credential_lock(data_dir):
        current = read_credential(data_dir)
        if current is None or current.kiosk_id != kiosk_id:
            raise KioskError(ErrorCode.UNAUTHORIZED,
                             f"kiosk {kiosk_id} is not enrolled here: kiosk enroll --token T")
        answer = _post(base + "/v1/credential/rotate", timeout,
                       headers=_auth(kiosk_id, current.credential))
        if answer.status_code in (401, 403):
            raise KioskError(ErrorCode.UNAUTHORIZED,
                             "central refuses this kiosk's credential (revoked or expired): "
                             "ask an operator for a new token (kiosk-admin enroll) and run "
                             "kiosk enroll --token T")
        if answer.status_code != 200:
            raise KioskError(ErrorCode.CENTRAL_UNAVAILABLE,
                             f"central answered HTTP {answer.status_code}")
        body = _parse(CredentialRotated, answer, "rotation")
        if body.kiosk_id != kiosk_id:
            raise KioskError(ErrorCode.CENTRAL_UNAVAILABLE, "central rotated another kiosk id")
        rotated = KioskCredential(kiosk_id=kiosk_id, credential=body.credential,
                                  group=body.group, issued_at=body.issued_at,
                                  expires_at=body.expires_at)
        write_credential(data_dir, rotated)
    log.info("kiosk=%s rotated its central credential (valid until %s)", kiosk_id,
             body.expires_at.isoformat(timespec="minutes"))
    _first_use(base, rotated, timeout)
    return rotated


def _first_use(base: str, credential: KioskCredential, timeout: float) -> None:
    """Use the new credential once (GET /v1/credential), which makes central retire the
    old one now rather than at the next heartbeat. Best effort: any later call does the
    same."""
    try:
        answer = requests.get(base + "/v1/credential", timeout=timeout,
                              headers=_auth(credential.kiosk_id, credential.credential))
    except requests.RequestException as exc:
        log.info("first use of the rotated credential failed (%s); the next call makes it",
                 type(exc).__name__)
        return
    if answer.status_code != 200:
        log.warning("central answered HTTP %d to the rotated credential's first use",
                    answer.status_code)


def write_credential(data_dir: Path, credential: KioskCredential) -> Path:
    """Atomically (fsynced, then renamed over the old file), and never readable by
    others, not even for a moment."""
    path = credential_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"kiosk_id": credential.kiosk_id, "credential": credential.credential,
                   "group": credential.group, "issued_at": _iso(credential.issued_at),
                   "expires_at": _iso(credential.expires_at)}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _sync_directory(path.parent)
    return path


def read_credential(data_dir: Path) -> KioskCredential | None:
    """The stored credential, or None when the kiosk was never enrolled (or the file is
    unreadable: then it must enroll again)."""
    path = credential_path(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        log.warning("credential file %s unreadable; enroll the kiosk again", path)
        return None
    if (not isinstance(data, dict) or not isinstance(data.get("kiosk_id"), str)
            or not isinstance(data.get("credential"), str)):
        log.warning("credential file %s malformed; enroll the kiosk again", path)
        return None
    group = data.get("group")
    return KioskCredential(kiosk_id=data["kiosk_id"], credential=data["credential"],
                           group=group if isinstance(group, str) else None,
                           issued_at=_moment(data.get("issued_at")),
                           expires_at=_moment(data.get("expires_at")))


class StoredCredential:
    """The kiosk's credential as its clients send it: read from the credential file,
    again whenever the file changed (a stat per request, a read per rotation), so the
    file stays the one source. Empty when the file is missing or holds another kiosk's
    credential."""

    def __init__(self, data_dir: Path, kiosk_id: str) -> None:
        self.path = credential_path(data_dir)
        self.kiosk_id = kiosk_id
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        self._credential = ""

    def __call__(self) -> str:
        try:
            info = os.stat(self.path)
            seen: tuple[int, int, int] | None = (info.st_ino, info.st_mtime_ns, info.st_size)
        except OSError:
            seen = None
        with self._lock:
            if seen != self._seen:
                stored = read_credential(self.path.parent) if seen is not None else None
                self._credential = stored.credential if stored is not None and \
                    stored.kiosk_id == self.kiosk_id else ""
                self._seen = seen
            return self._credential


# --- plumbing -----------------------------------------------------------------------------

def _auth(kiosk_id: str, credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}", HEADER_KIOSK: kiosk_id}


def _post(url: str, timeout: float, **kwargs: Any) -> requests.Response:
    """One POST, never retried (a retry of a rotation would only rotate again)."""
    try:
        return requests.post(url, timeout=timeout, **kwargs)
    except requests.RequestException as exc:
        raise KioskError(ErrorCode.CENTRAL_UNAVAILABLE,
                         f"central unreachable: {type(exc).__name__}") from None


def _parse(model: type[Answer], answer: requests.Response, what: str) -> Answer:
    try:
        return model.model_validate_json(answer.content)
    except ValidationError:
        raise KioskError(ErrorCode.CENTRAL_UNAVAILABLE,
                         f"central's {what} answer is unreadable") from None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _sync_directory(folder: Path) -> None:
    """Make the rename itself durable: a power cut must not bring the old file back
    after central has retired the credential in it."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _error_code(answer: requests.Response) -> ErrorCode | None:
    try:
        body = answer.json()
        return ErrorCode(body["code"])
    except (ValueError, KeyError, TypeError):
        return None
