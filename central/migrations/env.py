"""Alembic environment: central.db.migrate passes an open connection in the config's
attributes, so no alembic.ini and no URL are needed here."""

from __future__ import annotations

from alembic import context

from central.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with central.db.migrate(engine), not the alembic command")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copes on every backend
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
