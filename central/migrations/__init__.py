"""Alembic migrations of central's database, applied programmatically (central.db.migrate)."""
