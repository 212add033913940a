"""Request bodies are bounded before central reads them (413 E_REQUEST_REJECTED).

A pure ASGI middleware, so it sees the body as the server delivers it, chunk by chunk: a
declared Content-Length over the limit is answered at once, without reading a byte of
the body; a body without one (chunked) is counted as it arrives and refused when the
count passes the limit. Central never holds more than the limit of a body in memory
(uvicorn itself buffers at most 64 kB before it stops reading the socket).

Most routes take ``BodyLimits.default``. Four route classes take more, and only from
a caller whose credential is valid (checked here, before the body is read, only when a
body is larger than the default): kiosk records posted directly (``record``), outbox
batches (``outbox``), config pushes by an admin (``bundle``) and a release's manifest
and wheels uploaded by an admin (``release``; the route then holds each wheel to the
size its signed manifest names). Anyone else gets the
default limit on every route, so an unauthenticated client can make central buffer no
more than that.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.errors import ErrorCode
from kiosk.sync.wire import OUTBOX_MAX_BYTES, RECORD_MAX_BYTES, ErrorBody
from kiosk.sync.wire_config import PUSH_MAX_BYTES
from kiosk.update.wire import RELEASE_FILE_MAX_BYTES

Caller = Literal["kiosk", "admin"]
Trusted = Callable[[Caller, str], Awaitable[bool]]
"""Whether a bearer secret is a valid credential of that kind of caller."""


@dataclass(frozen=True)
class BodyLimits:
    """Largest request body, in bytes, per route class (kiosk-central serve --limit)."""

    default: int = 64 * 1024
    """Every route not named below, and every caller without a valid credential."""
    record: int = RECORD_MAX_BYTES
    """POST /v1/bill-payments, /v1/stay-registrations, /v1/arbitration-applications."""
    outbox: int = OUTBOX_MAX_BYTES
    """POST /v1/outbox (the kiosk packs its batches to this size)."""
    bundle: int = PUSH_MAX_BYTES
    """POST /v1/admin/config/pushes (a signed bundle of up to BUNDLE_MAX_BYTES)."""
    release: int = RELEASE_FILE_MAX_BYTES
    """POST /v1/admin/releases (a manifest) and PUT /v1/admin/releases/V/files/NAME."""

    def __post_init__(self) -> None:
        for name in ("default", "record", "outbox", "bundle", "release"):
            if getattr(self, name) < 1:
                raise ValueError(f"body limit {name} must be positive")

    def larger(self) -> dict[tuple[str, str], tuple[int, Caller]]:
        """(method, path) -> (limit, who may send that much)."""
        return {("POST", "/v1/bill-payments"): (self.record, "kiosk"),
                ("POST", "/v1/stay-registrations"): (self.record, "kiosk"),
                ("POST", "/v1/arbitration-applications"): (self.record, "kiosk"),
                ("POST", "/v1/outbox"): (self.outbox, "kiosk"),
                ("POST", "/v1/admin/config/pushes"): (self.bundle, "admin"),
                ("POST", "/v1/admin/releases"): (self.release, "admin")}

    def larger_under(self) -> dict[tuple[str, str], tuple[int, Caller]]:
        """(method, path prefix) -> (limit, who may send that much)."""
        return {("PUT", "/v1/admin/releases/"): (self.release, "admin")}


class BodyTooLarge(HTTPException):
    """Raised from inside the app's receive when a streamed body passes its limit;
    api.py answers it like the middleware's own refusal (``too_large_response``)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "request body too large")
        self.limit = limit


def too_large_response(limit: int) -> JSONResponse:
    body = ErrorBody(code=ErrorCode.REQUEST_REJECTED.value, message="request body too large",
                     detail={"limit_bytes": str(limit)})
    # Close: the rest of the body is never read, so the connection cannot be reused.
    return JSONResponse(status_code=413, content=body.model_dump(mode="json"),
                        headers={"Connection": "close"})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value)
    return None


def _bearer(scope: Scope) -> str | None:
    value = _header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, secret = value.decode("latin-1").partition(" ")
    return secret.strip() or None if scheme.lower() == "bearer" else None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limits: BodyLimits, trusted: Trusted) -> None:
        self.app = app
        self.limits = limits
        self.trusted = trusted
        self._larger = limits.larger()
        self._larger_under = limits.larger_under()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = _BodyCount(self, scope)
        declared = _header(scope, b"content-length")
        if (declared is not None and declared.isdigit()
                and int(declared) > await request.limit_for(int(declared))):
            await too_large_response(request.limit)(scope, receive, send)
            return

        async def counted_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request.received += len(message.get("body", b""))
                if request.received > await request.limit_for(request.received):
                    raise BodyTooLarge(request.limit)
            return message

        await self.app(scope, counted_receive, send)


class _BodyCount:
    """One request's limit: the default until a body needs more, then the route's larger
    limit if the caller's credential is valid (asked once)."""

    def __init__(self, middleware: BodyLimitMiddleware, scope: Scope) -> None:
        self._middleware = middleware
        self._scope = scope
        self._larger = middleware._larger.get((scope["method"], scope["path"])) or next(
            (limit for (method, prefix), limit in middleware._larger_under.items()
             if scope["method"] == method and scope["path"].startswith(prefix)), None)
        self._checked = False
        self.limit = middleware.limits.default
        self.received = 0

    async def limit_for(self, size: int) -> int:
        if size > self.limit and self._larger is not None and not self._checked:
            self._checked = True
            larger, caller = self._larger
            secret = _bearer(self._scope)
            if secret is not None and await self._middleware.trusted(caller, secret):
                self.limit = larger
        return self.limit
