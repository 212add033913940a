"""The reference central service: bill look-up, payment recording, the kiosks' outbox.

FastAPI + SQLAlchemy 2.0 + Alembic. It may import only kiosk.domain, kiosk.errors and
kiosk.sync.wire of the kiosk (ARCHITECTURE.md, checked by import-linter).
"""

__version__ = "0.1.0"
