"""Print jobs on a real SQLite file: committed before printing, outcomes, exact documents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hardware.base import PrintOutcome
from hardware.document import Align, Document, Feed, QRCode, Row, Rule, Text
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import JobState
from kiosk.store import Store, open_store

RawQuery = Callable[..., list[tuple[object, ...]]]
SHANGHAI = ZoneInfo("Asia/Shanghai")

RECEIPT = Document(
    blocks=(
        Text("上海虹桥海外人才一站式服务中心", align=Align.CENTER, bold=True, size=2),
        Text("Hongqiao Overseas Talent One-Stop Service Center", align=Align.CENTER),
        Rule("="),
        Row("缴费金额 / 납부 금액", "¥128.50", bold=True),
        Row("户名 / 예금주", "김*수"),
        Text("영수증을 보관하십시오. 请保留此凭条。", align=Align.RIGHT),
        QRCode("https://kiosk.example/r/SH-CN-0001-261122-000042?lang=ko&amt=128.50", module=4),
        Feed(3),
    ),
    language="ko",
    title="receipt SH-CN-0001-261122-000042",
)


class FixedClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def test_document_round_trips_exactly_and_job_is_committed_pending(
        store: Store, now: datetime, raw: RawQuery) -> None:
    """GIVEN a bilingual receipt with Chinese, Korean, a QR code and every block kind
    WHEN a print job is created for it
    THEN it is committed PENDING before create() returns, and the stored document equals
    the original block for block."""
    job = store.print_jobs.create("SH-CN-0001-261122-000042", RECEIPT, now)
    assert job.state is JobState.PENDING and job.reason is None and len(job.job_id) == 32
    assert raw("SELECT state FROM print_jobs WHERE job_id = ?", job.job_id) == [("pending",)]
    latest = store.print_jobs.latest("SH-CN-0001-261122-000042")
    assert latest == job
    assert latest is not None and latest.document == RECEIPT
    assert latest.document.plain_text() == RECEIPT.plain_text()


@pytest.mark.parametrize(("outcome", "reason", "state"), [
    (PrintOutcome.PRINTED, None, JobState.PRINTED),
    (PrintOutcome.NOT_PRINTED, "paper_out", JobState.NOT_PRINTED),
    (PrintOutcome.UNCERTAIN, "timeout", JobState.UNCERTAIN),
])
def test_finish_maps_the_outcome_once(
        store_path: Path, now: datetime, raw: RawQuery, outcome: PrintOutcome,
        reason: str | None, state: JobState) -> None:
    """GIVEN a PENDING job
    WHEN it is finished with an outcome, and then finished again
    THEN its state and reason follow the outcome, finished_at comes from the clock, and
    the second finish is refused (a finished job is never sent again)."""
    finished_at = now + timedelta(seconds=4)
    with open_store(store_path, clock=FixedClock(finished_at)) as store:
        job = store.print_jobs.create("SH-CN-0001-261122-000001", RECEIPT, now)
        store.print_jobs.finish(job.job_id, outcome, reason)
        latest = store.print_jobs.latest("SH-CN-0001-261122-000001")
        assert latest is not None
        assert (latest.state, latest.reason) == (state, reason)
        assert raw("SELECT finished_at FROM print_jobs") == [
            (finished_at.isoformat(timespec="microseconds"),)]
        with pytest.raises(ValueError, match="already"):
            store.print_jobs.finish(job.job_id, PrintOutcome.PRINTED, None)


def test_finish_without_a_clock_stamps_now_in_the_jobs_offset(
        store: Store, raw: RawQuery) -> None:
    """GIVEN a store opened without a clock and a job created a moment ago in +08:00
    WHEN the job is finished
    THEN finished_at is the current time, in +08:00."""
    created = datetime.now(SHANGHAI)
    job = store.print_jobs.create("R-1", RECEIPT, created)
    store.print_jobs.finish(job.job_id, PrintOutcome.PRINTED, None)
    [(stored,)] = raw("SELECT finished_at FROM print_jobs")
    finished = datetime.fromisoformat(str(stored))
    assert finished.utcoffset() == timedelta(hours=8)
    assert created <= finished <= datetime.now(SHANGHAI)


def test_latest_is_the_newest_job_of_that_reference(store: Store, now: datetime) -> None:
    """GIVEN a failed job and its reprint for one reference, and a job for another
    WHEN the latest job of the first reference is asked for
    THEN the reprint is returned; an unknown reference gives None."""
    first = store.print_jobs.create("R-1", RECEIPT, now)
    store.print_jobs.finish(first.job_id, PrintOutcome.UNCERTAIN, "timeout")
    reprint = store.print_jobs.create("R-1", RECEIPT, now + timedelta(minutes=1))
    store.print_jobs.create("R-2", RECEIPT, now + timedelta(minutes=2))
    latest = store.print_jobs.latest("R-1")
    assert latest is not None and latest.job_id == reprint.job_id
    assert store.print_jobs.get(first.job_id) is not None
    assert store.print_jobs.latest("R-3") is None


def test_finishing_an_unknown_job_is_not_found(store: Store) -> None:
    """GIVEN no print jobs
    WHEN an unknown job id is finished
    THEN NOT_FOUND is raised."""
    with pytest.raises(KioskError) as raised:
        store.print_jobs.finish("0" * 32, PrintOutcome.PRINTED, None)
    assert raised.value.code is ErrorCode.NOT_FOUND
