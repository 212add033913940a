"""The demo fleet's operations for the console's screenshots: rollouts of both kinds in
several states (through central's real admin and kiosk routes: pushed, fetched,
reported, paused), a kiosk marked in maintenance, and a webhook receiver on 127.0.0.1
that takes the alerts (so their delivery state shows). Central does not check a bundle's
or a release's signature against a trust store (the kiosks do), so a key made here
signs them."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.devtools.console_demo import TIMEOUT_S, DemoClock
from kiosk.sync.wire_config import ConfigBundle, ConfigPushIn, sign_bundle
from kiosk.update.wire import ReleaseFile, ReleaseManifest, sign_release

WHEEL = b"demo wheel: central checks only its size and SHA-256"


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


@contextmanager
def webhook_receiver() -> Iterator[str]:
    """An alert webhook on 127.0.0.1 that accepts every delivery; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/alerts"
    finally:
        server.shutdown()
        server.server_close()


class DemoOperations:
    """An admin (``token``) and the demo kiosks (``kiosk_headers``) on central at ``url``."""

    def __init__(self, url: str, token: str, kiosk_headers: dict[str, dict[str, str]],
                 clock: DemoClock) -> None:
        self.url = url
        self.kiosks = kiosk_headers
        self.clock = clock
        self.key = Ed25519PrivateKey.generate()
        self.admin = requests.Session()
        self.admin.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.admin.close()

    def _post(self, path: str, body: Any) -> dict[str, Any]:
        answer = self.admin.post(f"{self.url}{path}", json=body, timeout=TIMEOUT_S)
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
        return found

    def push_config(self, version: int, target: str, note: str, **options: Any) -> int:
        bundle = ConfigBundle(version=version, issued_at=datetime.now(UTC), note=note,
                              settings={"ui": {"idle_timeout_s": 60 + version}})
        push = ConfigPushIn(signed=sign_bundle(bundle, self.key), target=target)
        return int(self._post("/v1/admin/config/pushes",
                              {**push.model_dump(mode="json"), **options})["id"])

    def push_release(self, version: str, target: str, note: str, **options: Any) -> int:
        name = f"shanghai_selfservice_kiosk-{version}-py3-none-any.whl"
        now = datetime.now(UTC)
        manifest = ReleaseManifest(
            version=version, platform="linux_x86_64", python="cp311", created_at=now,
            expires_at=now + timedelta(days=30), note=note,
            files=[ReleaseFile(name=name, sha256=hashlib.sha256(WHEEL).hexdigest(),
                               size=len(WHEEL))])
        stored = self.admin.post(f"{self.url}/v1/admin/releases", timeout=TIMEOUT_S,
                                 data=sign_release(manifest, self.key).model_dump_json(),
                                 headers={"Content-Type": "application/json"})
        stored.raise_for_status()
        self.admin.put(f"{self.url}/v1/admin/releases/{version}/files/{name}", data=WHEEL,
                       headers={"Content-Type": "application/octet-stream"},
                       timeout=TIMEOUT_S).raise_for_status()
        return int(self._post(f"/v1/admin/releases/{version}/rollouts",
                              {"target": target, **options})["id"])

    def config_round(self, version: int, outcomes: dict[str, tuple[str, str]]) -> None:
        """Every kiosk asks for its config; those in ``outcomes`` that got ``version``
        report (outcome, reason)."""
        for kiosk_id, headers in self.kiosks.items():
            answer = requests.get(f"{self.url}/v1/config", headers=headers, timeout=TIMEOUT_S)
            if answer.status_code == 200 and kiosk_id in outcomes:
                outcome, reason = outcomes[kiosk_id]
                requests.post(f"{self.url}/v1/config/reports", headers=headers,
                              timeout=TIMEOUT_S, json={"version": version, "outcome": outcome,
                                                       "reason": reason}).raise_for_status()

    def release_round(self, version: str, outcomes: dict[str, tuple[str, str]]) -> None:
        for kiosk_id, headers in self.kiosks.items():
            answer = requests.get(f"{self.url}/v1/release", headers=headers, timeout=TIMEOUT_S)
            if answer.status_code == 200 and kiosk_id in outcomes:
                outcome, reason = outcomes[kiosk_id]
                requests.post(f"{self.url}/v1/release/reports", headers=headers,
                              timeout=TIMEOUT_S, json={"version": version, "outcome": outcome,
                                                       "reason": reason}).raise_for_status()

    def first_wave(self, kind: str, rollout_id: int) -> list[str]:
        answer = self.admin.get(f"{self.url}/v1/admin/rollouts/{kind}/{rollout_id}",
                                timeout=TIMEOUT_S)
        answer.raise_for_status()
        return [k["kiosk_id"] for k in answer.json()["by_wave"][0]["kiosks"]]

    def control(self, kind: str, rollout_id: int, verb: str) -> None:
        self._post(f"/v1/admin/rollouts/{kind}/{rollout_id}/{verb}", None)

    def maintenance(self, kiosk_id: str, note: str) -> None:
        self._post(f"/v1/admin/kiosks/{kiosk_id}/maintenance",
                   {"maintenance": True, "note": note})


def demo_operations(ops: DemoOperations, now: datetime) -> None:
    """Yesterday's config 12 completed everywhere; this morning's software 1.4.1 to
    xujiahui paused by the admin after a rollback; config 13 to every kiosk in three
    waves, its first wave reported (one kiosk failed) and the second one started; a
    kiosk marked in maintenance."""
    applied = dict.fromkeys(ops.kiosks, ("applied", ""))
    ops.clock.set(now - timedelta(hours=20))
    ops.push_config(12, "all", "receipt footer: new hotline")
    ops.config_round(12, applied)
    ops.clock.set(now - timedelta(hours=5))
    release = ops.push_release("1.4.1", "group:xujiahui", "card reader retry fix",
                               wave_percent=50, window="01:00-23:59", failure_threshold=0.6)
    ops.release_round("1.4.1", {
        "SH-XJ-0001": ("kept", ""),
        "SH-XJ-0002": ("rolled_back", "health check failed: printer did not answer")})
    ops.clock.set(now - timedelta(hours=4, minutes=40))
    ops.control("software", release, "pause")
    ops.clock.set(now - timedelta(minutes=50))
    latest = ops.push_config(13, "all", "idle timeout 75 s", wave_percent=34,
                             wave_deadline_s=4 * 3600, success_threshold=0.7,
                             failure_threshold=0.3)
    wave_one = dict.fromkeys(ops.first_wave("config", latest), ("applied", ""))
    wave_one[min(wave_one)] = ("failed", "health check: card terminal did not answer")
    ops.config_round(13, wave_one)
    ops.maintenance("SH-XJ-0004", "screen replaced, testing")
    ops.clock.set(now)
