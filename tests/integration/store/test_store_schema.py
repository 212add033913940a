"""The store's file: migrations, connection pragmas, timestamps, integrity check."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from kiosk.domain.payments import PaymentDraft, PayMethod
from kiosk.store import Store, open_store
from kiosk.store.db import alembic_config
from kiosk.store.models import Base

TABLES = {"payments", "outbox", "print_jobs", "reference_counters", "alembic_version"}


def _schema(store: Store) -> list[tuple[str, str]]:
    with store.engine.connect() as connection:
        return [(str(name), str(sql)) for name, sql in connection.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"))]


def _version(store: Store) -> str:
    with store.engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def test_open_creates_folder_and_schema_at_head(store_path: Path) -> None:
    """GIVEN no database file and no folder for it
    WHEN the store is opened
    THEN the folder and file exist, every table is there and the schema is at Alembic's head."""
    assert not store_path.parent.exists()
    with open_store(store_path) as store:
        assert store_path.is_file()
        assert set(inspect(store.engine).get_table_names()) >= TABLES
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert head is not None and _version(store) == head


def test_second_open_changes_nothing(store_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a store file already migrated to head
    WHEN it is opened again
    THEN no migration runs and the schema and version are unchanged."""
    with open_store(store_path) as first:
        schema, version = _schema(first), _version(first)
    caplog.set_level(logging.INFO, logger="alembic")
    with open_store(store_path) as second:
        assert _schema(second) == schema
        assert _version(second) == version
    assert "Running upgrade" not in caplog.text


def test_models_match_migrations(store: Store) -> None:
    """GIVEN a store migrated to head
    WHEN Alembic compares the live schema with the SQLAlchemy models
    THEN it finds no difference (a model change without a migration fails here)."""
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_downgrade_and_upgrade_again(store: Store) -> None:
    """GIVEN a store at head
    WHEN the migrations are run down to base and back up
    THEN the tables go away and come back."""
    config = alembic_config(store.engine)
    command.downgrade(config, "base")
    assert set(inspect(store.engine).get_table_names()) == {"alembic_version"}
    command.upgrade(config, "head")
    assert set(inspect(store.engine).get_table_names()) >= TABLES


def test_every_connection_has_wal_full_sync_foreign_keys_and_busy_timeout(store: Store) -> None:
    """GIVEN an open store
    WHEN several pooled connections are checked out at once
    THEN each one runs in WAL mode with synchronous FULL (2), foreign keys on, secure
    delete on and a busy timeout."""
    connections = [store.engine.raw_connection() for _ in range(3)]
    try:
        for connection in connections:
            cursor = connection.cursor()

            def pragma(name: str, cursor: Any = cursor) -> object:
                cursor.execute(f"PRAGMA {name}")
                row = cursor.fetchone()
                return None if row is None else row[0]

            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 2
            assert pragma("foreign_keys") == 1
            assert pragma("secure_delete") == 1  # purged content is overwritten
            busy_timeout = pragma("busy_timeout")
            assert isinstance(busy_timeout, int) and busy_timeout >= 1000
            cursor.close()
    finally:
        for connection in connections:
            connection.close()


def test_integrity_check_of_a_healthy_file(store: Store) -> None:
    """GIVEN a freshly opened store
    WHEN its integrity is checked
    THEN SQLite answers "ok"."""
    assert store.integrity_check() == "ok"


@pytest.mark.parametrize("moment", [
    datetime(2026, 11, 22, 10, 15, 30, 123456, tzinfo=timezone(timedelta(hours=8))),
    datetime(2026, 11, 22, 2, 15, 30, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
])
def test_aware_timestamps_come_back_as_they_went_in(
        store: Store, make_draft: Callable[..., PaymentDraft], moment: datetime) -> None:
    """GIVEN a payment created at an aware moment in some UTC offset
    WHEN it is read back from the file
    THEN created_at is the same instant with the same offset, to the microsecond."""
    created = store.payments.create(make_draft(), moment)
    stored = store.payments.get(created.reference)
    assert stored is not None
    assert stored.created_at == moment
    assert stored.created_at.utcoffset() == moment.utcoffset()
    assert stored.created_at.microsecond == moment.microsecond


def test_naive_timestamps_are_refused(store: Store,
                                      make_draft: Callable[..., PaymentDraft]) -> None:
    """GIVEN a naive datetime (no UTC offset)
    WHEN a payment would be created with it
    THEN the store refuses it and writes nothing."""
    with pytest.raises(ValueError, match="aware"):
        store.payments.create(make_draft(), datetime(2026, 11, 22, 10, 0))  # noqa: DTZ001 - naive on purpose
    assert store.payments.unfinished() == []


def test_upgrade_drops_the_payloads_of_records_refused_before_it(store: Store) -> None:
    """GIVEN a store at revision 0003 holding a registration central refused, its payload
    (with a passport number) kept as 0003 did, and a pending one
    WHEN it is upgraded to head
    THEN the refused record keeps its reference but no payload; the pending one keeps its
    payload."""
    config = alembic_config(store.engine)
    command.downgrade(config, "0003")
    with store.engine.begin() as connection:
        for key, rejected in (("k-refused-0001", "2026-01-15T10:00:00+08:00"),
                              ("k-pending-0001", None)):
            connection.execute(text(
                "INSERT INTO outbox (idempotency_key, kind, payload, created_at, attempts, "
                "rejected_at, rejected_reason) VALUES (:key, 'stay_registration', :payload, "
                "'2026-01-15T09:00:00+08:00', 0, :rejected, :reason)"),
                {"key": key, "payload": '{"reference": "SH-CN-0001-260115-000001", '
                                        '"doc_number": "C01X00T47"}',
                 "rejected": rejected, "reason": "E_HOTEL_ADDRESS" if rejected else None})
    command.upgrade(config, "head")
    with store.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT idempotency_key, payload IS NULL, reference FROM outbox "
            "ORDER BY idempotency_key")).all()
    assert [tuple(row) for row in rows] == [
        ("k-pending-0001", 0, None), ("k-refused-0001", 1, "SH-CN-0001-260115-000001")]


def modes(folder: Path) -> dict[str, int]:
    """Every entry under ``folder`` (and itself, as "."), relative path -> permission bits."""
    import os
    import stat

    found = {".": stat.S_IMODE(os.stat(folder).st_mode)}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = stat.S_IMODE(os.lstat(path).st_mode)
    return found


def test_a_new_store_is_its_owners_only(tmp_path: Path,
                                        make_draft: Callable[..., PaymentDraft]) -> None:
    """GIVEN no data folder yet (and the usual umask 022)
    WHEN the store is opened and a payment written (so the WAL and shared-memory files
    exist)
    THEN the folders it made are 0700 and the database, -wal and -shm are 0600."""
    path = tmp_path / "var" / "kiosk" / "kiosk.sqlite3"
    with open_store(path) as store:
        store.payments.create(make_draft(), datetime.now(UTC))
        found = modes(tmp_path / "var")
    assert found == {".": 0o700, "kiosk": 0o700, "kiosk/kiosk.sqlite3": 0o600,
                     "kiosk/kiosk.sqlite3-wal": 0o600, "kiosk/kiosk.sqlite3-shm": 0o600}


def test_a_store_an_older_version_left_open_is_tightened(tmp_path: Path) -> None:
    """GIVEN a data folder 0755 holding a store 0644 with a -wal 0644 (as older versions
    left them)
    WHEN the store is opened
    THEN the folder is 0700 and every file of the store 0600."""
    import os
    import sqlite3

    folder = tmp_path / "kiosk"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    path = folder / "kiosk.sqlite3"
    keep_open = sqlite3.connect(path)
    keep_open.execute("PRAGMA journal_mode=WAL")
    keep_open.execute("CREATE TABLE leftover (x)")
    keep_open.commit()
    for file in folder.iterdir():
        os.chmod(file, 0o644)
    try:
        assert modes(folder)["kiosk.sqlite3-wal"] == 0o644
        with open_store(path):
            found = modes(folder)
    finally:
        keep_open.close()
    assert found["."] == 0o700
    assert {name: mode for name, mode in found.items() if name != "."} == dict.fromkeys(
        ("kiosk.sqlite3", "kiosk.sqlite3-wal", "kiosk.sqlite3-shm"), 0o600)


def test_payments_from_before_qr_are_card_payments_after_the_upgrade(store: Store) -> None:
    """GIVEN a store at revision 0005 holding a card payment
    WHEN it is upgraded to head
    THEN the payment reads back as a card payment with no provider transaction id."""
    config = alembic_config(store.engine)
    command.downgrade(config, "0005_kiosklocal")
    with store.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO payments (reference, idempotency_key, state, kiosk_id, session_id, "
            "lang, biller_id, account_no, bill_ids, periods, amount, late_fee, currency, "
            "holder_masked, extra, created_at, updated_at) VALUES ('SH-CN-0001-260115-000001', "
            "'k1', 'DECLINED', 'SH-CN-0001', 's', 'en', 'sh-water', '3100012345', '[\"B1\"]', "
            "'2026-01', 12.5, 0, 'CNY', '王*', '{}', '2026-01-15T09:00:00+08:00', "
            "'2026-01-15T09:00:00+08:00')"))
    command.upgrade(config, "head")
    payment = store.payments.get("SH-CN-0001-260115-000001")
    assert payment is not None and payment.draft.method is PayMethod.CARD
    assert payment.provider_txn_id is None and payment.failure is None
