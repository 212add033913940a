"""THE one place where the console's admin actions become audit events.

Each is an event of central's audit trail (central/audit.py;
docs/central.md#the-audit-trail), actor the admin token's label (or "-" for a refused
sign-in), never a secret;
``subject`` what was acted on (a kiosk id, a biller, a review item, "config rollout 3").
Actions done through both the console and the JSON admin API carry the name
central.audit_http gives them (``rollout.pause``, ``kiosk.maintenance``...), so a filter
on the action finds both. The admin's own
words (why a payment is settled, why a kiosk is out of service) stay with what they
explain (the settlement, the service mark): free text may name a person, so the event,
which is exported and kept for ever, only says whether a reason was given. Events
through the JSON admin API are recorded by central.audit_http instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from central.audit import AuditTrail, EventFields
from central.audit_unit import PendingEvent, pending_event
from central.console.web import client

SIGN_IN = "console.sign_in"
SIGN_OUT = "console.sign_out"
OUT_OF_SERVICE = "kiosk.out_of_service"
BACK_IN_SERVICE = "kiosk.back_in_service"
REVOKE = "kiosk.revoke"
SETTLE = "payments.settle"
MAINTENANCE = "biller.maintenance"
KIOSK_MAINTENANCE = "kiosk.maintenance"
ROLLOUT_VERBS = ("pause", "resume", "cancel", "retry")
ROLLOUT_ACTIONS = {verb: f"rollout.{verb}" for verb in ROLLOUT_VERBS}
"""rollout.pause, rollout.resume, rollout.cancel, rollout.retry (as central.audit_http)."""

OK = "ok"
REFUSED = "refused"


def record_console_event(request: Request, action: str, outcome: str, who: str, *,
                         subject: str = "", detail: str = "", why: str = "",
                         facts: Mapping[str, str] | None = None) -> None:
    """An admin action refused (``REFUSED``), or one with no change to go with (a
    sign-in), in a transaction of its own. ``detail``: the admin's free text (only
    whether there was one is recorded); ``why``: central's own short reason for a
    refusal; ``facts``: ids and states central knows, never free text. An action that
    changes something goes through ``console_action`` instead."""
    trail: AuditTrail = request.app.state.audit
    trail.record_fields(_fields(request, action, outcome, who, subject, detail, why,
                                facts or {}))


@contextmanager
def console_action(request: Request, action: str, who: str, *, subject: str = "",
                   detail: str = "", facts: Mapping[str, str] | None = None
                   ) -> Iterator[None]:
    """Around an admin action done through the console: its event (ok) is appended in
    the action's own transaction (central.audit_unit), with what the action noted (a
    rollout's state after); an action that wrote nothing gets its event on its own. An
    action that raises has no event: nothing was done."""
    trail: AuditTrail = request.app.state.audit

    def build(_session: Session, noted: Mapping[str, Any]) -> EventFields:
        return _fields(request, action, OK, who, subject, detail, "",
                       {**(facts or {}), **{key: str(value) for key, value in noted.items()}})

    pending = PendingEvent(trail, build)
    with pending_event(pending):
        yield
    if not pending.close():
        trail.record_fields(_fields(request, action, OK, who, subject, detail, "",
                                    facts or {}))


def _fields(request: Request, action: str, outcome: str, who: str, subject: str,
            detail: str, why: str, facts: Mapping[str, str]) -> EventFields:
    details = {"via": "console", "client": client(request), **facts}
    if detail:
        details["reason_given"] = "yes"
    if why:
        details["why"] = why
    kiosk_id = subject if action.startswith("kiosk.") else None
    return EventFields(actor_kind="admin", actor=who, action=action,
                       outcome=outcome,  # type: ignore[arg-type]
                       target=subject or None, kiosk_id=kiosk_id, details=details)
