"""Upkeep without a person, on real files: the nightly restart keeps its record in the
data folder (kiosk/services/maintenance.py), and the disk guard trims a real store when
its threshold is above the disk's real free space (kiosk/services/disk_guard.py)."""

from __future__ import annotations

import logging
import shutil
import stat
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.domain.payments import CardResult, OutboxMessage, PaymentDraft
from kiosk.services.disk_guard import DiskGuard
from kiosk.services.maintenance import RESTART_MARKER_FILE, NightlyRestart, RestartWindow
from kiosk.store import Store, open_store

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = timedelta(hours=1)
WINDOW = RestartWindow.parse("03:00-04:00")


class SetClock:
    """The ports.Clock at a time the test sets."""

    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


class Uptime:
    """A monotonic clock the test winds on."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def night(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


def started(data_dir: Path, clock: SetClock, uptime: Uptime,
            min_uptime: timedelta = HOUR) -> NightlyRestart:
    return NightlyRestart(WINDOW, data_dir, clock, min_uptime=min_uptime, monotonic=uptime)


def test_a_due_restart_is_recorded_logged_and_not_repeated_by_the_next_process(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a kiosk started at 01:10 and, at 03:10, inside its 03:00-04:00 window
    WHEN it is asked while nobody uses it, and then the process that replaces it (no
    minimum uptime) is asked at 03:11
    THEN the first is due: the time is written (0600) to the data folder and an INFO line
    says why (the window, up since 01:10, 2.0 h); the second is not due."""
    clock, uptime = SetClock(night(10, 1, 10)), Uptime()
    nightly = started(tmp_path, clock, uptime)
    clock.at, uptime.seconds = night(10, 3, 10), uptime.seconds + 2 * 3600
    caplog.set_level(logging.INFO, logger="kiosk.services.maintenance")

    assert nightly.due(busy=False) is True

    marker = tmp_path / RESTART_MARKER_FILE
    assert datetime.fromisoformat(marker.read_text().strip()) == night(10, 3, 10)
    assert stat.S_IMODE(marker.stat().st_mode) == 0o600
    [line] = [r for r in caplog.records if r.levelno == logging.INFO]
    assert "nightly restart" in line.getMessage()
    assert "03:00-04:00" in line.getMessage()
    assert "up since 2026-03-10T01:10:00+08:00 (2.0 h)" in line.getMessage()

    clock.at = night(10, 3, 11)
    again = started(tmp_path, clock, Uptime(), min_uptime=timedelta(0))
    assert again.last_restart == night(10, 3, 10)
    assert again.due(busy=False) is False


def test_a_window_spent_in_use_is_missed_once_and_the_next_night_restarts(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a kiosk up for a day, in use at 03:10 and 03:50
    WHEN it is asked then, again at 04:01 while idle, and the next night at 03:05
    THEN it is not due in use nor after the window (one INFO line says the window was
    missed), and is due the next night."""
    clock, uptime = SetClock(night(9, 3, 0)), Uptime()
    nightly = started(tmp_path, clock, uptime)
    caplog.set_level(logging.INFO, logger="kiosk.services.maintenance")
    answers = []
    for moment, busy in ((night(10, 3, 10), True), (night(10, 3, 50), True),
                         (night(10, 4, 1), False), (night(10, 4, 2), False),
                         (night(11, 3, 5), False)):
        uptime.seconds += (moment - clock.at).total_seconds()
        clock.at = moment
        answers.append(nightly.due(busy=busy))
    assert answers == [False, False, False, False, True]
    missed = [r.getMessage() for r in caplog.records if "missed" in r.getMessage()]
    assert missed == [("nightly restart missed: the kiosk was in use until the window "
                      "03:00-04:00 closed; next night")]


def test_a_restart_that_cannot_be_recorded_is_not_made(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a kiosk due for its restart whose record cannot be written (the file's
    place is taken by a folder, as a full disk would refuse it)
    WHEN it is asked twice
    THEN it is not due either time (it would restart over and over inside the window),
    and one warning says why."""
    (tmp_path / (RESTART_MARKER_FILE + ".new")).mkdir()
    clock, uptime = SetClock(night(9, 3, 0)), Uptime()
    nightly = started(tmp_path, clock, uptime)
    clock.at, uptime.seconds = night(10, 3, 10), uptime.seconds + 86400
    caplog.set_level(logging.INFO, logger="kiosk.services.maintenance")

    assert [nightly.due(busy=False), nightly.due(busy=False)] == [False, False]

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cannot be written" in warnings[0].getMessage()
    assert nightly.last_restart is None


# --- the disk guard over a real store ------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "data" / "kiosk.sqlite3")
    yield opened
    opened.close()


def old_delivered_payment(store: Store, at: datetime) -> str:
    """A card payment recorded and acknowledged by central at ``at``; its key."""
    draft = PaymentDraft(kiosk_id="SH-CN-0001", session_id="s-1", lang="en",
                         biller_id="sh-water", account_no="3100012345", bill_ids=("B-1",),
                         periods="2026-01", amount=Decimal("10.00"),
                         late_fee=Decimal("0"), holder_masked="王*",
                         lock_token=None)
    card = CardResult(response_code="00", auth_code="123456", rrn="000012345678",
                      masked_pan="622202******1234", card_brand="UnionPay",
                      terminal_id="T0000001", merchant_id="M000000000001")
    payment = store.payments.create(draft, at)
    payment = store.payments.authorize(payment.reference, card, at)
    message = OutboxMessage(kind="bill_payment", idempotency_key=payment.idempotency_key,
                            payload=payment.outbox_payload(at), created_at=at)
    store.payments.record(payment.reference, message, at)
    store.outbox.mark_delivered(payment.idempotency_key, "C-1", at)
    return payment.idempotency_key


def above_free_space(folder: Path) -> int:
    """A threshold the real disk cannot meet: its free space and a gigabyte more."""
    return shutil.disk_usage(folder).free + 2**30


def test_below_the_threshold_the_guard_warns_once_and_trims_while_idle(
        store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a store with two payments central acknowledged 40 and 35 days ago, and a
    threshold above the disk's real free space
    WHEN the guard checks twice, then once more with the threshold met
    THEN it is low, warns once (not on the second check), trims the older record (the
    newest delivery stays), and says once at INFO when there is room again."""
    now = night(10, 3, 0)
    first = old_delivered_payment(store, now - timedelta(days=40))
    old_delivered_payment(store, now - timedelta(days=35))
    guard = DiskGuard(tmp_path / "data", store.upkeep, SetClock(now),
                      min_free_bytes=above_free_space(tmp_path), keep=timedelta(days=30))
    caplog.set_level(logging.INFO, logger="kiosk.services.disk_guard")

    checks = [guard.check_once(), guard.check_once()]

    assert guard.low is True
    assert all(check is not None and check.low for check in checks)
    assert checks[0] is not None and checks[0].trimmed is not None
    assert checks[0].trimmed.outbox_records == 1
    assert store.outbox.delivery(first) is None  # gone; the payment stays in the journal
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "maintenance.min_free_disk_mb" in warnings[0]

    guard.min_free_bytes = 0
    check = guard.check_once()
    assert check is not None and check.low is False and guard.low is False
    assert any("free again" in r.getMessage() for r in caplog.records
               if r.levelno == logging.INFO)


def test_while_the_kiosk_is_in_use_the_guard_flags_but_does_not_trim(
        store: Store, tmp_path: Path) -> None:
    """GIVEN an old acknowledged record, a threshold above the real free space, and a
    kiosk in use
    WHEN the guard checks
    THEN the disk is flagged low and nothing is deleted (the trim waits for a rest)."""
    now = night(10, 3, 0)
    old_delivered_payment(store, now - timedelta(days=60))
    key = old_delivered_payment(store, now - timedelta(days=50))
    guard = DiskGuard(tmp_path / "data", store.upkeep, SetClock(now),
                      min_free_bytes=above_free_space(tmp_path), keep=timedelta(days=30),
                      idle=lambda: False)
    check = guard.check_once()
    assert check is not None and check.low is True and check.trimmed is None
    assert store.outbox.delivery(key) is not None


def test_with_room_to_spare_the_guard_leaves_the_store_alone(store: Store,
                                                            tmp_path: Path) -> None:
    """GIVEN an old acknowledged record and a threshold of 1 MB
    WHEN the guard checks
    THEN the disk is not low and the record stays."""
    now = night(10, 3, 0)
    key = old_delivered_payment(store, now - timedelta(days=60))
    old_delivered_payment(store, now - timedelta(days=50))
    guard = DiskGuard(tmp_path / "data", store.upkeep, SetClock(now), min_free_bytes=2**20,
                      keep=timedelta(days=30))
    check = guard.check_once()
    assert check is not None and check.low is False and check.trimmed is None
    assert check.free_bytes == pytest.approx(shutil.disk_usage(tmp_path).free, rel=0.05)
    assert store.outbox.delivery(key) is not None


def test_kiosk_diag_names_a_disk_below_the_setting(system) -> None:
    """GIVEN the loopback kiosk whose maintenance.min_free_disk_mb is a gigabyte above the
    disk's real free space
    WHEN `kiosk diag` collects its report
    THEN it lists the disk as a problem (the same threshold as the guard's)."""
    from kiosk.config import MaintenanceSection
    from kiosk.diagnostics import collect

    runtime = system.runtime
    free_mb = shutil.disk_usage(system.config.kiosk.data_dir).free // 2**20
    runtime.config = system.config.model_copy(update={
        "maintenance": MaintenanceSection(min_free_disk_mb=free_mb + 1024)})
    report = collect(runtime)
    assert any(problem.startswith("disk: only") for problem in report["problems"])
    assert report["ok"] is False
