"""The registration's side of submitting (kiosk.services.submitting): its outbox kind
and the status its slip prints."""

from __future__ import annotations

from kiosk.errors import WarningCode
from kiosk.services.ports import Delivery
from kiosk.services.submitting import await_delivery, refusal

__all__ = ["KIND", "await_delivery", "refusal", "slip_status"]

KIND = "stay_registration"  # the outbox record's kind (central's /v1/outbox)


def slip_status(final_number: str | None, warnings: list[WarningCode],
                delivery: Delivery | None = None) -> str:
    """The status the slip prints: central's own when it answered (SUBMITTED, or
    PENDING_VERIFICATION for a late registration); without its number the kiosk only
    accepted it."""
    if final_number is None:
        return "PROVISIONAL"
    if delivery is not None and delivery.record_status:
        return delivery.record_status
    return ("PENDING_VERIFICATION" if WarningCode.LATE_REGISTRATION in warnings
            else "SUBMITTED")
