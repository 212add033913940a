"""An admin action and its audit event commit together (central/audit_unit.py), against a
real central over HTTP on SQLite and PostgreSQL: when the event cannot be appended (the
database refuses it) or the commit fails after it, neither the change nor the event is
left; a done action has exactly one event; concurrent actions keep one chain."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from central.db import make_engine
from central.models_audit import AuditEventRow
from console_helpers import form_token, http_sign_in
from test_central_audit import TIMEOUT, events, execute, run_admin, switch_maintenance

pytestmark = pytest.mark.database  # what the database refuses, locks, concurrency


def scalar(db_url: str, statement: str) -> Any:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(statement)).scalar()
    finally:
        engine.dispose()


def in_maintenance(db_url: str, biller: str = "sh-water") -> bool:
    return bool(scalar(db_url, f"SELECT maintenance FROM billers WHERE id = '{biller}'"))


def event_count(db_url: str) -> int:
    return int(scalar(db_url, "SELECT count(*) FROM audit_events"))


def occupy_next_seq(db_url: str) -> None:
    """A row at the seq the next append takes, the head not moved: the database refuses
    that append (primary key), as it would any failed write of the audit table."""
    execute(db_url,
            "INSERT INTO audit_events (seq, event_id, occurred_at, actor_kind, actor, action,"
            " target, outcome, kiosk_id, details, prev_hash, hash)"
            " SELECT seq + 1, 'stray', '2026-01-15 02:30:00', 'system', 'test', 'test.stray',"
            " NULL, 'ok', NULL, '{}', hash, hash FROM audit_head")


def free_next_seq(db_url: str) -> None:
    execute(db_url, "DELETE FROM audit_events WHERE event_id = 'stray'")


def assert_chain_ok(url: str) -> None:
    status, printed = run_admin("audit", "verify", "--central", url)
    assert status == 0, printed


def test_an_api_action_whose_event_the_database_refuses_is_not_done(
        central_url: str, central_db: str, http: requests.Session) -> None:
    """GIVEN sh-water in maintenance (one event) and a row at the chain's next place
    WHEN the admin switches maintenance off over the API
    THEN 500 and sh-water is still in maintenance: the action went with its event;
    the row taken away, the same call is done with exactly one new event, ok, and the
    chain verifies"""
    switch_maintenance(http, central_url, True)
    occupy_next_seq(central_db)
    refused = http.post(f"{central_url}/v1/admin/billers/sh-water/maintenance",
                        json={"maintenance": False}, timeout=TIMEOUT)
    assert refused.status_code == 500, refused.text
    # uvicorn closes the connection after an error the app raised; a loaded machine let
    # the next request go out on it before its close was seen (connection reset).
    http.close()
    assert in_maintenance(central_db)
    free_next_seq(central_db)
    assert event_count(central_db) == 1
    switch_maintenance(http, central_url, False)
    assert not in_maintenance(central_db)
    found = events(http, central_url, action="biller.maintenance")
    assert [(e["outcome"], e["details"]["maintenance"]) for e in found] == [
        ("ok", "off"), ("ok", "on")]
    assert_chain_ok(central_url)


class FailingCommits:
    """Once ``armed``, every commit of a transaction that holds a new audit event fails,
    after the event was appended (a listener registered after central's own runs after
    it), as a commit the database refused would; ``failures`` counts them."""

    def __init__(self) -> None:
        self.armed = False
        self.failures = 0

    def refuse(self, session: Session) -> None:
        if self.armed and any(isinstance(row, AuditEventRow) for row in session.new):
            self.failures += 1
            raise RuntimeError("commit refused (test)")


@pytest.fixture
def failing_commits() -> Iterator[FailingCommits]:
    failing = FailingCommits()
    event.listen(Session, "before_commit", failing.refuse)
    try:
        yield failing
    finally:
        event.remove(Session, "before_commit", failing.refuse)


def test_a_console_action_whose_commit_fails_after_its_event_leaves_neither(
        central_url: str, central_db: str, keys: Any, failing_commits: FailingCommits) -> None:
    """GIVEN an admin signed in to the console, then commits that fail once they hold a
    new audit event
    WHEN the admin switches sh-water's maintenance on in the console
    THEN the commit failed (the event was in the action's transaction), sh-water is not
    in maintenance and the trail holds no new event"""
    console = http_sign_in(central_url, keys.admin_token)
    page = console.get(f"{central_url}/admin/billers", timeout=TIMEOUT)
    before = event_count(central_db)
    failing_commits.armed = True
    answer = console.post(f"{central_url}/admin/billers/sh-water/maintenance",
                          data={"csrf": form_token(page.text), "maintenance": "on"},
                          timeout=TIMEOUT, allow_redirects=False)
    assert answer.status_code == 500
    assert failing_commits.failures == 1
    assert not in_maintenance(central_db)
    assert event_count(central_db) == before


def test_a_console_action_is_one_event_in_its_transaction(
        central_url: str, central_db: str, keys: Any, http: requests.Session) -> None:
    """GIVEN an admin signed in to the console
    WHEN the admin switches sh-water's maintenance on in the console, then (with a row at
    the chain's next place) off
    THEN the first is done with exactly one event; the second is not done (still in
    maintenance) and leaves no event; the chain verifies once the row is taken away"""
    console = http_sign_in(central_url, keys.admin_token)

    def switch(state: str) -> int:
        page = console.get(f"{central_url}/admin/billers", timeout=TIMEOUT)
        answer = console.post(f"{central_url}/admin/billers/sh-water/maintenance",
                              data={"csrf": form_token(page.text), "maintenance": state},
                              timeout=TIMEOUT, allow_redirects=False)
        return int(answer.status_code)

    assert switch("on") == 303
    (done,) = events(http, central_url, action="biller.maintenance")
    assert (done["outcome"], done["target"], done["details"]["via"]) == (
        "ok", "sh-water on", "console")
    occupy_next_seq(central_db)
    assert switch("off") == 500
    assert in_maintenance(central_db)
    free_next_seq(central_db)
    assert len(events(http, central_url, action="biller.maintenance")) == 1
    assert_chain_ok(central_url)


def test_concurrent_admin_actions_each_commit_one_event_on_one_chain(
        central_url: str, new_session: Any) -> None:
    """GIVEN a central
    WHEN 6 threads each switch a biller's maintenance 4 times at once over the API
    THEN every call is done (200), the trail holds 24 biller.maintenance events, and the
    chain verifies"""
    billers = ("sh-water", "sh-power", "sh-gas")
    start = threading.Barrier(6)
    statuses: list[int] = []

    def work(worker: int) -> None:
        session = new_session()
        start.wait(timeout=TIMEOUT)
        for n in range(4):
            statuses.append(session.post(
                f"{central_url}/v1/admin/billers/{billers[worker % 3]}/maintenance",
                json={"maintenance": n % 2 == 0}, timeout=TIMEOUT).status_code)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 4)
    assert statuses == [200] * 24
    http = new_session()
    assert len(events(http, central_url, action="biller.maintenance", limit=100)) == 24
    assert_chain_ok(central_url)
