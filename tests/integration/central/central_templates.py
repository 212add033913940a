"""Migrated, demo-seeded central databases that a test's central starts from as a copy.

Starting a central used to run every migration and the demo seed on a new database for
each test (most of a second on SQLite, more on PostgreSQL, for about 700 tests). The
template is made once per session, dialect and demo date (the seed depends on "today"),
and each test gets its own copy: a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE``
on PostgreSQL (conftest.py's central_db, for a test that runs a ``central``). The copy
is the database central itself would have made, so central's own start-up (migrate,
seed if empty) finds nothing to do and the test sees the same data.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

from central.db import make_engine, migrate
from central.service import CentralService
from central.timeutil import Clock, in_shanghai
from central_pg_server import ThrowawayPostgres


class CentralTemplates:
    def __init__(self, folder: Path, postgres: Callable[[], ThrowawayPostgres]) -> None:
        self._folder = folder
        self._postgres = postgres  # the session's server, asked for only when needed
        self._made: dict[tuple[str, date], str] = {}  # (dialect, demo date) -> file or name
        self._lock = threading.Lock()

    def copy_sqlite(self, target: Path, clock: Clock) -> None:
        """The template for ``clock``'s demo date, copied to ``target``."""
        shutil.copyfile(self._template("sqlite", clock), target)

    def postgres_template(self, clock: Clock) -> str:
        """The name of the PostgreSQL template database for ``clock``'s demo date."""
        return self._template("postgresql", clock)

    def _template(self, dialect: str, clock: Clock) -> str:
        today = in_shanghai(clock.now()).date()
        with self._lock:
            made = self._made.get((dialect, today))
            if made is None:
                made = self._make(dialect, today, clock)
                self._made[(dialect, today)] = made
            return made

    def _make(self, dialect: str, today: date, clock: Clock) -> str:
        if dialect == "sqlite":
            path = self._folder / f"central-{today.isoformat()}.sqlite3"
            _migrate_and_seed(f"sqlite:///{path}", clock)
            with sqlite3.connect(path) as connection:  # everything in the one file
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return str(path)
        server = self._postgres()
        name = server.create_database()
        _migrate_and_seed(server.url_for(name), clock)
        return name


def _migrate_and_seed(db_url: str, clock: Clock) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine)
        CentralService(engine, clock, demo=True).seed_demo_if_empty()
    finally:
        engine.dispose()  # a PostgreSQL template must have no connection left
