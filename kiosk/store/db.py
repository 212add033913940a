"""Opening the local store: the SQLite engine, its pragmas, migrations, the repositories.

``open_store(path)`` is the only entry point. Every pooled connection gets WAL,
synchronous=FULL (a committed payment survives power loss), foreign keys and a busy
timeout; SQLAlchemy, not the sqlite3 driver, emits BEGIN, so writes can take the lock
up front (BEGIN IMMEDIATE) and Alembic's DDL runs in one real transaction. Nothing is
opened at import time.
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
from pathlib import Path
from types import TracebackType
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine, create_engine, event, text
from sqlalchemy.pool import ConnectionPoolEntry

from kiosk.private_files import private_sqlite_file
from kiosk.services.ports import Clock
from kiosk.store.journal import SqlPaymentJournal
from kiosk.store.outbox import SqlOutboxStore
from kiosk.store.print_jobs import SqlPrintJobs
from kiosk.store.session import READ_ONLY_OPTION, Transactions
from kiosk.store.submissions import SqlSubmissions
from kiosk.store.technician_events import SqlTechnicianEvents
from kiosk.store.trim import SqlStoreTrim

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 5000  # how long a writer waits for another thread's short transaction


def _json_dumps(value: Any) -> str:
    # Chinese and Korean stay readable in the file; the round trip is the same either way.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    # The driver must not emit BEGIN itself (its legacy mode skips it before SELECT and
    # DDL); _on_begin does it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            log.warning("local store: WAL not available (journal_mode %s)", mode)
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Deleted content (a purged payload, a dropped column) is overwritten, not left
        # in free pages of the file.
        cursor.execute("PRAGMA secure_delete = ON")
    finally:
        cursor.close()


def _on_begin(connection: Connection) -> None:
    read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def create_store_engine(path: Path) -> Engine:
    """An engine on the SQLite file at ``path`` with the store's connection set-up."""
    engine = create_engine(
        URL.create("sqlite+pysqlite", database=str(path)),
        hide_parameters=True,  # statement errors and logs never show personal data
        json_serializer=_json_dumps)
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic's configuration built in code (no alembic.ini at run time). With an
    engine, env.py migrates over it; see docs/store.md for writing a new revision."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


@functools.cache
def _heads() -> frozenset[str]:
    """The newest revisions, read once per process (Alembic executes every script file
    to find them)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def migrate(engine: Engine) -> None:
    """Bring the schema to head; a no-op on a database already there (every start of a
    kiosk whose software did not change), decided without running Alembic."""
    # A read transaction: the check takes no write lock from a running kiosk.
    with engine.execution_options(**{READ_ONLY_OPTION: True}).connect() as connection:
        if frozenset(MigrationContext.configure(connection).get_current_heads()) == _heads():
            return
    command.upgrade(alembic_config(engine), "head")


class Store:
    """The local store: the payment journal, print jobs and the outbox over one SQLite
    file, and its trim for a low disk (``upkeep``). Safe to share between threads; every
    call is its own short transaction."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        transactions = Transactions(engine)
        self.payments = SqlPaymentJournal(transactions)
        self.print_jobs = SqlPrintJobs(transactions, clock)
        self.outbox = SqlOutboxStore(transactions)
        self.submissions = SqlSubmissions(transactions)
        self.technician_events = SqlTechnicianEvents(transactions)
        self.upkeep = SqlStoreTrim(transactions, engine, Path(engine.url.database or ""))

    def integrity_check(self) -> str:
        """SQLite's own check of the whole file: "ok", or the problems it found."""
        # A read transaction: the check must not hold the write lock against the UI.
        with self.engine.execution_options(**{READ_ONLY_OPTION: True}).connect() as connection:
            problems = [str(row[0]) for row in
                        connection.execute(text("PRAGMA integrity_check"))]
        return "\n".join(problems) or "ok"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def _truncate_wal(engine: Engine) -> None:
    """Checkpoint and empty the -wal file: old page images (what a migration purged)
    leave it too. Outside any transaction (the driver's own BEGIN is off)."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        busy, _frames, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        connection.close()
    if busy:
        log.info("local store: WAL checkpoint deferred (another connection reads)")


def open_store(path: Path, clock: Clock | None = None) -> Store:
    """Open (or create) the store at ``path``, migrated to the newest schema. The file and
    its companions are 0600 in a 0700 folder (kiosk.private_files).

    ``clock`` stamps print jobs' finish times (see SqlPrintJobs)."""
    path = private_sqlite_file(Path(path))  # 0600 in a 0700 folder, before SQLite opens it
    engine = create_store_engine(path)
    try:
        migrate(engine)
        _truncate_wal(engine)
    except BaseException:
        engine.dispose()
        raise
    log.info("local store open at %s", path)
    return Store(engine, clock)
