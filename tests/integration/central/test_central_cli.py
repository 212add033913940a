"""`kiosk-central` as a real process, and the schema its migrations build."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from central.db import make_engine, migrate
from central.models import Base
from tests.patience import PATIENCE_S

REPO = Path(__file__).resolve().parents[3]


def wait_for(path: Path, timeout: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
        time.sleep(0.05)
    raise AssertionError(f"{path} did not appear within {timeout} s")


@pytest.fixture
def serve_process(tmp_path, central_db):
    ready = tmp_path / "run" / "central.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "central.cli", "serve", "--db", central_db,
         "--port", "0", "--seed-demo", "--ready-file", str(ready), "--log-level", "warning"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        yield process, ready
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_writes_ready_file_and_stops_cleanly_on_signal(serve_process, stop_signal, http):
    """GIVEN `kiosk-central serve --port 0 --seed-demo --ready-file F` started
    WHEN F appears, its URL is asked for health and a demo look-up, then the process
    gets SIGTERM or SIGINT
    THEN F names the real port and this pid, both calls answer, the process exits 0 within
    seconds and F is removed."""
    process, ready = serve_process
    info = wait_for(ready, timeout=PATIENCE_S)
    assert info["pid"] == process.pid
    url = str(info["url"])
    assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
    assert requests.get(f"{url}/v1/health", timeout=PATIENCE_S).json()["status"] == "ok"
    found = http.post(f"{url}/v1/bills/lookup", timeout=PATIENCE_S, headers={"X-Kiosk-Id": "K-1"},
                      json={"biller_id": "sh-power", "account_no": "0123456789"})
    assert found.status_code == 200
    os.kill(process.pid, stop_signal)
    assert process.wait(timeout=PATIENCE_S) == 0
    assert not ready.exists()


@pytest.mark.database  # seeding and migrating are the database's own
def test_seed_command_seeds_once(central_db):
    """GIVEN an empty database (SQLite file or PostgreSQL)
    WHEN `kiosk-central seed` runs twice
    THEN the first run seeds the demo and the second leaves it alone."""
    command = [sys.executable, "-m", "central.cli", "seed", "--db", central_db]
    first = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=30)
    second = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=30)
    assert (first.returncode, second.returncode) == (0, 0)
    assert "demo data seeded" in first.stdout
    assert "nothing seeded" in second.stdout


@pytest.mark.database  # seeding and migrating are the database's own
def test_migrations_build_exactly_the_models_schema_and_rerun_safely(central_db):
    """GIVEN an empty database (SQLite file or PostgreSQL)
    WHEN the migrations run twice
    THEN the schema matches the ORM models (no autogenerate difference) and, on SQLite,
    WAL is on."""
    engine = make_engine(central_db)
    try:
        migrate(engine)
        migrate(engine)
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            if engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert diff == []
        assert {"billers", "accounts", "bills", "payments", "alembic_version"} <= set(
            inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_plain_postgresql_url_uses_psycopg_3():
    """GIVEN a postgresql:// URL without a driver (SQLAlchemy would pick psycopg2)
    WHEN central makes its engine (no connection is opened)
    THEN the engine uses psycopg 3, the driver central depends on."""
    engine = make_engine("postgresql://central@127.0.0.1:5432/central")
    try:
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


def test_admin_token_needs_to_be_told_the_database(tmp_path):
    """GIVEN an empty working folder
    WHEN `kiosk-central admin-token` runs without --db
    THEN it exits 2 asking for --db, and no database (var/central/central.db) is made."""
    done = subprocess.run([sys.executable, "-m", "central.cli", "admin-token"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 2 and "--db" in done.stderr and done.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_admin_token_never_makes_the_database_it_is_pointed_at(central_db, capsys):
    """GIVEN a database URL central never used: a SQLite file that does not exist, or a
    new, empty PostgreSQL database
    WHEN `kiosk-central admin-token --db URL` runs
    THEN it exits 2 saying why and that nothing was created, prints no token, and the
    file is still missing (or the database still has no table)."""
    from central.cli import main as central_main

    assert central_main(["admin-token", "--db", central_db]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "nothing was created" in err
    if central_db.startswith("sqlite"):
        path = Path(central_db.removeprefix("sqlite:///"))
        assert f"no SQLite file at {path}" in err
        assert not path.exists()
    else:
        assert "it has no tables of central's" in err
        engine = make_engine(central_db)
        try:
            assert inspect(engine).get_table_names() == []
        finally:
            engine.dispose()


def test_admin_token_refuses_a_file_that_is_not_centrals(tmp_path, capsys):
    """GIVEN an empty file, and a kiosk's own store (SQLite, migrated by Alembic too)
    WHEN `kiosk-central admin-token --db` names each
    THEN each is refused (exit 2), and neither file changes."""
    from central.cli import main as central_main
    from kiosk.domain.clock import SystemClock
    from kiosk.store import open_store

    empty = tmp_path / "empty.db"
    empty.touch()
    store = open_store(tmp_path / "kiosk.sqlite3", clock=SystemClock())
    store.close()
    before = (tmp_path / "kiosk.sqlite3").read_bytes()
    for path, why in ((empty, "it has no tables of central's"),
                      (tmp_path / "kiosk.sqlite3", "it has no tables of central's")):
        assert central_main(["admin-token", "--db", f"sqlite:///{path}"]) == 2
        assert why in capsys.readouterr().err
    assert empty.stat().st_size == 0
    assert (tmp_path / "kiosk.sqlite3").read_bytes() == before
