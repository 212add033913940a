"""Alembic environment of the local store.

open_store() passes its engine in ``config.attributes["engine"]``; the alembic command
line (docs/store.md) passes ``sqlalchemy.url`` instead. Either way the store's engine
set-up (pragmas, SQLAlchemy-emitted BEGIN) is used, so the whole upgrade is one
transaction: a failed migration leaves the previous schema intact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Engine, Enum

from kiosk.store.db import create_store_engine
from kiosk.store.models import Base
from kiosk.store.types import AwareDateTime

config = context.config


def _engine() -> tuple[Engine, bool]:
    given = config.attributes.get("engine")
    if isinstance(given, Engine):
        return given, False
    url = config.get_main_option("sqlalchemy.url") or ""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        raise RuntimeError("set sqlalchemy.url to sqlite:///<path of the store file>")
    return create_store_engine(Path(url[len(prefix):])), True


def _render_frozen_type(kind: str, item: object,
                        _context: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes the store's own column types as the plain types they are on
    disk, so a revision never imports (or breaks with) today's models."""
    if kind == "type" and isinstance(item, AwareDateTime):
        return "sa.String(length=32)"
    if kind == "type" and isinstance(item, Enum) and not item.native_enum:
        return f"sa.String(length={item.length})"
    return False


def run_migrations_online() -> None:
    engine, owned = _engine()
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=Base.metadata,
                              transactional_ddl=True, render_as_batch=True,
                              render_item=_render_frozen_type)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        if owned:
            engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("the local store migrates online only (SQLite file at hand)")
run_migrations_online()
