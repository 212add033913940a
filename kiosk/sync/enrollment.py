"""The kiosk's side of enrollment: spend a one-time token at central for the kiosk's own
credential and keep it in ``data_dir/central-credential.json`` (mode 0600, written
atomically), where bootstrap finds it when the site config carries no central.token.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import requests
from pydantic import ValidationError

from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire_config import EnrollRequest, EnrollResponse

log = logging.getLogger(__name__)

CREDENTIAL_FILE = "central-credential.json"


@dataclass(frozen=True)
class KioskCredential:
    kiosk_id: str
    credential: str
    group: str | None = None


def credential_path(data_dir: Path) -> Path:
    return Path(data_dir) / CREDENTIAL_FILE


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
    try:
        answer = requests.post(url, json=request.model_dump(mode="json"), timeout=timeout)
    except requests.RequestException as exc:
        raise KioskError(ErrorCode.CENTRAL_UNAVAILABLE,
                         f"central unreachable: {type(exc).__name__}") from None
    if answer.status_code != 200:
        code = _error_code(answer)
        if code is ErrorCode.ENROLL_TOKEN or answer.status_code in (401, 422):
            raise KioskError(ErrorCode.ENROLL_TOKEN,
                             "central refused the token: unknown, used, expired or for "
                             "another kiosk")
        raise KioskError(ErrorCode.CENTRAL_UNAVAILABLE,
                         f"central answered HTTP {answer.status_code}")
    try:
        body = EnrollResponse.model_validate_json(answer.content)
    except ValidationError:
        raise KioskError(ErrorCode.CENTRAL_UNAVAILABLE,
                         "central's enrollment answer is unreadable") from None
    if body.kiosk_id != kiosk_id:
        raise KioskError(ErrorCode.CENTRAL_UNAVAILABLE, "central enrolled another kiosk id")
    credential = KioskCredential(kiosk_id=body.kiosk_id, credential=body.credential,
                                 group=body.group)
    write_credential(data_dir, credential)
    log.info("enrolled at central as kiosk=%s group=%s", kiosk_id, body.group or "-")
    return credential


def write_credential(data_dir: Path, credential: KioskCredential) -> Path:
    """Atomically, and never readable by others, not even for a moment."""
    path = credential_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"kiosk_id": credential.kiosk_id, "credential": credential.credential,
                   "group": credential.group}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
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
                           group=group if isinstance(group, str) else None)


def _error_code(answer: requests.Response) -> ErrorCode | None:
    try:
        body = answer.json()
        return ErrorCode(body["code"])
    except (ValueError, KeyError, TypeError):
        return None
