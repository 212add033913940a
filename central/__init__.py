"""The reference central service: bill look-up and payment recording, tax records, the
address book, the company registry, stay registrations, arbitration applications, slip
verification, and the kiosks' outbox.

FastAPI + SQLAlchemy 2.0 + Alembic. It may import only kiosk.domain, kiosk.errors and
kiosk.sync.wire of the kiosk (docs/architecture.md#the-dependency-rule, checked by import-linter).
"""

__version__ = "0.1.0"
