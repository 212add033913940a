"""Alerts to a webhook: a JSON POST for each raised and each cleared alert.

A delivery row is written in the transaction that raises or clears the alert
(central/alerts.py), so an event is neither lost by a crash nor made twice; the
scheduler's ``alert-webhook`` job sends the due ones (on the lease holder only), outside
any transaction, so a slow receiver holds neither the database nor a heartbeat.

Each POST carries ``X-Kiosk-Signature: sha256=<hex HMAC-SHA256 of the body with the
shared secret>`` and ``X-Kiosk-Delivery: <delivery id>`` (a receiver drops a delivery id
it has seen: a POST whose answer was lost is sent again). Within one attempt urllib3
retries refused connections and 429/5xx answers with a short backoff; a failed attempt is
tried again ``backoff_s`` later, doubling up to ``max_backoff_s``, and given up
(``failed``) after ``max_attempts``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import urllib3
from sqlalchemy import Engine, select
from urllib3.util.retry import Retry

from central.db import make_session_factory
from central.models_alerts import AlertDeliveryRow, AlertRow
from central.schemas_alerts import AlertOut
from central.timeutil import Clock

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Kiosk-Signature"
DELIVERY_HEADER = "X-Kiosk-Delivery"
BATCH = 50  # deliveries a round sends at most (the rest wait for the next round)
RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    secret: str  # HMAC key the receiver shares
    timeout_s: float = 5.0  # connect and read, per POST
    retries: int = 2  # urllib3 retries within an attempt
    retry_backoff_s: float = 0.5  # urllib3's backoff factor within an attempt
    backoff_s: float = 30.0  # before the second attempt; doubled for each next one
    max_backoff_s: float = 3600.0
    max_attempts: int = 20  # then the delivery is failed (listed, not sent again)

    def __post_init__(self) -> None:
        if urlsplit(self.url).scheme not in ("http", "https") or not urlsplit(self.url).netloc:
            raise ValueError("webhook url must be http:// or https:// with a host")
        if not self.secret:
            raise ValueError("webhook secret must not be empty")
        if self.timeout_s <= 0 or self.backoff_s <= 0 or self.max_attempts < 1 \
                or self.retries < 0:
            raise ValueError("webhook timeout_s, backoff_s, max_attempts must be positive")

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt."""
        return timedelta(seconds=min(self.backoff_s * 2 ** (attempts - 1), self.max_backoff_s))


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payload(delivery: AlertDeliveryRow, alert: AlertRow) -> bytes:
    body: dict[str, Any] = {
        "event": f"alert.{delivery.event}", "delivery_id": delivery.id,
        "alert": AlertOut.of(alert).model_dump(mode="json", exclude={"webhook"})}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class WebhookSender:
    def __init__(self, engine: Engine, clock: Clock, settings: WebhookSettings) -> None:
        self.clock = clock
        self.settings = settings
        self._sessions = make_session_factory(engine)
        self._pool = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=settings.timeout_s, read=settings.timeout_s),
            retries=Retry(total=settings.retries, connect=settings.retries, read=0,
                          status=settings.retries, status_forcelist=RETRY_STATUSES,
                          allowed_methods=None, backoff_factor=settings.retry_backoff_s,
                          raise_on_status=False, raise_on_redirect=False, redirect=0))

    def deliver_due(self, now: datetime) -> None:
        """The scheduler's job: send the deliveries due by ``now``, oldest first."""
        with self._sessions() as session:
            due = [(delivery.id, payload(delivery, alert)) for delivery, alert in
                   session.execute(select(AlertDeliveryRow, AlertRow)
                                   .join(AlertRow, AlertRow.id == AlertDeliveryRow.alert_id)
                                   .where(AlertDeliveryRow.state == "pending",
                                          AlertDeliveryRow.next_attempt_at <= now)
                                   .order_by(AlertDeliveryRow.id).limit(BATCH)).all()]
        for delivery_id, body in due:
            error = self._post(delivery_id, body)
            self._record(delivery_id, error)

    def _post(self, delivery_id: int, body: bytes) -> str | None:
        """None when the receiver took it (2xx), else why not (no personal data)."""
        try:
            answer = self._pool.request(
                "POST", self.settings.url, body=body,
                headers={"Content-Type": "application/json",
                         SIGNATURE_HEADER: signature(self.settings.secret, body),
                         DELIVERY_HEADER: str(delivery_id)})
        except urllib3.exceptions.HTTPError as exc:
            reason = getattr(exc, "reason", None)
            return type(reason if isinstance(reason, Exception) else exc).__name__
        if 200 <= answer.status < 300:
            return None
        return f"HTTP {answer.status}"

    def _record(self, delivery_id: int, error: str | None) -> None:
        now = self.clock.now()
        with self._sessions.begin() as session:
            row = session.get(AlertDeliveryRow, delivery_id)
            if row is None:
                return
            row.attempts += 1
            if error is None:
                row.state, row.delivered_at, row.last_error = "delivered", now, None
                log.info("alert webhook: delivery %d (%s) delivered", row.id, row.event)
                return
            row.last_error = error[:200]
            if row.attempts >= self.settings.max_attempts:
                row.state = "failed"
                log.warning("alert webhook: delivery %d failed for good after %d attempts "
                            "(%s)", row.id, row.attempts, row.last_error)
            else:
                row.next_attempt_at = now + self.settings.backoff(row.attempts)
                log.warning("alert webhook: delivery %d attempt %d failed (%s); next at %s",
                            row.id, row.attempts, row.last_error,
                            row.next_attempt_at.isoformat())
