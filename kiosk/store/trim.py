"""Trimming the local store when the disk runs low (ports.StoreTrim, used by
kiosk.services.disk_guard).

What may go: outbox records central has acknowledged (their payload, the only personal
data they held, was dropped on delivery; what is left is a delivery receipt nobody reads
after the submission's short wait) and finished print jobs. The newest delivered record
stays, so technicians still see when the last delivery was. What never goes: a record
still to deliver, a record central refused (parked for a technician), a pending print
job (start-up recovery needs it), payments, submissions and reference counters.

After the deletes the file is VACUUMed when its free pages add up to VACUUM_MIN_FREE_BYTES
or more (SQLite keeps freed pages in the file otherwise), with the temporary copy in
memory (the kiosk's unit makes most of the file system read-only), and the WAL is
emptied: its copies of the rewritten pages would otherwise keep the space.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, delete, func, select

from kiosk.services.ports import JobState, TrimReport
from kiosk.store.models import OutboxRow, PrintJobRow
from kiosk.store.session import Transactions
from kiosk.store.types import require_aware

log = logging.getLogger(__name__)

VACUUM_MIN_FREE_BYTES = 2**20  # less is not worth rewriting the file for


class SqlStoreTrim:
    """Implements kiosk.services.ports.StoreTrim."""

    def __init__(self, transactions: Transactions, engine: Engine, path: Path) -> None:
        self._tx = transactions
        self._engine = engine
        self.path = path

    def trim(self, before: datetime) -> TrimReport:
        require_aware(before, "before")
        cut = before.isoformat(timespec="microseconds")  # julianday() reads the offset
        size_before = self.size()
        with self._tx.write("trim delivered outbox records and finished print jobs") as session:
            newest = session.scalar(
                select(OutboxRow.id).where(OutboxRow.delivered_at.is_not(None))
                .order_by(func.julianday(OutboxRow.delivered_at).desc(), OutboxRow.id.desc())
                .limit(1))
            delivered = session.execute(
                delete(OutboxRow).where(
                    OutboxRow.delivered_at.is_not(None), OutboxRow.rejected_at.is_(None),
                    OutboxRow.payload.is_(None), OutboxRow.id != (newest or 0),
                    func.julianday(OutboxRow.delivered_at) < func.julianday(cut)))
            jobs = session.execute(
                delete(PrintJobRow).where(
                    PrintJobRow.state != JobState.PENDING,
                    PrintJobRow.finished_at.is_not(None),
                    func.julianday(PrintJobRow.created_at) < func.julianday(cut)))
            # A DELETE's result is a cursor result (its row count), typed as any Result.
            outbox_records = cast(CursorResult[Any], delivered).rowcount
            print_jobs = cast(CursorResult[Any], jobs).rowcount
        vacuumed = self._vacuum_if_worth_it()
        return TrimReport(outbox_records=outbox_records, print_jobs=print_jobs,
                          vacuumed=vacuumed, bytes_before=size_before,
                          bytes_after=self.size())

    def size(self) -> int:
        """The database file and its write-ahead log, in bytes."""
        total = 0
        for path in (self.path, self.path.with_name(self.path.name + "-wal")):
            with contextlib.suppress(FileNotFoundError):
                total += path.stat().st_size
        return total

    def _vacuum_if_worth_it(self) -> bool:
        connection = self._engine.raw_connection()  # outside any transaction (autocommit)
        try:
            cursor = connection.cursor()
            try:
                free_pages = cursor.execute("PRAGMA freelist_count").fetchone()[0]
                page_size = cursor.execute("PRAGMA page_size").fetchone()[0]
                if free_pages * page_size < VACUUM_MIN_FREE_BYTES:
                    return False
                cursor.execute("PRAGMA temp_store = MEMORY")
                cursor.execute("VACUUM")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                return True
            except sqlite3.Error as exc:  # a full disk, another connection reading
                log.warning("local store: VACUUM failed (%s): the deleted rows' space stays "
                            "in the file for reuse", exc)
                return False
            finally:
                cursor.execute("PRAGMA temp_store = DEFAULT")
                cursor.close()
        finally:
            connection.close()
