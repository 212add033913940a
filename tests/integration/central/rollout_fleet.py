"""A small fleet for the rollout-control tests: kiosks enrolled in the test's central with
their own credentials, each speaking through the real kiosk-side clients (CentralClient for
config, ReleaseClient for software), and an admin pushing config bundles and releases over
HTTP."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.domain.clock import SystemClock
from kiosk.sync.release_client import ReleaseClient
from kiosk.sync.wire_config import ConfigBundle, ConfigPushIn, ConfigReportIn, sign_bundle
from kiosk.update.wire import ReleaseFile, ReleaseManifest, sign_release
from tests.patience import PATIENCE_S

SIGNING_KEY = Ed25519PrivateKey.generate()
WHEEL = b"not really a wheel: central only checks the size and the SHA-256"
WHEEL_NAME = "shanghai_selfservice_kiosk-{version}-py3-none-any.whl"


@dataclass
class RolloutFleet:
    url: str
    http: requests.Session  # authenticates as the admin on /v1/admin/*
    keys: Any  # conftest.CentralKeys
    group: str = "lobby"
    _clients: dict[str, ReleaseClient] = field(default_factory=dict)

    def kiosk(self, kiosk_id: str) -> ReleaseClient:
        """The kiosk's own client (a ReleaseClient is a CentralClient: config routes too)."""
        if kiosk_id not in self._clients:
            self._clients[kiosk_id] = ReleaseClient(
                self.url, timeout_s=PATIENCE_S, kiosk_id=kiosk_id,
                token=self.keys.credential(kiosk_id, self.group), clock=SystemClock(),
                get_retries=0)
        return self._clients[kiosk_id]

    def enroll(self, *kiosk_ids: str) -> list[str]:
        for kiosk_id in kiosk_ids:
            self.kiosk(kiosk_id)
        return list(kiosk_ids)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    # --- config ------------------------------------------------------------------------------

    def push_config(self, version: int, **options: Any) -> requests.Response:
        bundle = ConfigBundle(version=version, issued_at=datetime.now(UTC), note=f"v{version}",
                              settings={"ui": {"idle_timeout_s": 90 + version}})
        push = ConfigPushIn(signed=sign_bundle(bundle, SIGNING_KEY),
                            target=options.pop("target", f"group:{self.group}"))
        body = {**push.model_dump(mode="json"), **options}
        return self.http.post(f"{self.url}/v1/admin/config/pushes", json=body,
                              timeout=PATIENCE_S)

    def config_of(self, kiosk_id: str) -> int:
        """The HTTP status GET /v1/config answers the kiosk (200: given, 204: nothing)."""
        return self.kiosk(kiosk_id).fetch_config(None).status

    def report_config(self, kiosk_id: str, version: int, outcome: str = "applied",
                      reason: str = "") -> None:
        self.kiosk(kiosk_id).report_config(ConfigReportIn(version=version, outcome=outcome,  # type: ignore[arg-type]
                                                          reason=reason))

    # --- software ----------------------------------------------------------------------------

    def push_release(self, version: str, **options: Any) -> requests.Response:
        name = WHEEL_NAME.format(version=version)
        now = datetime.now(UTC)
        manifest = ReleaseManifest(
            version=version, platform="linux_x86_64", python="cp311", created_at=now,
            expires_at=now + timedelta(days=30), note=f"release {version}",
            files=[ReleaseFile(name=name, sha256=hashlib.sha256(WHEEL).hexdigest(),
                               size=len(WHEEL))])
        signed = sign_release(manifest, SIGNING_KEY)
        stored = self.http.post(f"{self.url}/v1/admin/releases", data=signed.model_dump_json(),
                                headers={"Content-Type": "application/json"},
                                timeout=PATIENCE_S)
        assert stored.status_code == 201, stored.text
        uploaded = self.http.put(f"{self.url}/v1/admin/releases/{version}/files/{name}",
                                 data=WHEEL, timeout=PATIENCE_S,
                                 headers={"Content-Type": "application/octet-stream"})
        assert uploaded.status_code == 200, uploaded.text
        body = {"target": options.pop("target", f"group:{self.group}"), **options}
        return self.http.post(f"{self.url}/v1/admin/releases/{version}/rollouts", json=body,
                              timeout=PATIENCE_S)

    def release_of(self, kiosk_id: str) -> bool:
        """Whether GET /v1/release gives the kiosk a release."""
        return self.kiosk(kiosk_id).offered_release() is not None

    # --- control -----------------------------------------------------------------------------

    def control(self, kind: str, rollout_id: int, verb: str) -> requests.Response:
        return self.http.post(f"{self.url}/v1/admin/rollouts/{kind}/{rollout_id}/{verb}",
                              timeout=PATIENCE_S)

    def detail(self, kind: str, rollout_id: int) -> dict[str, Any]:
        answer = self.http.get(f"{self.url}/v1/admin/rollouts/{kind}/{rollout_id}",
                               timeout=PATIENCE_S)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def listed(self, **params: Any) -> list[dict[str, Any]]:
        answer = self.http.get(f"{self.url}/v1/admin/rollouts/all", params=params,
                               timeout=PATIENCE_S)
        assert answer.status_code == 200, answer.text
        rollouts: list[dict[str, Any]] = answer.json()["rollouts"]
        return rollouts


def kiosks_of(detail: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each kiosk's row of a rollout's detail, by kiosk id."""
    return {k["kiosk_id"]: k for wave in detail["by_wave"] for k in wave["kiosks"]}


def wave(detail: dict[str, Any], number: int) -> list[str]:
    return sorted(k["kiosk_id"] for k in detail["by_wave"][number - 1]["kiosks"])


@contextmanager
def rollout_fleet(url: str, keys: Any, admin: requests.Session | None = None
                  ) -> Iterator[RolloutFleet]:
    """A RolloutFleet on the central at ``url``, its admin calls through ``admin`` (an
    admin-authorised session) or a session of its own with ``keys``' admin token; both
    closed afterwards."""
    own = admin is None
    session = requests.Session() if admin is None else admin
    if own:
        session.headers["Authorization"] = f"Bearer {keys.admin_token}"
    made = RolloutFleet(url, session, keys)
    try:
        yield made
    finally:
        made.close()
        if own:
            session.close()
