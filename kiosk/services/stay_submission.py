"""Submitting a registration through the outbox and waiting, briefly, for central's
answer: the registration number, a refusal, or nothing yet (central away: the slip
carries the provisional reference and the forwarder delivers later)."""

from __future__ import annotations

import threading
import time

from kiosk.errors import ErrorCode, WarningCode
from kiosk.services.ports import Delivery, OutboxStore

KIND = "stay_registration"  # the outbox record's kind (central's /v1/outbox)
POLL_S = 0.1  # how often the outbox is asked while waiting


def await_delivery(outbox: OutboxStore, idempotency_key: str, wait_s: float,
                   stop: threading.Event) -> Delivery:
    """Central's answer as the forwarder recorded it, or pending after ``wait_s`` (or
    as soon as ``stop`` is set)."""
    deadline = time.monotonic() + wait_s
    while True:
        delivery = outbox.delivery(idempotency_key)
        if delivery is not None and delivery.state != "pending":
            return delivery
        if time.monotonic() >= deadline or stop.wait(POLL_S):
            return Delivery(state="pending")


def refusal(reason: str | None) -> ErrorCode:
    """Central's refusal reason as an error code (an unknown one: refused as invalid)."""
    try:
        return ErrorCode(reason or "")
    except ValueError:
        return ErrorCode.REQUEST_REJECTED


def slip_status(final_number: str | None, warnings: list[WarningCode]) -> str:
    """The status the slip prints: central gives PENDING_VERIFICATION to a late
    registration and SUBMITTED otherwise; without its number the kiosk only accepted it."""
    if final_number is None:
        return "PROVISIONAL"
    return ("PENDING_VERIFICATION" if WarningCode.LATE_REGISTRATION in warnings
            else "SUBMITTED")
