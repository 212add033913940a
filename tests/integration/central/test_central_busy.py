"""Central on SQLite under more writers than its busy timeout lets queue: the lookup that
waited in vain is an overload, answered 503 with Retry-After (the kiosk asks again),
never a 500; once the writer ahead is done the same request goes through. A full run
with two suites at once met it: eight simultaneous lock requests, one 500."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy.engine import make_url

import central.db
from central.server import CentralServer
from conftest import SettableClock, lookup


@pytest.fixture
def quick_central(monkeypatch: pytest.MonkeyPatch, central_db: str,
                  clock: SettableClock) -> Iterator[CentralServer]:
    """A central whose connections wait 0.3 s for the write lock instead of 10 s (set
    before it opens them), so the test does not wait 10 s."""
    monkeypatch.setattr(central.db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    server = CentralServer(central_db, clock=clock)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_a_lookup_that_waits_out_the_busy_timeout_is_503_with_retry_after(
        quick_central: CentralServer, central_db: str, http: requests.Session,
        caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN central on SQLite and another writer holding the database's write lock
    WHEN a kiosk looks a bill up (which locks it: a write)
    THEN central answers 503 E_CENTRAL_UNAVAILABLE with Retry-After and logs the route's
    template as busy, not an unexpected error; after the writer commits, the same lookup
    is answered 200 (the kiosk's own lock, taken again)."""
    def do_lookup(biller_id: str, account_no: str) -> requests.Response:
        return lookup(http, quick_central.url, biller_id, account_no)

    assert do_lookup("sh-power", "0123456789").status_code == 200  # enrolled, locked once
    caplog.set_level(logging.WARNING, logger="central")
    path = make_url(central_db).database
    assert path, "this test is about SQLite's file lock"
    writer = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        writer.execute("BEGIN IMMEDIATE")  # the write lock, held
        busy = do_lookup("sh-power", "0123456789")
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert busy.status_code == 503, busy.text
    assert busy.json()["code"] == "E_CENTRAL_UNAVAILABLE"
    assert int(busy.headers["Retry-After"]) >= 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("database busy: POST /v1/bills/lookup" in m for m in messages), messages
    assert not any("unexpected" in m for m in messages), messages
    assert do_lookup("sh-power", "0123456789").status_code == 200
