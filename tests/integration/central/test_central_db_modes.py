"""Central's SQLite database is its owner's only: 0600 files, 0700 folders central makes."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from central.server import CentralServer

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_central_makes_its_database_and_folders_private(tmp_path: Path) -> None:
    """GIVEN no folder for central's SQLite database yet (umask 022)
    WHEN central starts on it and answers (the WAL and shared memory exist)
    THEN the folders it made are 0700 and the database, -wal and -shm are 0600."""
    db = tmp_path / "var" / "central" / "central.db"
    with CentralServer(f"sqlite:///{db}", seed_demo=True):
        files = sorted(db.parent.iterdir())
        assert [p.name for p in files] == ["central.db", "central.db-shm", "central.db-wal"]
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert mode(tmp_path / "var") == 0o700 and mode(db.parent) == 0o700


def test_a_database_an_older_central_left_readable_is_tightened(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN central's database 0644 with a -wal 0644, in a folder 0755 the operator made
    WHEN central starts on it
    THEN the database and its companions are 0600; the folder is left as the operator
    made it, and a warning names it."""
    folder = tmp_path / "central"
    folder.mkdir()
    os.chmod(folder, 0o755)
    db = folder / "central.db"
    keep_open = sqlite3.connect(db)
    keep_open.execute("PRAGMA journal_mode=WAL")
    keep_open.execute("CREATE TABLE leftover (x)")
    keep_open.commit()
    for file in folder.iterdir():
        os.chmod(file, 0o644)
    caplog.set_level(logging.WARNING, logger="central.db")
    try:
        with CentralServer(f"sqlite:///{db}"):
            assert {p.name: mode(p) for p in folder.iterdir()} == {
                "central.db": 0o600, "central.db-wal": 0o600, "central.db-shm": 0o600}
    finally:
        keep_open.close()
    assert mode(folder) == 0o755
    assert f"central database folder {folder} is open to other users" in caplog.text
