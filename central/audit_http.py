"""Every admin call that changes something, and every refused admin token, becomes an
audit event (central.audit), here in one place rather than in each route.

An ASGI middleware around the routes of /v1/admin/: for a POST, PUT, PATCH or DELETE it
records the action with the token's label, what the route acted on, and the outcome by
the answer's status (2xx ok, 4xx refused with central's error code, 5xx or an exception
failed); for any 401 on /v1/admin/ it records ``admin.auth_failed``. Reads (GET) are
not events.

An action that changes something commits its event in its own transaction
(central.audit_unit): the middleware opens a pending event around the call, and the
action's first writing transaction appends it, outcome ok, as it commits; what the
event says of the result comes from what the action noted (the keys of its answer). Only
when no transaction carried it (refused, failed, or nothing written) is the event
recorded after the answer, in a transaction of its own. Either way it is committed
before the answer's last byte is sent, so a client that reads the trail right after its
call finds it there.

ACTIONS names the known routes and what of the call each keeps (ids, versions, targets:
never a secret such as the enrollment token an answer carries, never personal data). A
route it does not name is still recorded, under a name made from its path
(``POST /v1/admin/rollouts/{rollout_id}/pause`` is ``rollouts.pause``, ``DELETE
/v1/admin/rollouts/{rollout_id}`` is ``rollouts.delete``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from anyio import to_thread
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from central.audit import AdminIdentity, AuditTrail, EventFields
from central.audit_unit import PendingEvent, pending_event
from central.schemas_audit import Outcome

log = logging.getLogger(__name__)

ADMIN_PREFIX = "/v1/admin/"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CAPTURE_MAX = 64 * 1024  # JSON of an admin call: enough for what ACTIONS reads
AUTH_FAILED = "admin.auth_failed"

Json = dict[str, Any]


@dataclass(frozen=True)
class Described:
    """What an event says of a call beyond who and how it ended."""

    target: str | None = None
    kiosk_id: str | None = None
    details: dict[str, object] = field(default_factory=dict)


Describe = Callable[[Mapping[str, Any], Json, Json], Described]
"""(path parameters, request JSON, answer JSON) -> Described; the JSONs are {} when
absent or not JSON."""


def _config_push(_path: Mapping[str, Any], body: Json, answer: Json) -> Described:
    signed = body.get("signed") if isinstance(body.get("signed"), dict) else {}
    version = answer.get("version") or (signed or {}).get("version")
    return Described(target=_str(body.get("target")),
                     kiosk_id=_kiosk_of_target(body.get("target")),
                     details=_some(version=version, rollout_id=answer.get("id"),
                                   wave_percent=body.get("wave_percent")))


def _release_store(_path: Mapping[str, Any], _body: Json, answer: Json) -> Described:
    return Described(target=_str(answer.get("version")))


def _release_file(path: Mapping[str, Any], _body: Json, _answer: Json) -> Described:
    return Described(target=f"{path.get('version')}/{path.get('name')}")


def _release_push(path: Mapping[str, Any], body: Json, answer: Json) -> Described:
    return Described(target=_str(path.get("version")),
                     kiosk_id=_kiosk_of_target(body.get("target")),
                     details=_some(to=body.get("target"), rollout_id=answer.get("id"),
                                   wave_percent=body.get("wave_percent")))


def _enrollment(_path: Mapping[str, Any], body: Json, _answer: Json) -> Described:
    # Never the answer's token: a secret shown once.
    return Described(target=_str(body.get("kiosk_id")), kiosk_id=_str(body.get("kiosk_id")),
                     details=_some(group=body.get("group")))


def _token_revoke(path: Mapping[str, Any], _body: Json, answer: Json) -> Described:
    return Described(target=f"admin token {path.get('token_id')}",
                     details=_some(label=answer.get("label")))


def _kiosk_revoke(path: Mapping[str, Any], _body: Json, answer: Json) -> Described:
    return Described(target=_str(path.get("kiosk_id")), kiosk_id=_str(path.get("kiosk_id")),
                     details=_some(tokens_spent=answer.get("tokens_spent")))


def _maintenance(path: Mapping[str, Any], body: Json, _answer: Json) -> Described:
    state = body.get("maintenance")
    return Described(target=_str(path.get("biller_id")),
                     details=_some(maintenance=None if state is None
                                   else ("on" if state else "off")))


def _reconcile(_path: Mapping[str, Any], body: Json, answer: Json) -> Described:
    runs = answer.get("runs")
    found = (sum(len(run.get("differences") or []) for run in runs if isinstance(run, dict))
             if isinstance(runs, list) else None)
    return Described(target=_str(body.get("day")),
                     details=_some(provider=body.get("provider"), differences=found))


def _kiosk_maintenance(path: Mapping[str, Any], body: Json, _answer: Json) -> Described:
    state = body.get("maintenance")
    return Described(target=_str(path.get("kiosk_id")), kiosk_id=_str(path.get("kiosk_id")),
                     details=_some(maintenance=None if state is None
                                   else ("on" if state else "off")))


def _rollout_verb(path: Mapping[str, Any], _body: Json, answer: Json) -> Described:
    """A rollout's pause, resume, cancel or retry: which rollout, and its state after."""
    return Described(target=f"{path.get('kind')} rollout {path.get('rollout_id')}",
                     details=_some(kind=path.get("kind"), rollout_id=path.get("rollout_id"),
                                   state=answer.get("state")))


ROLLOUT_VERBS = ("pause", "resume", "cancel", "retry")

ACTIONS: dict[tuple[str, str], tuple[str, Describe]] = {
    ("POST", "/v1/admin/config/pushes"): ("config.push", _config_push),
    ("POST", "/v1/admin/releases"): ("release.store", _release_store),
    ("PUT", "/v1/admin/releases/{version}/files/{name}"): ("release.upload_file",
                                                           _release_file),
    ("POST", "/v1/admin/releases/{version}/rollouts"): ("release.push", _release_push),
    ("POST", "/v1/admin/enrollments"): ("kiosk.enrollment_token", _enrollment),
    ("POST", "/v1/admin/tokens/{token_id}/revoke"): ("admin_token.revoke", _token_revoke),
    ("POST", "/v1/admin/kiosks/{kiosk_id}/revoke"): ("kiosk.revoke", _kiosk_revoke),
    ("POST", "/v1/admin/billers/{biller_id}/maintenance"): ("biller.maintenance",
                                                            _maintenance),
    ("POST", "/v1/admin/qr-reconciliations"): ("payments.reconcile", _reconcile),
    ("POST", "/v1/admin/kiosks/{kiosk_id}/maintenance"): ("kiosk.maintenance",
                                                          _kiosk_maintenance),
    **{("POST", f"/v1/admin/rollouts/{{kind}}/{{rollout_id}}/{verb}"): (f"rollout.{verb}",
                                                                       _rollout_verb)
       for verb in ROLLOUT_VERBS},
}


def _path_only(path: Mapping[str, Any], _body: Json, _answer: Json) -> Described:
    """An admin route ACTIONS does not name: its path parameters are its target."""
    return Described(target="/".join(str(value) for value in path.values()) or None,
                     kiosk_id=_str(path.get("kiosk_id")))


def action_of(method: str, template: str) -> tuple[str, Describe]:
    """The action a route is recorded as: ACTIONS', else one made from its path."""
    known = ACTIONS.get((method, template))
    if known is not None:
        return known
    words = [part.replace("-", "_") for part in template.removeprefix(ADMIN_PREFIX).split("/")
             if part and not part.startswith("{")]
    if method != "POST":  # POST .../pause says its verb; DELETE .../rollouts/{id} does not
        words.append(method.lower())
    return ".".join(words) or "admin", _path_only


class AdminAuditMiddleware:
    """See the module's docstring. ``trail`` is read per call (it is set on the app)."""

    def __init__(self, app: ASGIApp, trail: Callable[[], AuditTrail]) -> None:
        self.app = app
        self.trail = trail

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        call = _Call(scope)
        call.pending = PendingEvent(self.trail(), self._in_transaction(call))

        async def receive_captured() -> Message:
            message = await receive()
            if message["type"] == "http.request" and call.capture_request:
                call.request.extend(message.get("body", b"")[:CAPTURE_MAX - len(call.request)])
            return message

        async def send_recorded(message: Message) -> None:
            if message["type"] == "http.response.start":
                call.status = int(message["status"])
            elif message["type"] == "http.response.body":
                call.answer.extend(message.get("body", b"")[:CAPTURE_MAX - len(call.answer)])
                if not message.get("more_body", False) and call.status is not None:
                    await self._record(call, _outcome(call.status))
            await send(message)

        try:
            if call.method in WRITES:
                with pending_event(call.pending):
                    await self.app(scope, receive_captured, send_recorded)
            else:
                await self.app(scope, receive_captured, send_recorded)
        except Exception:
            if not call.recorded:
                await self._record(call, "failed")
            raise

    def _in_transaction(self, call: _Call) -> Callable[[Session, Mapping[str, Any]],
                                                        EventFields]:
        """The event of ``call``'s action as its transaction commits: ok, described
        from what the action noted."""
        def build(session: Session, noted: Mapping[str, Any]) -> EventFields:
            trail = self.trail()
            identity = trail.admin_identity(call.token, session) if call.token else None
            return _described(call, identity, "ok", dict(noted))
        return build

    async def _record(self, call: _Call, outcome: Outcome) -> None:
        if call.recorded:
            return
        call.recorded = True
        if call.pending.close() and outcome == "ok":  # went with the action's transaction
            return
        # Else refused, failed, or nothing written; a call that failed after one of its
        # transactions committed (one provider reconciled, the next unavailable) has both.
        if call.status != 401 and (call.method not in WRITES or call.template is None):
            return
        try:
            await to_thread.run_sync(self._write, call, outcome)
        except Exception:  # the action is done: its answer must still reach the admin
            log.exception("audit event of %s %s could not be recorded", call.method,
                          call.template or "?")

    def _write(self, call: _Call, outcome: Outcome) -> None:
        trail = self.trail()
        identity = trail.admin_identity(call.token) if call.token else None
        if call.status == 401:
            actor = identity.label if identity is not None else (
                "(unknown token)" if call.token else "(no token)")
            who: dict[str, object] = {"token_id": identity.token_id} if identity else {}
            reason = ("no token" if not call.token else "revoked token"
                      if identity is not None and identity.revoked else "unknown token")
            trail.record(actor_kind="admin", actor=actor, action=AUTH_FAILED,
                         outcome="refused", target=f"{call.method} {call.template or '?'}",
                         details={**who, "reason": reason})
            return
        trail.record_fields(_described(call, identity, outcome, _json(call.answer)))


def _described(call: _Call, identity: AdminIdentity | None, outcome: Outcome,
               answer: Json) -> EventFields:
    """The event of an admin write that ended with ``outcome`` and ``answer`` (the
    answer's JSON, or what the action noted)."""
    actor = identity.label if identity is not None else (
        "(unknown token)" if call.token else "(no token)")
    who: dict[str, object] = {"token_id": identity.token_id} if identity else {}
    template = call.template or "?"
    action, describe = action_of(call.method, template)
    try:
        described = describe(call.path_params, _json(call.request),
                             answer if outcome == "ok" else {})
    except (TypeError, ValueError, AttributeError):  # shaped otherwise: record it anyway
        log.warning("audit: %s %s could not be described", call.method, template)
        described = Described()
    details = {**who, **described.details}
    if outcome != "ok":
        details.update(_some(status=call.status, code=answer.get("code")))
    return EventFields(actor_kind="admin", actor=actor, action=action, outcome=outcome,
                       target=described.target, kiosk_id=described.kiosk_id,
                       details=details)


class _Call:
    """What the middleware learns of one admin call."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.method = str(scope.get("method", "GET"))
        headers = {name.decode("latin-1").lower(): value.decode("latin-1")
                   for name, value in scope.get("headers", [])}
        scheme, _, secret = headers.get("authorization", "").partition(" ")
        self.token = secret.strip() if scheme.lower() == "bearer" else ""
        self.capture_request = (self.method in WRITES
                                and "json" in headers.get("content-type", ""))
        self.request = bytearray()
        self.answer = bytearray()
        self.status: int | None = None
        self.recorded = False
        self.pending: PendingEvent  # set by the middleware

    @property
    def template(self) -> str | None:
        """The matched route's path template; None when no route matched (404, 405)."""
        route = self.scope.get("route")
        path = getattr(route, "path", None)
        return path if isinstance(path, str) else None

    @property
    def path_params(self) -> Mapping[str, Any]:
        params = self.scope.get("path_params")
        return params if isinstance(params, dict) else {}


def _outcome(status: int) -> Outcome:
    return "ok" if status < 400 else "refused" if status < 500 else "failed"


def _json(raw: bytes | bytearray) -> Json:
    try:
        value = json.loads(bytes(raw)) if raw else {}
    except ValueError:  # cut at CAPTURE_MAX, or not JSON
        return {}
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _some(**values: object) -> dict[str, object]:
    return {name: value for name, value in values.items() if value is not None}


def _kiosk_of_target(target: object) -> str | None:
    """A rollout aimed at one kiosk ("kiosk:ID") concerns that kiosk."""
    text = str(target or "")
    return text.removeprefix("kiosk:") if text.startswith("kiosk:") else None
