"""THE one place where the console's admin actions become audit events.

Until central's audit trail (central/audit.py) is wired in here, each event is one log
line; the console calls nothing else for them. ``who`` is the admin token's label (or
"-" for a refused sign-in), never a secret; ``subject`` what was acted on (a kiosk id,
a biller, a review item); ``detail`` the admin's own words (why a payment is settled,
why a kiosk is out of service): kept for the audit trail, never written to the log, as
free text may name a person.
"""

from __future__ import annotations

import logging

from central.logsafe import shown

log = logging.getLogger("central.console.audit")

SIGN_IN = "console.sign_in"
SIGN_OUT = "console.sign_out"
OUT_OF_SERVICE = "kiosk.out_of_service"
BACK_IN_SERVICE = "kiosk.back_in_service"
REVOKE = "kiosk.revoke"
SETTLE = "payment.settle"
MAINTENANCE = "biller.maintenance"

OK = "ok"
REFUSED = "refused"


def record_console_event(action: str, outcome: str, who: str, *, subject: str = "",
                         detail: str = "", client: str = "") -> None:
    """An admin action done (``OK``) or refused (``REFUSED``) through the console."""
    log.info("audit %s %s by %s%s%s from %s", action, outcome, shown(who, 64),
             f" on {shown(subject, 120)}" if subject else "",
             " (reason given)" if detail else "", client or "-")
