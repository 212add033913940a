"""The store's trim for a low disk (kiosk/store/trim.py) on a real SQLite file: what
goes, what always stays, and the file given back to the file system."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from hardware.base import PrintOutcome
from hardware.document import Document, Text
from kiosk.domain.payments import CardResult, OutboxMessage, Payment, PaymentDraft
from kiosk.services.ports import JobState
from kiosk.store import Store

DraftFactory = Callable[..., PaymentDraft]
MessageFactory = Callable[[Payment, datetime], OutboxMessage]
RawQuery = Callable[..., list[tuple[object, ...]]]
SLIP = Document(blocks=(Text("test"),), title="test slip")
DAY = timedelta(days=1)


def recorded(store: Store, draft: PaymentDraft, card: CardResult, at: datetime,
             message_for: MessageFactory) -> Payment:
    payment = store.payments.create(draft, at)
    payment = store.payments.authorize(payment.reference, card, at)
    return store.payments.record(payment.reference, message_for(payment, at), at)


def submitted(store: Store, at: datetime) -> str:
    """A stay registration accepted into the outbox; its idempotency key."""
    return store.submissions.submit("stay_registration", "SH-CN-0001", "en",
                                    {"surname": "MUSTERMANN"}, at).idempotency_key


def test_trim_deletes_only_acknowledged_records_and_finished_jobs_before_the_cut(
        store: Store, make_draft: DraftFactory, approved_card: CardResult,
        message_for: MessageFactory, now: datetime, raw: RawQuery) -> None:
    """GIVEN, 40 days ago: a payment central acknowledged, a payment still to deliver, a
    registration central refused (parked), a printed job, an uncertain job and a job a
    crash left pending; 2 days ago: another acknowledged payment
    WHEN the store is trimmed of what is older than 30 days
    THEN only the old acknowledged record and the two finished old jobs are gone; every
    payment is still in the journal, the record to deliver and the parked one stay, as
    do the pending job and the recent delivery."""
    old, recent = now - 40 * DAY, now - 2 * DAY
    delivered_old = recorded(store, make_draft(), approved_card, old, message_for)
    store.outbox.mark_delivered(delivered_old.idempotency_key, "C-1", old)
    undelivered_old = recorded(store, make_draft(), approved_card, old, message_for)
    refused_old = submitted(store, old)
    store.outbox.mark_rejected(refused_old, "E_HOTEL_ADDRESS", old)
    printed = store.print_jobs.create("R-1", SLIP, old)
    store.print_jobs.finish(printed.job_id, PrintOutcome.PRINTED, None)
    uncertain = store.print_jobs.create("R-2", SLIP, old)
    store.print_jobs.finish(uncertain.job_id, PrintOutcome.UNCERTAIN, "timeout")
    pending_job = store.print_jobs.create("R-3", SLIP, old)
    delivered_recent = recorded(store, make_draft(), approved_card, recent, message_for)
    store.outbox.mark_delivered(delivered_recent.idempotency_key, "C-2", recent)

    report = store.upkeep.trim(now - 30 * DAY)

    assert (report.outbox_records, report.print_jobs) == (1, 2)
    assert report.vacuumed is False  # a few rows: not worth rewriting the file
    left = {key for (key,) in raw("SELECT idempotency_key FROM outbox")}
    assert left == {undelivered_old.idempotency_key, refused_old,
                    delivered_recent.idempotency_key}
    assert store.outbox.depth() == 1 and store.outbox.parked_count() == 1
    jobs = dict(raw("SELECT job_id, state FROM print_jobs"))
    assert jobs == {pending_job.job_id: JobState.PENDING.value}
    for payment in (delivered_old, undelivered_old, delivered_recent):
        assert store.payments.get(payment.reference) is not None
    assert store.outbox.last_delivered_at() == recent


def test_the_newest_delivery_stays_so_technicians_still_see_it(
        store: Store, make_draft: DraftFactory, approved_card: CardResult,
        message_for: MessageFactory, now: datetime) -> None:
    """GIVEN two acknowledged records, both older than the cut
    WHEN the store is trimmed
    THEN the older goes and the newer stays: the last delivery's time is still known."""
    first = recorded(store, make_draft(), approved_card, now - 60 * DAY, message_for)
    store.outbox.mark_delivered(first.idempotency_key, "C-1", now - 60 * DAY)
    second = recorded(store, make_draft(), approved_card, now - 50 * DAY, message_for)
    store.outbox.mark_delivered(second.idempotency_key, "C-2", now - 50 * DAY)

    report = store.upkeep.trim(now - 30 * DAY)

    assert report.outbox_records == 1
    assert store.outbox.last_delivered_at() == now - 50 * DAY


def test_a_large_trim_vacuums_the_file_and_empties_its_log(
        store: Store, store_path: Path, now: datetime) -> None:
    """GIVEN 8,000 old acknowledged records (a busy kiosk's months), written as the
    outbox keeps them after delivery
    WHEN the store is trimmed
    THEN they are deleted, the file is vacuumed (no free page left), the write-ahead log
    is emptied, and the store's files take less room than before."""
    old = (now - 90 * DAY).isoformat(timespec="microseconds")
    with sqlite3.connect(store_path) as connection:
        connection.executemany(
            "INSERT INTO outbox (idempotency_key, kind, payload, created_at, attempts, "
            "delivered_at, central_ref, receipt) VALUES (?, 'stay_registration', NULL, ?, 1, "
            "?, ?, ?)",
            [(f"{n:032x}", old, old, f"CNSR-2026-{n:06d}",
              '{"status":"ACCEPTED","detail":{"police_station":"长宁路派出所"}}')
             for n in range(8000)])
    before = store.upkeep.size()

    report = store.upkeep.trim(now - 30 * DAY)

    assert report.outbox_records == 7999  # the newest delivery stays
    assert report.vacuumed is True
    assert report.bytes_before == before and report.bytes_after < before / 2
    wal = store_path.with_name(store_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    with sqlite3.connect(store_path) as connection:
        assert connection.execute("PRAGMA freelist_count").fetchone() == (0,)
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
