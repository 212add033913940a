"""Central's scheduler: jobs run in rounds on a background thread, and only by the
replica that holds the lease row (central/scheduler.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from central.scheduler import Scheduler, SchedulerSettings
from central.server import CentralServer
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces


class Recorder:
    def __init__(self) -> None:
        self.runs: list[datetime] = []
        self.lock = threading.Lock()

    def __call__(self, now: datetime) -> None:
        with self.lock:
            self.runs.append(now)


def test_only_the_lease_holder_runs_jobs_until_it_lets_go(engine: Engine, clock) -> None:
    """GIVEN two schedulers (two replicas) on one database, each with a job
    WHEN both try rounds, then the first stops, then the second's lease runs out while
    the first comes back
    THEN only the first runs its job while it holds the lease; once it stopped (lease
    released) the second runs; a lease left to expire is taken by the other after its
    time-to-live."""
    settings = SchedulerSettings(interval_s=3600, lease_ttl_s=60)
    first, second = Scheduler(engine, clock, settings), Scheduler(engine, clock, settings)
    first_job, second_job = Recorder(), Recorder()
    first.register("job", first_job)
    second.register("job", second_job)
    assert first.run_once() is True
    assert second.run_once() is False
    assert first.run_once() is True
    assert (len(first_job.runs), second_job.runs) == (2, [])

    first.stop()  # never started: stopping releases the lease all the same
    assert second.run_once() is True
    assert len(second_job.runs) == 1

    third = Scheduler(engine, clock, settings)
    third.register("job", first_job)
    assert third.run_once() is False
    clock.advance(timedelta(seconds=61))  # the second replica died holding the lease
    assert third.run_once() is True
    assert len(first_job.runs) == 3


def test_the_thread_runs_each_job_every_interval_and_stops_at_once(engine: Engine,
                                                                   clock) -> None:
    """GIVEN a started scheduler with a short interval, a job that fails and one that
    records
    WHEN it runs a while, then is stopped mid-wait on a long interval
    THEN the recording job ran in several rounds despite the failing one; stop returns
    at once (not after the interval) and the thread is gone."""
    scheduler = Scheduler(engine, clock, SchedulerSettings(interval_s=0.01))
    job = Recorder()

    def broken(_now: datetime) -> None:
        raise RuntimeError("this job always fails")

    scheduler.register("broken", broken)
    scheduler.register("recorder", job)
    scheduler.start()
    try:
        deadline = time.monotonic() + PATIENCE_S
        while len(job.runs) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(job.runs) >= 3
    finally:
        scheduler.stop()
    assert not scheduler.running

    slow = Scheduler(engine, clock, SchedulerSettings(interval_s=3600))
    slow.start()
    time.sleep(0.05)  # let the thread reach its wait
    started = time.monotonic()
    slow.stop()
    assert time.monotonic() - started < 5.0
    assert not slow.running


def test_a_job_name_is_registered_once(engine: Engine, clock) -> None:
    """GIVEN a scheduler with a job named "alerts"
    WHEN another job is registered under that name
    THEN ValueError: a job would otherwise run twice a round or silently be replaced."""
    scheduler = Scheduler(engine, clock, SchedulerSettings())
    scheduler.register("alerts", Recorder())
    with pytest.raises(ValueError, match="alerts"):
        scheduler.register("alerts", Recorder())


def test_central_starts_its_scheduler_with_the_app_and_stops_it_on_shutdown(
        central_db: str, clock) -> None:
    """GIVEN a central with a short scheduler interval
    WHEN it serves, a job is registered on its scheduler, and it is stopped
    THEN the job runs without the test driving it, and the scheduler thread is gone
    once central stopped."""
    server = CentralServer(central_db, clock=clock, seed_demo=False,
                           scheduler=SchedulerSettings(interval_s=0.01))
    job = Recorder()
    with server:
        assert server.app is not None
        scheduler: Scheduler = server.app.state.scheduler
        scheduler.register("recorder", job)
        deadline = time.monotonic() + PATIENCE_S
        while not job.runs and time.monotonic() < deadline:
            time.sleep(0.01)
        assert job.runs
        assert scheduler.running
    assert not scheduler.running
