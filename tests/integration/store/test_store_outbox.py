"""The outbox on a real SQLite file: order, delivery, rejection, attempts, two threads."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.domain.payments import CardResult, OutboxMessage, Payment, PaymentDraft
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import Delivery, ParkedRecord
from kiosk.store import Store

SHANGHAI = ZoneInfo("Asia/Shanghai")

DraftFactory = Callable[..., PaymentDraft]
MessageFactory = Callable[[Payment, datetime], OutboxMessage]
RawQuery = Callable[..., list[tuple[object, ...]]]


def _recorded(store: Store, draft: PaymentDraft, card: CardResult, at: datetime,
              message_for: MessageFactory) -> Payment:
    payment = store.payments.create(draft, at)
    payment = store.payments.authorize(payment.reference, card, at)
    return store.payments.record(payment.reference, message_for(payment, at), at)


def test_pending_is_oldest_first_by_instant_and_limited(
        store: Store, make_draft: DraftFactory, approved_card: CardResult,
        message_for: MessageFactory) -> None:
    """GIVEN three recorded payments whose messages are stamped in different offsets,
    recorded out of time order
    WHEN pending() is asked for all, then for two
    THEN records come oldest instant first, the payload intact, and the limit holds."""
    utc = UTC
    middle = _recorded(store, make_draft(), approved_card,
                       datetime(2026, 11, 22, 2, 30, tzinfo=utc), message_for)
    newest = _recorded(store, make_draft(), approved_card,
                       datetime(2026, 11, 22, 11, 0, tzinfo=SHANGHAI), message_for)
    oldest = _recorded(store, make_draft(), approved_card,
                       datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI), message_for)
    pending = store.outbox.pending(10)
    assert [p.message.idempotency_key for p in pending] == [
        oldest.idempotency_key, middle.idempotency_key, newest.idempotency_key]
    assert pending[0].message == message_for(oldest, datetime(2026, 11, 22, 10, 0,
                                                              tzinfo=SHANGHAI))
    assert all(p.attempts == 0 for p in pending)
    assert len(store.outbox.pending(2)) == 2
    assert store.outbox.depth() == 3


def test_delivered_purges_payload_and_gives_the_payment_central_ref(
        store: Store, authorized: Payment, message_for: MessageFactory, now: datetime,
        raw: RawQuery) -> None:
    """GIVEN a recorded payment with its record in the outbox
    WHEN central acknowledges it
    THEN the record leaves pending(), its payload is NULL on disk, delivered_at and
    central_ref are set, and the payment carries central's reference."""
    store.payments.record(authorized.reference, message_for(authorized, now), now)
    delivered_at = now + timedelta(seconds=3)
    store.outbox.mark_delivered(authorized.idempotency_key, "C-2026-000777", delivered_at)

    assert store.outbox.pending(10) == [] and store.outbox.depth() == 0
    assert raw("SELECT payload IS NULL, delivered_at, central_ref FROM outbox") == [
        (1, delivered_at.isoformat(timespec="microseconds"), "C-2026-000777")]
    payment = store.payments.get(authorized.reference)
    assert payment is not None and payment.central_ref == "C-2026-000777"


def test_second_ack_keeps_the_first_delivery_time(
        store: Store, authorized: Payment, message_for: MessageFactory, now: datetime,
        raw: RawQuery) -> None:
    """GIVEN a delivered record
    WHEN central's acknowledgement is applied again (a duplicate answer)
    THEN delivered_at stays the first one and the central_ref is kept."""
    store.payments.record(authorized.reference, message_for(authorized, now), now)
    store.outbox.mark_delivered(authorized.idempotency_key, "C-1", now)
    store.outbox.mark_delivered(authorized.idempotency_key, None, now + timedelta(hours=1))
    assert raw("SELECT delivered_at, central_ref FROM outbox") == [
        (now.isoformat(timespec="microseconds"), "C-1")]


def test_last_delivery_is_the_newest_instant_whatever_its_offset(
        store: Store, make_draft: DraftFactory, approved_card: CardResult,
        message_for: MessageFactory, now: datetime) -> None:
    """GIVEN nothing delivered yet, then two records acknowledged at instants written
    with different UTC offsets, the later one with the smaller text
    WHEN the technician screen asks for the last delivery
    THEN it is None at first, then the later instant."""
    assert store.outbox.last_delivered_at() is None
    first = _recorded(store, make_draft(), approved_card, now, message_for)
    second = _recorded(store, make_draft(), approved_card, now, message_for)
    earlier = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)  # 02:00 UTC
    later = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)  # "2026-11-22T03..." < "...T10"
    store.outbox.mark_delivered(first.idempotency_key, "C-1", earlier)
    store.outbox.mark_delivered(second.idempotency_key, "C-2", later)
    assert store.outbox.last_delivered_at() == later


def test_rejected_is_parked_with_its_reason_and_without_its_payload(
        store: Store, make_draft: DraftFactory, approved_card: CardResult,
        message_for: MessageFactory, now: datetime, raw: RawQuery) -> None:
    """GIVEN two recorded payments
    WHEN central rejects the first for good, saying which field it refused
    THEN only the second is pending; the first is parked with its reference, the reason and
    what central said, its payload dropped (the journal row keeps the payment)."""
    first = _recorded(store, make_draft(), approved_card, now, message_for)
    second = _recorded(store, make_draft(), approved_card, now, message_for)
    store.outbox.mark_rejected(first.idempotency_key, "E_REQUEST_REJECTED", now,
                               {"reason": "invalid", "fields": "reference"})
    assert [p.message.idempotency_key for p in store.outbox.pending(10)] == [
        second.idempotency_key]
    assert store.outbox.depth() == 1
    assert raw("SELECT payload IS NULL, reference, rejected_reason FROM outbox "
               "WHERE idempotency_key = ?", first.idempotency_key) == [
        (1, first.reference, "E_REQUEST_REJECTED")]
    assert store.outbox.parked_count() == 1
    assert store.outbox.parked() == [ParkedRecord(
        reference=first.reference, kind="bill_payment", reason="E_REQUEST_REJECTED",
        detail="fields=reference reason=invalid", parked_at=now)]
    assert store.payments.get(first.reference) == first


def test_a_refused_registration_leaves_no_personal_data(
        store: Store, now: datetime, raw: RawQuery, store_path: Path) -> None:
    """GIVEN a stay registration with passport and host ID numbers in the outbox
    WHEN central refuses it for good
    THEN no table of the store holds either number any more, while its reference, kind
    and reason are kept for the technician."""
    submission = store.submissions.submit(
        "stay_registration", "SH-CN-0001", "en",
        {"doc_number": "C01X00T47", "host_id_number": "11010519491231002X"}, now)
    store.outbox.mark_rejected(submission.idempotency_key, "E_ADDRESS_UNRESOLVED",
                               now + timedelta(minutes=1))
    dump = "\n".join(sqlite3.connect(store_path).iterdump())
    assert "C01X00T47" not in dump and "11010519491231002X" not in dump
    [parked] = store.outbox.parked()
    assert (parked.reference, parked.kind, parked.reason) == (
        submission.provisional_ref, "stay_registration", "E_ADDRESS_UNRESOLVED")


def test_parked_lists_the_newest_first_and_counts_them_all(store: Store,
                                                            now: datetime) -> None:
    """GIVEN three refused submissions, refused one minute apart
    WHEN the parked records are listed with a limit of two
    THEN the two newest come first and the count says three."""
    subs = [store.submissions.submit("stay_registration", "SH-CN-0001", "en", {}, now)
            for _ in range(3)]
    for minutes, sub in enumerate(subs):
        store.outbox.mark_rejected(sub.idempotency_key, "E_HOTEL_ADDRESS",
                                   now + timedelta(minutes=minutes))
    assert [p.reference for p in store.outbox.parked(2)] == [
        subs[2].provisional_ref, subs[1].provisional_ref]
    assert store.outbox.parked_count() == 3


def test_failed_attempts_are_counted_on_pending_records_only(
        store: Store, make_draft: DraftFactory, approved_card: CardResult,
        message_for: MessageFactory, now: datetime, raw: RawQuery) -> None:
    """GIVEN two recorded payments, one already delivered
    WHEN two delivery attempts of both fail
    THEN the pending one counts 2 attempts with the last error kept; the delivered one 0."""
    done = _recorded(store, make_draft(), approved_card, now, message_for)
    waiting = _recorded(store, make_draft(), approved_card, now, message_for)
    store.outbox.mark_delivered(done.idempotency_key, "C-1", now)
    keys = [done.idempotency_key, waiting.idempotency_key]
    store.outbox.mark_attempt(keys, "connect timeout", now)
    store.outbox.mark_attempt(keys, "HTTP 503", now + timedelta(seconds=5))
    store.outbox.mark_attempt([], "nothing", now)
    assert [(p.message.idempotency_key, p.attempts) for p in store.outbox.pending(10)] == [
        (waiting.idempotency_key, 2)]
    assert raw("SELECT idempotency_key, attempts, last_error FROM outbox ORDER BY id") == [
        (done.idempotency_key, 0, None), (waiting.idempotency_key, 2, "HTTP 503")]


def test_marking_an_unknown_record_is_not_found(store: Store, now: datetime) -> None:
    """GIVEN an empty outbox
    WHEN a record that does not exist is marked delivered or rejected
    THEN NOT_FOUND is raised."""
    marks: list[Callable[[], None]] = [
        lambda: store.outbox.mark_delivered("f" * 32, "C-1", now),
        lambda: store.outbox.mark_rejected("f" * 32, "E_INTERNAL", now)]
    for mark in marks:
        with pytest.raises(KioskError) as raised:
            mark()
        assert raised.value.code is ErrorCode.NOT_FOUND


def test_one_thread_records_while_another_drains(
        store: Store, make_draft: DraftFactory, approved_card: CardResult,
        message_for: MessageFactory, now: datetime) -> None:
    """GIVEN a UI-like thread recording 300 payments and a forwarder-like thread draining
    the outbox at the same time
    WHEN both run to the end
    THEN neither sees an error ("database is locked" included), every record is delivered
    once, and every payment has its central_ref."""
    total = 300
    errors: list[BaseException] = []
    produced = threading.Event()
    deadline = time.monotonic() + 60
    delivered: list[str] = []

    def produce() -> None:
        try:
            for i in range(total):
                _recorded(store, make_draft(), approved_card, now + timedelta(seconds=i),
                          message_for)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            produced.set()

    def drain() -> None:
        try:
            while time.monotonic() < deadline:
                batch = store.outbox.pending(25)
                if not batch and produced.is_set() and store.outbox.depth() == 0:
                    return
                for record in batch:
                    key = record.message.idempotency_key
                    store.outbox.mark_delivered(key, f"C-{key[:8]}", now)
                    delivered.append(key)
                if not batch:
                    time.sleep(0.001)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=produce, daemon=True),
               threading.Thread(target=drain, daemon=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "threads did not finish in time"
    assert errors == []
    assert len(delivered) == len(set(delivered)) == total
    assert store.outbox.depth() == 0
    payments = [store.payments.get(f"SH-CN-0001-261122-{n:06d}") for n in range(1, total + 1)]
    assert all(p is not None and p.central_ref == f"C-{p.idempotency_key[:8]}"
               for p in payments)


def test_delivery_says_what_became_of_a_record(store: Store, now: datetime) -> None:
    """GIVEN three accepted submissions: one delivered, one rejected, one waiting
    WHEN the kiosk asks about each (and about an unknown key)
    THEN it learns delivered with central's number, rejected with the reason, pending,
    and None."""
    a, b, c = (store.submissions.submit("stay_registration", "SH-CN-0001", "en", {"n": i}, now)
               for i in range(3))
    store.outbox.mark_delivered(a.idempotency_key, "R-0001", now)
    store.outbox.mark_rejected(b.idempotency_key, "E_DUPLICATE_ACTIVE_REGISTRATION", now)
    assert store.outbox.delivery(a.idempotency_key) == Delivery("delivered", "R-0001")
    assert store.outbox.delivery(b.idempotency_key) == Delivery(
        "rejected", reason="E_DUPLICATE_ACTIVE_REGISTRATION")
    assert store.outbox.delivery(c.idempotency_key) == Delivery("pending")
    assert store.outbox.delivery("d" * 32) is None


def test_submission_and_its_outbox_record_are_written_together(store: Store,
                                                               now: datetime) -> None:
    """GIVEN a registration accepted while central is away
    WHEN it is submitted
    THEN it gets the next reference of the day (shared with payments) and a verification
    code, both also in the outbox payload bound for central, and it can be found again."""
    submission = store.submissions.submit("stay_registration", "SH-CN-0001", "ko",
                                          {"surname": "ERIKSSON"}, now)
    assert submission.provisional_ref == f"SH-CN-0001-{now:%y%m%d}-000001"
    assert len(submission.verification_code) == 10
    [pending] = store.outbox.pending(10)
    assert pending.message.kind == "stay_registration"
    assert pending.message.payload == {"surname": "ERIKSSON",
                                       "reference": submission.provisional_ref,
                                       "verification_code": submission.verification_code}
    assert store.submissions.get(submission.provisional_ref) == submission
    assert store.submissions.get("nope") is None


def test_a_submission_waits_for_a_slow_central_but_not_for_one_that_is_away(
        store: Store, now: datetime) -> None:
    """GIVEN a registration accepted into the outbox
    WHEN nothing is recorded of it, or a delivery of it has failed (central away)
    THEN the wait for central's number lasts its whole time in the first case (a slow
    central is waited for), and ends at once in the second, with the failure counted."""
    from kiosk.services.submitting import await_delivery

    submission = store.submissions.submit("stay_registration", "SH-CN-0001", "en",
                                          {"room": "1201"}, now)
    key = submission.idempotency_key
    started = time.monotonic()
    waited = await_delivery(store.outbox, key, 0.5)
    assert waited == Delivery(state="pending") and time.monotonic() - started >= 0.5

    store.outbox.mark_attempt([key], "E_CENTRAL_UNAVAILABLE", now)
    started = time.monotonic()
    away = await_delivery(store.outbox, key, 30.0)
    assert away == Delivery(state="pending", attempts=1)
    assert time.monotonic() - started < 5.0  # not the 30 s a slow central gets
