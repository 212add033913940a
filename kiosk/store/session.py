"""Short transactions, one Session per operation, and the one place where SQLAlchemy's
errors become the kiosk's.

Writes begin with BEGIN IMMEDIATE (see db.py): the write lock is taken up front, so two
threads that read-then-write never deadlock on a lock upgrade, which SQLite would report
as "database is locked" without waiting for the busy timeout. Reads begin a plain
(deferred) transaction and, under WAL, never wait for a writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.errors import ErrorCode, KioskError

# Execution option read by the "begin" listener in db.py.
READ_ONLY_OPTION = "kiosk_read_only"


class StoreError(KioskError):
    """The local database failed (locked past the busy timeout, constraint, disk...).

    The message names the SQLite error or constraint only; statement parameters, which
    may hold personal data, are never part of it (the engine hides them too)."""

    def __init__(self, operation: str, cause: SQLAlchemyError) -> None:
        if isinstance(cause, (DBAPIError, StatementError)) and cause.orig is not None:
            what = f"{type(cause.orig).__name__}: {cause.orig}"
        else:
            what = type(cause).__name__
        super().__init__(ErrorCode.INTERNAL, f"local store: {operation} failed: {what}",
                         operation=operation)


class Transactions:
    """Hands out sessions bound to one store engine; safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        self._writer = sessionmaker(bind=engine, expire_on_commit=False)
        self._reader = sessionmaker(
            bind=engine.execution_options(**{READ_ONLY_OPTION: True}),
            expire_on_commit=False)

    @contextmanager
    def write(self, operation: str) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        try:
            with self._writer.begin() as session:
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(operation, exc) from exc

    @contextmanager
    def read(self, operation: str) -> Iterator[Session]:
        """One read-only snapshot; nothing is committed."""
        try:
            with self._reader() as session:
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(operation, exc) from exc
