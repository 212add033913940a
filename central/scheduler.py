"""Central's scheduled work: a background thread, started with the app, that runs the
registered jobs in rounds every ``interval_s`` (offline detection and alerts, webhook
deliveries; more may be registered, e.g. rollout wave deadlines).

Several replicas may run on one database; a round runs on one of them only. Before each
round a replica takes or renews the lease row ``scheduler_leases["central"]`` with one
atomic upsert: it gets the row if it already holds it or the lease expired. Only then
does it run the jobs. A replica that stops releases the lease, so another takes over at
its next round; one that dies keeps it until ``lease_ttl_s`` has passed. The same
statement works on PostgreSQL (row lock, read committed re-checks the condition) and
SQLite (BEGIN IMMEDIATE: one writer at a time). Jobs read central's clock (a test moves
it); the thread's wait between rounds is real time.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from central.db import make_session_factory
from central.models_alerts import SchedulerLeaseRow
from central.timeutil import Clock

log = logging.getLogger(__name__)

LEASE_NAME = "central"
RELEASED = datetime(1970, 1, 1, tzinfo=UTC)  # an expiry every clock has passed
STOP_TIMEOUT_S = 10.0

Job = Callable[[datetime], None]
"""A job: does its work as of ``now`` (central's clock), idempotently (a round cut short
by a crash is run again by whoever holds the lease next)."""


@dataclass(frozen=True)
class SchedulerSettings:
    interval_s: float = 30.0
    """Seconds between rounds (each replica tries one; the lease holder runs it)."""
    lease_ttl_s: float | None = None
    """How long a lease holds without renewal (default: 4 intervals, at least 60 s). A
    replica that died holding it is replaced after this long."""
    enabled: bool = True  # False: no thread (jobs run only when run_once is called)

    def __post_init__(self) -> None:
        if self.interval_s <= 0 or (self.lease_ttl_s is not None and self.lease_ttl_s <= 0):
            raise ValueError("interval_s and lease_ttl_s must be positive")

    @property
    def lease_ttl(self) -> timedelta:
        if self.lease_ttl_s is not None:
            return timedelta(seconds=self.lease_ttl_s)
        return timedelta(seconds=max(4 * self.interval_s, 60.0))


class Scheduler:
    def __init__(self, engine: Engine, clock: Clock, settings: SchedulerSettings) -> None:
        self.clock = clock
        self.settings = settings
        self.holder = f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self.tries = 0  # rounds this replica tried (held the lease or not)
        self.rounds = 0  # rounds it ran
        self._sessions = make_session_factory(engine)
        self._jobs: dict[str, Job] = {}
        self._round = threading.Lock()  # one round at a time in this replica
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self, name: str, job: Job) -> None:
        """Add a job to every round, after those registered before it."""
        with self._round:
            if name in self._jobs:
                raise ValueError(f"a job named {name} is registered already")
            self._jobs[name] = job

    def start(self) -> None:
        if self._thread is not None or not self.settings.enabled:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="central-scheduler",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop the thread (at once when it waits; after the running job otherwise) and
        release the lease, so another replica takes over at its next round."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("scheduler: a job still runs after %.0f s; leaving it", timeout)
        try:
            self._release()
        except SQLAlchemyError as exc:  # the database may be gone already: the lease expires
            log.warning("scheduler: lease not released (%s)", type(exc).__name__)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run_once(self) -> bool:
        """One round now: the jobs run if this replica holds (or takes) the lease. True
        if it ran them. A failing job is logged; the next one runs all the same."""
        return self._run(stoppable=False)

    def _run(self, *, stoppable: bool) -> bool:
        with self._round:
            self.tries += 1
            now = self.clock.now()
            if not self._take_lease(now):
                return False
            for name, job in list(self._jobs.items()):
                if stoppable and self._stop.is_set():
                    break  # shutting down: the next holder runs the rest
                try:
                    job(now)
                except Exception:
                    log.exception("scheduler: job %s failed", name)
            self.rounds += 1
            return True

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.interval_s):
            try:
                self._run(stoppable=True)
            except SQLAlchemyError as exc:  # the database away: try again next round
                log.warning("scheduler: round not run (%s)", type(exc).__name__)

    def _take_lease(self, now: datetime) -> bool:
        with self._sessions.begin() as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            lease = SchedulerLeaseRow.metadata.tables[SchedulerLeaseRow.__tablename__]
            expires = now + self.settings.lease_ttl
            statement = insert(lease).values(name=LEASE_NAME, holder=self.holder,
                                             expires_at=expires)
            statement = statement.on_conflict_do_update(
                index_elements=[lease.c.name],
                set_={"holder": self.holder, "expires_at": expires},
                where=or_(lease.c.holder == self.holder, lease.c.expires_at <= now))
            return session.execute(statement.returning(lease.c.holder)).first() is not None

    def _release(self) -> None:
        with self._sessions.begin() as session:
            row = session.get(SchedulerLeaseRow, LEASE_NAME, with_for_update=True)
            if row is not None and row.holder == self.holder:
                row.expires_at = RELEASED
