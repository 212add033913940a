"""Technician actions reported to central's audit trail (docs/central.md#the-audit-trail):
the PIN accepted or locked out, a test print, a reprint, out of service and back; and
the kiosk obeying central's out-of-service mark and its lifting.

Each is an event with its own id written to the outbox, which delivers it like any
record (sent twice, recorded once). Recording never stands in a technician's way: a
store that fails is logged and the action goes on. Events carry no personal data: a
payment's reference (the kiosk's own numbering), outcomes, codes and reasons.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping

from kiosk.errors import KioskError
from kiosk.services.ports import (
    Clock,
    OutboxWaker,
    PrintReport,
    TechnicianEvent,
    TechnicianEventStore,
    TechnicianPort,
    TechnicianReport,
)

log = logging.getLogger(__name__)

DETAILS_MAX = 8
DETAIL_MAX = 64  # the wire's Line64
_TARGET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")  # the wire's Identifier
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

PIN_ACCEPTED = "technician.pin_accepted"
PIN_LOCKED_OUT = "technician.pin_locked_out"
TEST_PRINT = "technician.test_print"
REPRINT = "technician.reprint"
OUT_OF_SERVICE = "technician.out_of_service"
BACK_IN_SERVICE = "technician.back_in_service"
# The kiosk itself, obeying central's mark (kiosk/services/central_mark.py).
OUT_OF_SERVICE_BY_CENTRAL = "kiosk.out_of_service_by_central"
BACK_IN_SERVICE_BY_CENTRAL = "kiosk.back_in_service_by_central"


class TechnicianEvents:
    """Writes technician events to the outbox and wakes the forwarder."""

    def __init__(self, kiosk_id: str, store: TechnicianEventStore, clock: Clock,
                 waker: OutboxWaker | None = None) -> None:
        self.kiosk_id = kiosk_id
        self.store = store
        self.clock = clock
        self.waker = waker

    def record(self, action: str, outcome: str, target: str | None = None,
               details: Mapping[str, object] | None = None) -> TechnicianEvent | None:
        """The event written, or None when the store failed (logged, never raised). A
        target that is not a plain reference (what a technician typed) is left out."""
        event = TechnicianEvent(
            event_id=uuid.uuid4().hex, action=action, outcome=outcome,
            occurred_at=self.clock.now(),
            target=target if target is not None and _TARGET.match(target) else None,
            details=_bounded(details))
        try:
            self.store.add(self.kiosk_id, event)
        except KioskError as exc:
            log.error("technician event %s not recorded: %s", action, exc.code.value)
            return None
        log.info("technician event %s (%s) queued for central", action, outcome)
        if self.waker is not None:
            self.waker.wake()
        return event

    def switched(self, out_of_service: bool) -> None:
        """An OutOfService listener: the switch went on or off."""
        self.record(OUT_OF_SERVICE if out_of_service else BACK_IN_SERVICE, "ok")


class AuditedTechnicianPort:
    """A TechnicianPort whose test prints and reprints are technician events."""

    def __init__(self, port: TechnicianPort, events: TechnicianEvents) -> None:
        self.port = port
        self.events = events

    def report(self) -> TechnicianReport:
        return self.port.report()

    def test_print(self) -> PrintReport:
        result = self.port.test_print()
        self.events.record(TEST_PRINT, "ok" if result.outcome == "printed" else "failed",
                           result.reference, _print_details(result))
        return result

    def reprint(self, reference: str) -> PrintReport:
        try:
            result = self.port.reprint(reference)
        except KioskError as exc:
            self.events.record(REPRINT, "refused", reference, {"code": exc.code.value})
            raise
        self.events.record(REPRINT, "ok" if result.outcome == "printed" else "failed",
                           reference, _print_details(result))
        return result


def _print_details(result: PrintReport) -> dict[str, object]:
    details: dict[str, object] = {"print": result.outcome}
    if result.reason:
        details["reason"] = result.reason
    return details


def _bounded(details: Mapping[str, object] | None) -> dict[str, str]:
    """What the wire takes: a few one-line values of at most 64 characters."""
    return {str(key): _CONTROL.sub(" ", str(value))[:DETAIL_MAX]
            for key, value in list((details or {}).items())[:DETAILS_MAX]}
