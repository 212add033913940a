"""The disk-space guard (docs/operations.md#maintenance): checks the free space where
the kiosk keeps its data; below ``maintenance.min_free_disk_mb`` it says so once
(WARNING), the heartbeat carries the flag to central's fleet, and while nobody uses the
kiosk it trims what the local store may lose: records central has acknowledged (their
content is already gone) and finished print jobs, older than
``maintenance.trim_keep_days``. Never a record still to deliver, a record central
refused (a technician acts on it), or a payment.

The kiosk writes no log files (it logs to journald, which bounds itself) and keeps no
slip images, so the store is all there is to trim.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from kiosk.errors import KioskError
from kiosk.services.ports import Clock, StoreTrim, TrimReport

log = logging.getLogger(__name__)

MB = 2**20


@dataclass(frozen=True)
class DiskCheck:
    free_bytes: int
    low: bool
    trimmed: TrimReport | None = None  # None: nothing was trimmed (not low, or in use)


class DiskGuard:
    def __init__(self, folder: Path, store: StoreTrim, clock: Clock, *, min_free_bytes: int,
                 keep: timedelta, idle: Callable[[], bool] = lambda: True) -> None:
        self.folder = folder
        self.store = store
        self.clock = clock
        self.min_free_bytes = min_free_bytes
        self.keep = keep
        # Whether nobody uses the kiosk now (the UI's, set by `kiosk run`): a trim ends
        # with a VACUUM that holds the store's lock for a moment, never during a payment.
        self.idle = idle
        self.low = False
        self.last_free_bytes: int | None = None

    def free_bytes(self) -> int:
        """Free space for the kiosk's user on the data folder's file system (its nearest
        existing parent while it does not exist yet)."""
        for folder in (self.folder, *self.folder.resolve().parents):
            if folder.exists():
                return shutil.disk_usage(folder).free
        return 0

    def check_once(self) -> DiskCheck | None:
        """One check (and trim, when low and idle). Never raises: it runs on a
        background thread; a failure is logged and the next check tries again."""
        try:
            return self._check()
        except (OSError, KioskError) as exc:
            log.warning("disk check failed: %s", exc.code.value if isinstance(exc, KioskError)
                        else type(exc).__name__)
            return None

    def _check(self) -> DiskCheck:
        free = self.free_bytes()
        self.last_free_bytes = free
        low = free < self.min_free_bytes
        if low and not self.low:
            log.warning("disk: %d MB free on the data folder's disk, below the %d MB of "
                        "maintenance.min_free_disk_mb: trimming the local store while idle "
                        "(logged once until there is room again)", free // MB,
                        self.min_free_bytes // MB)
        elif self.low and not low:
            log.info("disk: %d MB free again (at least %d MB)", free // MB,
                     self.min_free_bytes // MB)
        self.low = low
        if not low or not self.idle():
            return DiskCheck(free_bytes=free, low=low)
        report = self.store.trim(self.clock.now() - self.keep)
        if report.rows or report.vacuumed:
            log.info("disk: trimmed the local store: %d delivered outbox record(s) and %d "
                     "finished print job(s) older than %d days%s; %d kB -> %d kB",
                     report.outbox_records, report.print_jobs, self.keep.days,
                     ", vacuumed" if report.vacuumed else "", report.bytes_before // 1024,
                     report.bytes_after // 1024)
        return DiskCheck(free_bytes=self.free_bytes(), low=low, trimmed=report)
