"""Print jobs on a real SQLite file: committed before printing, outcomes, and no slip kept."""

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


STAY_SLIP = Document(
    blocks=(
        Text("境外人员临时住宿登记凭证", align=Align.CENTER, bold=True, size=2),
        Row("姓名 Name", "ERIKSSON ANNA MARIA", bold=True),
        Row("国籍 Nationality", "瑞典 Sweden"),
        Text("上海市长宁区仙霞路88弄3号楼1201室"),
        Row("纳税人识别号 Taxpayer ID", "310105UTO740812002"),
        QRCode("https://central.example/v1/verify/VC00000001"),
    ),
    language="en",
    title="stay registration VC00000001",
)
PERSONAL = ("ERIKSSON", "仙霞路88弄", "310105UTO740812002")


def file_bytes(path: Path) -> bytes:
    """The database file and its -wal and -journal companions, as a disk would give them."""
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal"))
                    if p.exists())


def test_job_is_committed_pending_and_no_slip_reaches_the_file(
        store: Store, store_path: Path, now: datetime, raw: RawQuery) -> None:
    """GIVEN a stay slip with a name, an address and a taxpayer id
    WHEN a print job is created for it and finished as printed
    THEN the job is committed PENDING before create() returns, then PRINTED, and the
    store (the file and its WAL) holds none of the slip's personal data: a job is its
    id, reference, state and reason only."""
    job = store.print_jobs.create("SH-CN-0001-261122-000042", STAY_SLIP, now)
    assert job.state is JobState.PENDING and job.reason is None and len(job.job_id) == 32
    assert raw("SELECT state FROM print_jobs WHERE job_id = ?", job.job_id) == [("pending",)]
    assert store.print_jobs.latest("SH-CN-0001-261122-000042") == job
    store.print_jobs.finish(job.job_id, PrintOutcome.PRINTED, None)
    columns = [row[1] for row in raw("PRAGMA table_info(print_jobs)")]
    assert columns == ["id", "job_id", "reference", "state", "reason", "created_at",
                       "finished_at"]
    on_disk = file_bytes(store_path)
    assert on_disk and all(value.encode() not in on_disk for value in PERSONAL)


def test_unfinished_lists_the_pending_jobs_oldest_first(store: Store, now: datetime) -> None:
    """GIVEN a printed job, two pending ones created out of order and an uncertain one
    WHEN the unfinished jobs are asked for
    THEN the two pending jobs come back, oldest first."""
    printed = store.print_jobs.create("R-1", RECEIPT, now)
    store.print_jobs.finish(printed.job_id, PrintOutcome.PRINTED, None)
    later = store.print_jobs.create("R-3", RECEIPT, now + timedelta(minutes=2))
    earlier = store.print_jobs.create("R-2", RECEIPT, now + timedelta(minutes=1))
    uncertain = store.print_jobs.create("R-4", RECEIPT, now)
    store.print_jobs.finish(uncertain.job_id, PrintOutcome.UNCERTAIN, "timeout")
    assert [j.job_id for j in store.print_jobs.unfinished()] == [earlier.job_id, later.job_id]


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


def test_upgrade_purges_every_slip_kept_before(store_path: Path, now: datetime) -> None:
    """GIVEN a store of the schema before 0005_kiosklocal, whose print_jobs kept every
    printed slip as JSON (a stay slip with a name, address and taxpayer id; a receipt)
    WHEN the kiosk starts on the new version (open_store migrates it)
    THEN the jobs are still there (ids, references, states) but none of the slips'
    personal data is left anywhere in the file or its WAL: not in the table, not in
    freed pages."""
    import json

    from alembic import command
    from sqlalchemy import text

    from kiosk.store.db import alembic_config, create_store_engine

    store_path.parent.mkdir(parents=True)
    engine = create_store_engine(store_path)
    command.upgrade(alembic_config(engine), "0003")
    with engine.begin() as connection:
        for n, document in enumerate((STAY_SLIP, RECEIPT), start=1):
            connection.execute(text(
                "INSERT INTO print_jobs (job_id, reference, document, state, created_at) "
                "VALUES (:job, :ref, :doc, 'printed', :at)"),
                {"job": f"{n:032d}", "ref": f"R-{n}", "at": now.isoformat(),
                 "doc": json.dumps(document.to_json(), ensure_ascii=False)})
    engine.dispose()
    assert all(value.encode() in file_bytes(store_path) for value in PERSONAL)

    with open_store(store_path) as store:
        assert [store.print_jobs.latest(f"R-{n}") is not None for n in (1, 2)] == [True, True]
        latest = store.print_jobs.latest("R-1")
        assert latest is not None and latest.state is JobState.PRINTED
        running = file_bytes(store_path)  # while the kiosk runs, its WAL open
    assert [value for value in PERSONAL if value.encode() in running] == []
    on_disk = file_bytes(store_path)
    assert [value for value in PERSONAL if value.encode() in on_disk] == []
