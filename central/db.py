"""Engine, sessions and migrations. Nothing is opened at import time.

SQLite gets WAL, a busy timeout, foreign keys and BEGIN IMMEDIATE (so a read-then-write
transaction never fails half-way on a stale snapshot). PostgreSQL goes through psycopg 3
(``postgresql://`` means ``postgresql+psycopg://``); rules checked by reading take an
advisory lock there (central.records.serialize_on), and so do migrations, so central
instances starting together on one database migrate it once.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Any constant will do: it names the lock instances wait on while one of them migrates.
MIGRATION_LOCK_ID = 0x6B696F736B  # "kiosk"


def make_engine(db_url: str) -> Engine:
    url = make_url(db_url)
    if url.drivername == "postgresql":
        # SQLAlchemy's default PostgreSQL driver is psycopg2; central depends on psycopg 3.
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    in_memory = url.database in (None, "", ":memory:")
    if not in_memory and url.database:
        private_sqlite_file(Path(url.database))
    # hide_parameters: SQL errors end up in logs, and their parameters can be personal data.
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False},
                              "hide_parameters": True}
    if in_memory:
        kwargs["poolclass"] = StaticPool  # one shared connection, or each thread sees its own DB
    engine = create_engine(url, **kwargs)
    _tune_sqlite(engine, wal=not in_memory)
    return engine


def private_sqlite_file(path: Path) -> None:
    """Central's SQLite file and its -wal/-shm/-journal companions 0600 (SQLite gives the
    companions the database file's mode, so the file is made before SQLite opens it);
    the folders central creates for it 0700. A folder that already existed is the
    operator's choice and stays as it is, with a warning if others may enter it."""
    folder = path.parent
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for made in reversed(missing):  # outermost first
        made.mkdir(mode=0o700, exist_ok=True)
    if not missing and stat.S_IMODE(folder.stat().st_mode) & 0o077:
        log.warning("central database folder %s is open to other users (mode %o); its "
                    "files are 0600, make the folder 0700", folder,
                    stat.S_IMODE(folder.stat().st_mode))
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for file in (path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal"))):
        if file.exists() and stat.S_IMODE(file.stat().st_mode) != 0o600:
            os.chmod(file, 0o600)


def _tune_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (SQLAlchemy recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def database_busy(exc: OperationalError) -> bool:
    """SQLite gave up waiting for its write lock (busy_timeout): writers queued longer
    than SQLITE_BUSY_TIMEOUT_MS, an overload rather than a fault."""
    orig = exc.orig
    return isinstance(orig, sqlite3.OperationalError) and (
        "database is locked" in str(orig) or "database is busy" in str(orig))


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    """The migration scripts, read once per process: Alembic executes every script file
    to know the revisions (about 0.2 s for central's 20), and they do not change while
    central runs."""
    return ScriptDirectory.from_config(alembic_config())


def central_revisions() -> frozenset[str]:
    """Every schema revision of central's migrations (a database at another is not
    central's)."""
    return frozenset(script.revision for script in _scripts().walk_revisions())


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (idempotent). One transaction: on PostgreSQL
    (transactional DDL, advisory lock) a second instance waits, then finds nothing to do;
    SQLite's BEGIN IMMEDIATE serializes the same way. A database already at head is
    left as it is without running Alembic (every start of central, and every replica)."""
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_ID)))
        if revision == "head" and set(MigrationContext.configure(
                connection).get_current_heads()) == set(_scripts().get_heads()):
            return
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
