"""One WARNING line for every call central refuses (401, 403, 429), naming who asked.

The kiosk is named by what central knows, never by what a client could forge into a
log line: the id of the credential that authenticated (auth.authenticated_kiosk keeps it
on the request), or else the id the client claims (its X-Kiosk-Id header, or the
kiosk_id of an enrollment), marked as claimed, cut to 32 characters of [A-Za-z0-9_-]
and quoted; the route as central declared it (``/v1/verify/{code}``, not the path the
client sent); central's own reason; the client's address as the rate limits count it.
"""

from __future__ import annotations

import logging
import re

from starlette.types import Scope

from central.logsafe import shown
from kiosk.errors import KioskError

log = logging.getLogger("central.refusals")

REFUSED_STATUSES = frozenset({401, 403, 429})
CLAIM_MAX = 32
_NOT_IN_AN_ID = re.compile(r"[^A-Za-z0-9_-]")
STATE_KIOSK = "kiosk_id"  # request.state: the authenticated kiosk
STATE_CLAIMED = "claimed_kiosk"  # request.state: a kiosk id the body claims


def claimed(value: str | None) -> str:
    """A client's claim fit for the log: ``'SH-CN-0001'``, with ``~`` after the quote
    when characters were dropped or it was cut; ``-`` when there is none."""
    if not value:
        return "-"
    kept = _NOT_IN_AN_ID.sub("", value)[:CLAIM_MAX]
    return f"'{kept}'" + ("~" if kept != value else "")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _route(scope: Scope) -> str:
    route = scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str):
        return template
    path = str(scope.get("path", ""))
    if path.startswith("/v1/verify/"):  # answered before routing (the slip look-up limit)
        return "/v1/verify/{code}"
    return shown(path, 64)


def who(scope: Scope) -> str:
    """``kiosk SH-CN-0001 (authenticated)`` or ``claimed kiosk 'SH-CN-0001' (not
    verified)``."""
    state = scope.get("state") or {}
    known = state.get(STATE_KIOSK)
    if known:
        return f"kiosk {known} (authenticated)"
    claim = state.get(STATE_CLAIMED) or _header(scope, b"x-kiosk-id")
    return f"claimed kiosk {claimed(claim)} (not verified)"


def log_refusal(scope: Scope, status: int, error: KioskError, client: str) -> None:
    """The refusal's line: status, code, route, central's reason, who asked, and from
    where (``client``: the address as central.ratelimit.client_key counts it)."""
    if status not in REFUSED_STATUSES:
        return
    reason = error.message.split(";")[0].split(" (")[0]
    limit = error.detail.get("limit")
    if limit:
        reason += f" (limit {limit}, retry after {error.detail.get('retry_after_s', '?')} s)"
    log.warning("refused %d %s on %s %s: %s; %s, client %s", status, error.code.value,
                scope.get("method", "-"), _route(scope), shown(reason, 120), who(scope),
                client)
