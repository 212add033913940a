"""The outbox forwarder: delivers what the kiosk owes central, in batches, until acked.

A record is marked delivered only on central's per-record ack (accepted or duplicate),
rejected (parked, for a technician) only when central refuses that record for good; on
a network failure or a 5xx every record of the batch keeps its place and gets an
attempt counted, and is never rejected for it.

One record that central fails on (a 5xx for any batch holding it) must not hold the
queue behind it: when central answers a batch of several records with a 5xx, the
forwarder splits it in halves and sends them in turn, down to single records, so the
others get through. A record that fails alone becomes a suspect: it is left out of the
batches and sent alone at the end of a round in which central took something, until
central takes a suspect, which clears them all (as does a round in which only suspects
wait). When central takes nothing (a whole half failed as well), the round stops:
central is down, not one record.

The background thread never dies of an error and never blocks its callers: ``wake()``
only sets an event.
"""

from __future__ import annotations

import logging
import random
import traceback
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from kiosk.domain.payments import OutboxMessage
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import Clock, OutboxStore, PendingRecord
from kiosk.sync.outage import FailureStreak
from kiosk.sync.periodic import PeriodicThread
from kiosk.sync.wire import OutboxRecordResult

log = logging.getLogger(__name__)


class OutboxDelivery(Protocol):
    """What the forwarder needs of CentralClient."""

    def deliver(self, records: list[OutboxMessage]) -> list[OutboxRecordResult]: ...


# (idempotency key, central_ref, record status, detail), as SqlOutboxStore takes them.
DeliveredAck = tuple[str, str | None, str | None, dict[str, str] | None]


@runtime_checkable
class BatchMarking(Protocol):
    """Optional for an OutboxStore: mark a batch's acks delivered in one transaction
    (SqlOutboxStore has it; without it the forwarder marks record by record)."""

    def mark_delivered_many(self, acks: list[DeliveredAck], now: datetime) -> None: ...


@dataclass(frozen=True)
class DrainReport:
    sent: int = 0  # accepted by central
    duplicates: int = 0  # central had them already (acked too)
    rejected: int = 0  # refused for good: parked for staff, not sent again
    failed: int = 0  # not delivered this round (network, 5xx): sent again later

    def __add__(self, other: DrainReport) -> DrainReport:
        return DrainReport(self.sent + other.sent, self.duplicates + other.duplicates,
                           self.rejected + other.rejected, self.failed + other.failed)

    @property
    def delivered(self) -> int:
        return self.sent + self.duplicates

    @property
    def progress(self) -> bool:
        """Central took something: acked or refused for good."""
        return bool(self.delivered or self.rejected)


def _central_failed(exc: KioskError) -> bool:
    """Central (or a proxy before it) answered with a server error: maybe because of a
    record in the batch. A timeout or a refused connection says nothing about records."""
    if exc.code is not ErrorCode.CENTRAL_UNAVAILABLE:
        return False
    status = exc.detail.get("status", "")
    return exc.detail.get("reason") == "http_error" and status.isdigit() and int(status) >= 500


def _refusal_detail(exc: KioskError) -> dict[str, str]:
    """What central said about a refused request (its ErrorBody detail: field locations
    and error kinds, never values), without the client's own bookkeeping."""
    return {name: value for name, value in exc.detail.items() if name != "status"}


class OutboxForwarder:
    def __init__(self, store: OutboxStore, client: OutboxDelivery, clock: Clock, *,
                 interval_s: float, batch_size: int, backoff_max_s: float,
                 rng: random.Random | None = None) -> None:
        if interval_s <= 0 or batch_size < 1 or backoff_max_s <= 0:
            raise ValueError("interval_s and backoff_max_s must be positive, batch_size >= 1")
        self.store = store
        self.client = client
        self.clock = clock
        self.interval_s = interval_s
        self.batch_size = batch_size
        self.backoff_max_s = backoff_max_s
        self._rng = rng or random.Random()
        self._loop = PeriodicThread("outbox-forwarder", self._round, self.next_delay)
        self.consecutive_failures = 0
        self.last_report = DrainReport()
        # Records central failed on alone (5xx): kept out of batches (module docstring).
        # In memory only: a restart sends them in batches again, and splitting finds them.
        self.suspects: set[str] = set()
        # Logged when delivery stops working and when it works again, not every round.
        self.failures = FailureStreak(log, "outbox delivery")
        self._last_failure: KioskError | None = None

    # --- one round ---------------------------------------------------------------------

    def drain_once(self) -> DrainReport:
        """Send pending records batch by batch until none is left or central fails; then,
        if central took anything, the suspects one by one."""
        self._last_failure = None
        report = self._drain()
        if report.progress:
            self.failures.succeeded()
        elif report.failed and self._last_failure is not None:
            self.failures.failed_with(self._last_failure)
        return report

    def _drain(self) -> DrainReport:
        report = DrainReport()
        seen: set[str] = set()
        earlier = set(self.suspects)  # found in an earlier round: their turn comes at the end
        while True:
            skipped = seen | self.suspects
            # Past the oldest, which may be suspects or records that failed this round
            # (each counted once in report.failed) and are still pending.
            pending = self.store.pending(self.batch_size + len(self.suspects) + report.failed)
            batch = [record for record in pending
                     if record.message.idempotency_key not in skipped][:self.batch_size]
            if not batch and not seen and any(
                    record.message.idempotency_key in self.suspects for record in pending):
                # Only suspects wait: they go in batches again (splitting finds a culprit
                # again), rather than one request each while central may be down.
                self.suspects.clear()
                continue
            if not batch:
                break  # nothing left, or only records central left unanswered this round
            seen.update(record.message.idempotency_key for record in batch)
            outcome = self._send(batch)
            report += outcome
            if outcome.failed and not outcome.progress:
                return report  # central is not taking anything now: stop this round
        if report.progress:
            report += self._send_suspects(earlier & self.suspects)
        return report

    def _send_suspects(self, keys: set[str]) -> DrainReport:
        """Central takes records: each of these suspects alone, oldest first, until
        central takes one; then it was central's trouble, not the records', and they all
        go back into batches."""
        report = DrainReport()
        if not keys:
            return report
        pending = self.store.pending(self.batch_size + len(self.suspects))
        waiting = [record for record in pending if record.message.idempotency_key in keys]
        self.suspects.intersection_update(r.message.idempotency_key for r in pending)
        for record in waiting:
            outcome = self._send([record])
            report += outcome
            if outcome.progress:
                self.suspects.clear()
                break
        return report

    def _send(self, batch: list[PendingRecord]) -> DrainReport:
        messages = [record.message for record in batch]
        try:
            results = self.client.deliver(messages)
        except KioskError as exc:
            if exc.code is ErrorCode.REQUEST_REJECTED and len(batch) > 1:
                # Central refused the whole batch: find the record it objects to, one by one,
                # so that one bad record does not hold back the others.
                return sum((self._send([record]) for record in batch), DrainReport())
            if exc.code is ErrorCode.REQUEST_REJECTED:
                self.store.mark_rejected(messages[0].idempotency_key, exc.code.value,
                                         self.clock.now(), _refusal_detail(exc))
                log.warning("outbox record rejected by central: key=%s",
                            messages[0].idempotency_key)
                return DrainReport(rejected=1)
            if _central_failed(exc) and len(batch) > 1:
                return self._split(batch)
            self.store.mark_attempt([m.idempotency_key for m in messages], exc.code.value,
                                    self.clock.now())
            if _central_failed(exc):
                self.suspects.add(messages[0].idempotency_key)
            self._last_failure = exc  # drain_once logs the round, once per outage
            log.debug("outbox delivery failed: %s (%d record(s) kept)", exc.code.value,
                      len(messages))
            return DrainReport(failed=len(messages))
        self.suspects.difference_update(m.idempotency_key for m in messages)
        return self._apply(messages, results)

    def _split(self, batch: list[PendingRecord]) -> DrainReport:
        """Central failed a batch of several records: its halves in turn. The second is
        sent only if central took something of the first, or the first was one record
        (which may be the culprit); else central is failing everything, and sending more
        would only add load: the second half waits for the next round."""
        log.info("outbox batch of %d failed at central: splitting it", len(batch))
        middle = len(batch) // 2
        first, second = batch[:middle], batch[middle:]
        report = self._send(first)
        if report.progress or len(first) == 1:
            report += self._send(second)
        return report

    def _apply(self, messages: list[OutboxMessage], results: list[OutboxRecordResult]
               ) -> DrainReport:
        by_key = {result.idempotency_key: result for result in results}
        sent = duplicates = rejected = 0
        unanswered: list[str] = []
        acks: list[DeliveredAck] = []
        now = self.clock.now()
        for message in messages:
            result = by_key.get(message.idempotency_key)
            if result is None:
                unanswered.append(message.idempotency_key)
            elif result.status == "rejected":
                reason = result.reason or ErrorCode.REQUEST_REJECTED.value
                self.store.mark_rejected(message.idempotency_key, reason, now,
                                         dict(result.detail))
                log.warning("outbox record rejected by central: key=%s reason=%s",
                            message.idempotency_key, reason)
                rejected += 1
            else:
                acks.append((message.idempotency_key, result.central_ref,
                             result.record_status, dict(result.detail)))
                if result.status == "duplicate":
                    duplicates += 1
                else:
                    sent += 1
        self._mark_delivered(acks, now)
        if unanswered:
            self.store.mark_attempt(unanswered, "no_result_from_central", now)
            log.warning("central left %d outbox record(s) unanswered", len(unanswered))
        return DrainReport(sent, duplicates, rejected, len(unanswered))

    def _mark_delivered(self, acks: list[DeliveredAck], now: datetime) -> None:
        if isinstance(self.store, BatchMarking):
            self.store.mark_delivered_many(acks, now)
            return
        for key, central_ref, record_status, detail in acks:
            self.store.mark_delivered(key, central_ref, now, record_status, detail)

    # --- the background thread ---------------------------------------------------------

    def start(self) -> None:
        if not self._loop.running:
            log.info("outbox forwarder started")
        self._loop.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask the thread to end and wait up to ``timeout``; True if it has ended."""
        was_running = self._loop.running
        stopped = self._loop.stop(timeout)
        if was_running and stopped:
            log.info("outbox forwarder stopped")
        return stopped

    def wake(self) -> None:
        """ports.OutboxWaker: something new is in the outbox; deliver it now (returns at once)."""
        self._loop.wake()

    @property
    def running(self) -> bool:
        return self._loop.running

    def next_delay(self) -> float:
        """The wait before the next round: the interval, or after failures an exponential
        backoff with jitter (half to full of min(backoff_max, interval * 2**(n-1)))."""
        if self.consecutive_failures == 0:
            return self.interval_s
        exponent = min(self.consecutive_failures - 1, 32)
        ceiling = min(self.backoff_max_s, self.interval_s * 2 ** exponent)
        return self._rng.uniform(ceiling / 2, ceiling)

    def _round(self) -> None:
        try:
            report = self.drain_once()
        except Exception as exc:  # noqa: BLE001 - the thread must survive anything
            self.consecutive_failures += 1
            where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
            location = f"{where[0].filename}:{where[0].lineno}" if where else "?"
            # Type and place only: an exception's text may quote a payload.
            self.failures.failed(type(exc).__name__, f"a defect, at {location}",
                                 level=logging.ERROR)
            return
        self.last_report = report
        if report.failed and not report.progress:
            self.consecutive_failures += 1
        else:  # central takes records: a suspect it keeps failing is no reason to wait
            self.consecutive_failures = 0
        if report.delivered or report.rejected or report.failed:
            log.info("outbox round: sent=%d duplicates=%d rejected=%d failed=%d",
                     report.sent, report.duplicates, report.rejected, report.failed)
