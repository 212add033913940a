"""Submitting a registration or application through the outbox and waiting, briefly,
for central's answer: its number (with its status and what the slip may show), a
refusal, or nothing yet (central away: the slip carries the provisional reference and
the forwarder delivers later)."""

from __future__ import annotations

import threading
import time

from kiosk.errors import ErrorCode
from kiosk.services.ports import Delivery, OutboxStore

POLL_S = 0.05  # how often the outbox is asked while waiting


def await_delivery(outbox: OutboxStore, idempotency_key: str, wait_s: float,
                   stop: threading.Event | None = None) -> Delivery:
    """Central's answer as the forwarder recorded it, or pending after ``wait_s``, as
    soon as a delivery of it has failed (central away: waiting on helps nobody, the
    forwarder keeps trying), or as soon as ``stop`` is set. A slow central is waited for
    up to ``wait_s``: its number on the slip is worth a few seconds."""
    deadline = time.monotonic() + wait_s
    stop = stop or threading.Event()
    while True:
        delivery = outbox.delivery(idempotency_key)
        if delivery is not None and (delivery.state != "pending" or delivery.attempts > 0):
            return delivery
        if time.monotonic() >= deadline or stop.wait(POLL_S):
            return Delivery(state="pending")


def refusal(reason: str | None) -> ErrorCode:
    """Central's refusal reason as an error code (an unknown one: refused as invalid)."""
    try:
        return ErrorCode(reason or "")
    except ValueError:
        return ErrorCode.REQUEST_REJECTED
