"""The reference central service: bill look-up and payment recording, tax records, the
address book, the company registry, stay registrations, arbitration applications, slip
verification, and the kiosks' outbox.

FastAPI + SQLAlchemy 2.0 + Alembic. It may import only kiosk.domain, kiosk.errors and
kiosk.sync.wire of the kiosk (docs/architecture.md#the-dependency-rule, checked by import-linter).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    # The distribution (pyproject.toml's name) that ships central together with the kiosk.
    __version__ = version("shanghai-selfservice-kiosk")
except PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
