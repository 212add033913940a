"""Rate limits at central's edge: 429 E_RATE_LIMITED with Retry-After.

- One-time codes (POST /v1/tax/identify sends an SMS): per phone and per kiosk, counted
  from the codes central sent (table one_time_code_sends), so a restart or a second
  central instance on the same database does not reset them. ``OneTimeCodeLimits.spend``
  runs in the identification's transaction: a refused code leaves no session behind.
- Failed authentication (a wrong kiosk credential or admin token, a wrong enrollment
  token) per client: api.py calls ``ClientLimits.note_auth_failure`` where those
  refusals become answers; once a client has used up its failures, ``RateLimitMiddleware``
  answers every request of it that presents a secret with 429 before the secret is
  looked at (so a right guess is not told apart from a wrong one).
- Slip look-ups (GET /v1/verify/...) per client, in the middleware.
- Refused payment notifications (POST /v1/qrpay/notify/...) per client, counted where
  central refuses one (central/api_qr.py): once used up, the client's notifications are
  answered 429 before they are read, as for failed authentication.

The two kinds read their rates differently. A code limit "5/3600" is exact: at most 5
codes in any hour. A per-client limit is a bucket (GCRA): "30/60" takes 30 at once, then
one every 2 seconds; it is kept in this process's memory (one number per rate and
client), for at most ``RateLimits.clients_tracked`` clients. A client is its address as
uvicorn reports it (behind a reverse proxy on the same host: X-Forwarded-For), an IPv6
address counted by its /64 network. Every limit reads central's injected Clock, so tests
move time instead of sleeping.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from central.models_edge import OneTimeCodeSendRow
from central.records import serialize_on
from central.refusals import log_refusal
from central.timeutil import Clock
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import ErrorBody

LIMIT_CODES = "one_time_code"
LIMIT_AUTH = "auth_failures"
LIMIT_VERIFY = "verify"
LIMIT_NOTIFY = "notification_failures"
NOTIFY_PREFIX = "/v1/qrpay/notify/"


@dataclass(frozen=True)
class Rate:
    """``count`` per ``per_s`` seconds: exactly, in any such window, for one-time codes;
    as a bucket of ``count`` refilled at that rate for the per-client limits."""

    count: int
    per_s: float

    def __post_init__(self) -> None:
        if self.count < 1 or self.per_s <= 0:
            raise ValueError("a rate needs a count >= 1 and a positive period")

    def __str__(self) -> str:
        return f"{self.count}/{self.per_s:g}"


Rates = tuple[Rate, ...]


def parse_rates(text: str) -> Rates:
    """"1/60,5/3600" -> (Rate(1, 60), Rate(5, 3600)): count/seconds, comma-separated."""
    rates = []
    for part in text.split(","):
        count, slash, seconds = part.strip().partition("/")
        if not slash:
            raise ValueError(f"{part.strip()!r} is not COUNT/SECONDS")
        rates.append(Rate(int(count), float(seconds)))
    return tuple(rates)


@dataclass(frozen=True)
class RateLimits:
    """Central's rate limits (kiosk-central serve --limit NAME=VALUE; docs/central.md)."""

    codes_per_phone: Rates = (Rate(1, 60), Rate(5, 3600))
    """One-time codes sent to one phone number."""
    codes_per_kiosk: Rates = (Rate(3, 60), Rate(30, 3600))
    """One-time codes asked for by one kiosk (a tax record takes a person minutes)."""
    auth_failures_per_client: Rates = (Rate(60, 60), Rate(600, 3600))
    """Wrong kiosk credentials, admin tokens and enrollment tokens from one client."""
    verify_per_client: Rates = (Rate(30, 60), Rate(300, 3600))
    """Slip look-ups (GET /v1/verify/...) from one client."""
    notify_failures_per_client: Rates = (Rate(60, 60), Rate(600, 3600))
    """Refused payment notifications (bad signature, unknown order...) from one client:
    then its notifications get 429 before they are read. A provider's genuine
    notifications are never counted."""
    clients_tracked: int = 100_000
    """Clients remembered per limit; beyond, the longest quiet ones are forgotten."""

    def with_setting(self, name: str, value: str) -> RateLimits:
        """A copy with one setting given as text (the command line's NAME=VALUE)."""
        known = {f.name for f in fields(self)}
        if name not in known:
            raise ValueError(f"unknown rate limit {name!r} (one of {', '.join(sorted(known))})")
        if name == "clients_tracked":
            return replace(self, clients_tracked=int(value))
        return replace(self, **{name: parse_rates(value)})  # type: ignore[arg-type]  # a Rates field


def rate_limited(retry_after_s: float, limit: str) -> KioskError:
    return KioskError(ErrorCode.RATE_LIMITED, "too many requests; try again later",
                      retry_after_s=str(max(1, math.ceil(retry_after_s))), limit=limit)


def rate_limited_response(error: KioskError) -> JSONResponse:
    """429 with Retry-After (seconds), the ErrorBody carrying the same number."""
    body = ErrorBody(code=error.code.value, message=error.message, detail=error.detail)
    return JSONResponse(status_code=429, content=body.model_dump(mode="json"),
                        headers={"Retry-After": error.detail["retry_after_s"]})


# --- one-time codes, counted from the database ----------------------------------------------

def phone_hash(phone: str) -> str:
    return hashlib.sha256("".join(ch for ch in phone if ch.isdigit()).encode()).hexdigest()


class OneTimeCodeLimits:
    def __init__(self, limits: RateLimits) -> None:
        self.per_phone = limits.codes_per_phone
        self.per_kiosk = limits.codes_per_kiosk
        self._kept = timedelta(seconds=max(r.per_s for r in (*self.per_phone, *self.per_kiosk)))

    def spend(self, session: Session, phone: str, kiosk_id: str | None, now: datetime
              ) -> None:
        """Count a code to ``phone`` asked for by ``kiosk_id`` now, inside the caller's
        transaction; E_RATE_LIMITED (nothing counted) when a limit is reached."""
        serialize_on(session, "one-time-codes")  # PostgreSQL: concurrent asks take turns
        session.execute(delete(OneTimeCodeSendRow)
                        .where(OneTimeCodeSendRow.sent_at < now - self._kept)
                        .execution_options(synchronize_session=False))
        digest = phone_hash(phone)
        wait = self._wait(session, OneTimeCodeSendRow.phone_hash == digest, self.per_phone, now)
        if kiosk_id is not None:
            wait = max(wait, self._wait(session, OneTimeCodeSendRow.kiosk_id == kiosk_id,
                                        self.per_kiosk, now))
        if wait > 0:
            raise rate_limited(wait, LIMIT_CODES)
        session.add(OneTimeCodeSendRow(phone_hash=digest, kiosk_id=kiosk_id, sent_at=now))

    def _wait(self, session: Session, subject: ColumnElement[bool], rates: Rates,
              now: datetime) -> float:
        since = now - timedelta(seconds=max(rate.per_s for rate in rates))
        sent = list(session.scalars(select(OneTimeCodeSendRow.sent_at)
                                    .where(subject, OneTimeCodeSendRow.sent_at > since)
                                    .order_by(OneTimeCodeSendRow.sent_at)))
        wait = 0.0
        for rate in rates:
            window = [t for t in sent if t > now - timedelta(seconds=rate.per_s)]
            if len(window) >= rate.count:  # free again when enough of them age out
                freed = window[len(window) - rate.count] + timedelta(seconds=rate.per_s)
                wait = max(wait, (freed - now).total_seconds())
        return wait


# --- per client, in memory --------------------------------------------------------------------

@dataclass
class _Slot:
    due: list[float] = field(default_factory=list)  # GCRA theoretical arrival time per rate


class ClientRateLimiter:
    """GCRA per rate: ``count`` at once, then one every per_s / count seconds."""

    def __init__(self, rates: Rates, clock: Clock, capacity: int) -> None:
        self.rates = rates
        self.clock = clock
        self.capacity = capacity
        self._slots: OrderedDict[str, _Slot] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float:
        """Seconds until one more is allowed (0: allowed now)."""
        now = self.clock.now().timestamp()
        with self._lock:
            slot = self._slots.get(key)
            return 0.0 if slot is None else self._wait(slot, now)

    def hit(self, key: str) -> float:
        """Count one if allowed (0 returned); else the seconds to wait (nothing counted)."""
        now = self.clock.now().timestamp()
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                self._make_room(now)
                slot = self._slots[key] = _Slot([now] * len(self.rates))
            wait = self._wait(slot, now)
            if wait == 0:
                slot.due = [max(due, now) + rate.per_s / rate.count
                            for due, rate in zip(slot.due, self.rates, strict=True)]
                self._slots.move_to_end(key)
            return wait

    def _wait(self, slot: _Slot, now: float) -> float:
        return max(0.0, *(due - (rate.per_s - rate.per_s / rate.count) - now
                          for due, rate in zip(slot.due, self.rates, strict=True)))

    def _make_room(self, now: float) -> None:
        if len(self._slots) < self.capacity:
            return
        for key in [k for k, s in self._slots.items() if max(s.due) <= now]:
            del self._slots[key]  # fully recovered: nothing to remember
        while len(self._slots) >= self.capacity:
            self._slots.popitem(last=False)  # the longest quiet


def client_key(scope: Scope) -> str:
    client = scope.get("client")
    host = client[0] if client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address.ipv4_mapped or address) if address.version == 6 else str(address)


class ClientLimits:
    """The per-client limits of one central process."""

    def __init__(self, limits: RateLimits, clock: Clock) -> None:
        self.auth = ClientRateLimiter(limits.auth_failures_per_client, clock,
                                      limits.clients_tracked)
        self.verify = ClientRateLimiter(limits.verify_per_client, clock,
                                        limits.clients_tracked)
        self.notify = ClientRateLimiter(limits.notify_failures_per_client, clock,
                                        limits.clients_tracked)

    def note_auth_failure(self, request: Request) -> None:
        self.auth.hit(client_key(request.scope))


def _presents_secret(scope: Scope) -> bool:
    if scope["method"] == "POST" and scope["path"] == "/v1/enroll":
        return True
    return any(name.lower() == b"authorization" for name, _ in scope.get("headers", ()))


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limits: ClientLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            key = client_key(scope)
            wait, limit = 0.0, ""
            if scope["path"].startswith("/v1/verify/"):
                wait, limit = self.limits.verify.hit(key), LIMIT_VERIFY
            elif scope["path"].startswith(NOTIFY_PREFIX):
                wait, limit = self.limits.notify.retry_after(key), LIMIT_NOTIFY
            elif _presents_secret(scope):
                wait, limit = self.limits.auth.retry_after(key), LIMIT_AUTH
            if wait > 0:
                refusal = rate_limited(wait, limit)
                log_refusal(scope, 429, refusal, key)
                answer = rate_limited_response(refusal)
                # Its body is never read: close rather than drain it for the next request.
                answer.headers["Connection"] = "close"
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)
