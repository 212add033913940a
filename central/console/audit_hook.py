"""THE one place where the console's admin actions become audit events.

Each is an event of central's audit trail (central/audit.py;
docs/central.md#the-audit-trail), actor the admin token's label (or "-" for a refused
sign-in), never a secret;
``subject`` what was acted on (a kiosk id, a biller, a review item). The admin's own
words (why a payment is settled, why a kiosk is out of service) stay with what they
explain (the settlement, the service mark): free text may name a person, so the event,
which is exported and kept for ever, only says whether a reason was given. Events
through the JSON admin API are recorded by central.audit_http instead.
"""

from __future__ import annotations

from fastapi import Request

from central.console.web import client

SIGN_IN = "console.sign_in"
SIGN_OUT = "console.sign_out"
OUT_OF_SERVICE = "kiosk.out_of_service"
BACK_IN_SERVICE = "kiosk.back_in_service"
REVOKE = "kiosk.revoke"
SETTLE = "payments.settle"
MAINTENANCE = "biller.maintenance"

OK = "ok"
REFUSED = "refused"


def record_console_event(request: Request, action: str, outcome: str, who: str, *,
                         subject: str = "", detail: str = "", why: str = "") -> None:
    """An admin action done (``OK``) or refused (``REFUSED``) through the console.
    ``detail``: the admin's free text (only whether there was one is recorded); ``why``:
    central's own short reason for a refusal."""
    details = {"via": "console", "client": client(request)}
    if detail:
        details["reason_given"] = "yes"
    if why:
        details["why"] = why
    kiosk_id = subject if action.startswith("kiosk.") else None
    request.app.state.audit.record(actor_kind="admin", actor=who, action=action,
                                   outcome=outcome, target=subject or None,
                                   kiosk_id=kiosk_id, details=details)
