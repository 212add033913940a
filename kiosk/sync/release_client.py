"""Central's release routes as the update agent needs them (kiosk.update.agent's
ReleaseSource): the signed manifest released to this kiosk, its files, the reports.

Bytes only: the manifest is parsed and verified by kiosk.update, which this package
never imports (docs/architecture.md#the-dependency-rule)."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import requests

from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.client import CentralClient
from kiosk.sync.wire_config import ATTEMPT_HEADER, ConfigReportAck, attempt_of

CHUNK_BYTES = 1024 * 1024


class ReleaseClient(CentralClient):
    def offered_release(self) -> tuple[bytes, int | None] | None:
        """GET /v1/release: the raw SignedRelease JSON and the attempt central names
        (None: it did not say), or None (204: nothing for us)."""
        response = self._send("GET", "/v1/release", self._headers(), None)
        if response.status_code == 204:
            return None
        if response.status_code == 200:
            return response.content, attempt_of(response.headers.get(ATTEMPT_HEADER))
        self._answer("GET", "/v1/release", response, ConfigReportAck)  # not a 2xx: raises
        raise self._unavailable("GET", "/v1/release",
                                f"central answered HTTP {response.status_code}",
                                reason="http_error", status=str(response.status_code))

    def download_release_file(self, version: str, name: str, dest: Path) -> None:
        """GET /v1/release/V/files/NAME streamed to ``dest`` (the caller checks its hash)."""
        path = f"/v1/release/{version}/files/{name}"
        headers = {**self._headers(), "Accept": "application/octet-stream",
                   "Authorization": f"Bearer {self._token()}"}
        try:
            with self._session.get(self.base_url + path, headers=headers, stream=True,
                                   timeout=(self.timeout_s, self.timeout_s),
                                   allow_redirects=False) as response:
                if response.status_code != 200:
                    self._answer("GET", path, response, ConfigReportAck)
                    raise self._unavailable("GET", path, "no file", status="200")
                with dest.open("wb") as stream:
                    for chunk in response.iter_content(CHUNK_BYTES):
                        stream.write(chunk)
                    stream.flush()
                    os.fsync(stream.fileno())
        except requests.RequestException as exc:
            raise self._unavailable("GET", path, "download failed",
                                    reason=type(exc).__name__) from exc

    def report_release(self, version: str, outcome: str, reason: str,
                       attempt: int | None = None) -> None:
        """POST /v1/release/reports once (the agent keeps an undelivered one itself); the
        attempt only when central named one (a central of before refuses the field)."""
        report: dict[str, object] = {"version": version, "outcome": outcome, "reason": reason}
        if attempt is not None:
            report["attempt"] = attempt
        body = json.dumps(report)
        response = self._send("POST", "/v1/release/reports",
                              self._headers(idempotency_key=uuid.uuid4().hex), body)
        if not 200 <= response.status_code < 300:
            self._answer("POST", "/v1/release/reports", response, ConfigReportAck)
            raise KioskError(ErrorCode.CENTRAL_UNAVAILABLE, "report not taken")
