"""A central with alerts for the alert tests: a real central on 127.0.0.1 (SQLite or
PostgreSQL), its scheduler's rounds run by the test (the background thread's interval
is an hour, so no round happens behind the test's back), a webhook receiver on
127.0.0.1, and helpers for heartbeats and the alert list."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests

from central import admin
from central.alerts import AlertSettings, WebhookSettings
from central.scheduler import SchedulerSettings
from central.server import CentralServer
from tests.patience import PATIENCE_S

SECRET = "webhook-secret-for-tests"
# Offline after 3 missed 60 s beats (central's default), alerted 5 minutes later.
THRESHOLDS = AlertSettings(offline_minutes=5, fault_minutes=10, outbox_depth=100,
                           outbox_rising_beats=3)


def webhook(url: str, **changes: Any) -> WebhookSettings:
    options: dict[str, Any] = {"url": url, "secret": SECRET, "timeout_s": PATIENCE_S / 3,
                               "retries": 1, "retry_backoff_s": 0.01, "backoff_s": 60.0}
    options.update(changes)
    return WebhookSettings(**options)


def alert_central(db_url: str, clock: Any, settings: AlertSettings,
                  interval_s: float = 3600.0) -> CentralServer:
    return CentralServer(db_url, clock=clock, seed_demo=False, alerts=settings,
                         scheduler=SchedulerSettings(interval_s=interval_s))


def healthy(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "app_version": "0.1.0", "config_version": "local-0123456789ab",
        "devices": {"printer": {"state": "ok"}, "payment": {"state": "ok"},
                    "reader": {"state": "ok"}},
        "outbox_depth": 0, "last_error": None, "disk_free_bytes": 5 * 2**30,
    }
    body.update(changes)
    return body


@dataclass
class Alerting:
    server: CentralServer
    http: requests.Session  # authenticates as the kiosk it names, or as the admin
    clock: Any
    admin_token: str

    def round(self) -> None:
        """One scheduler round now, on this central (it holds the lease)."""
        assert self.server.app is not None
        assert self.server.app.state.scheduler.run_once(), "the round did not run"

    def later(self, minutes: float) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    def beat(self, kiosk_id: str, **changes: Any) -> None:
        answer = self.http.post(f"{self.server.url}/v1/heartbeats", json=healthy(**changes),
                                headers={"X-Kiosk-Id": kiosk_id}, timeout=PATIENCE_S)
        assert answer.status_code == 200, answer.text

    def alerts(self, state: str = "open", kiosk_id: str | None = None) -> list[dict[str, Any]]:
        params = {"state": state, **({"kiosk_id": kiosk_id} if kiosk_id else {})}
        answer = self.http.get(f"{self.server.url}/v1/admin/alerts", params=params,
                               timeout=PATIENCE_S)
        assert answer.status_code == 200, answer.text
        alerts: list[dict[str, Any]] = answer.json()["alerts"]
        return alerts

    def kinds(self, state: str = "open") -> list[tuple[str, str | None, str]]:
        return sorted((a["kind"], a["kiosk_id"], a["subject"]) for a in self.alerts(state))

    def admin(self, *argv: str) -> tuple[int, str]:
        out = io.StringIO()
        status = admin.main([*argv, "--central", self.server.url, "--token", self.admin_token],
                            out=out)
        return status, out.getvalue()
