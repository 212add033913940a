"""The technician events a kiosk reports to central's audit trail
(docs/central.md#the-audit-trail). Pure: pydantic and the wire's bounded values, so
central imports it.

They travel in the outbox as kind ``technician_event``, the record's idempotency key
being the event id's hex: sent twice, recorded once. Central records them with who =
the kiosk its credential is bound to; ``kiosk_id`` here is what the kiosk believes it
is and is never taken as the actor. No personal data: actions, outcomes, references,
device outcomes and reasons only.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from kiosk.sync.wire import Identifier, Instant, Line64, WireModel

TECHNICIAN_EVENT_KIND = "technician_event"

TechnicianAction = Literal[
    "technician.pin_accepted",  # technician mode opened
    "technician.pin_locked_out",  # too many wrong PINs: locked for technician.lockout_s
    "technician.test_print",
    "technician.reprint",  # target: the payment's reference
    "technician.out_of_service",
    "technician.back_in_service",
    "kiosk.out_of_service_by_central",  # the kiosk obeys an admin's mark (details: reason)
    "kiosk.back_in_service_by_central",  # the mark was lifted and the kiosk serves again
]
EventOutcome = Literal["ok", "refused", "failed"]
DetailKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class TechnicianEventRecord(WireModel):
    event_id: uuid.UUID
    kiosk_id: Identifier | None = None  # the kiosk's own belief: central ignores it
    action: TechnicianAction
    outcome: EventOutcome
    target: Identifier | None = None
    occurred_at: Instant  # the kiosk's clock; central records its own time as "when"
    details: dict[DetailKey, Line64] = Field(default_factory=dict, max_length=8)
