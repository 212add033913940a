"""The kiosk's local store: payment journal, print jobs and outbox in one SQLite file
(SQLAlchemy 2.0, Alembic migrations). Open it with ``open_store(path)``."""

from kiosk.store.db import Store, open_store
from kiosk.store.session import StoreError

__all__ = ["Store", "StoreError", "open_store"]
