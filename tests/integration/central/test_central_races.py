"""Check-then-insert rules under concurrency, on SQLite and PostgreSQL: two kiosks
submitting the same person's stay or case at the same moment must not both get through
(SQLite serializes writers; PostgreSQL's READ COMMITTED would not, by itself), and
central instances starting together on one empty database."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from central.server import CentralServer
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

TIMEOUT = PATIENCE_S
RACERS = 6


def race(url: str, path: str, payloads: list[dict[str, Any]],
         new_session: Callable[[], requests.Session]) -> list[requests.Response]:
    """Post each payload from its own thread, all released at the same moment. A first
    record of someone else goes before, so the numbering counter already exists (its
    first insert would serialize the racers by itself)."""
    warm_up = {**payloads[0], "reference": f"{payloads[0]['reference'][:-6]}999999",
               "verification_code": "WARMUP0000"}
    if "doc_number" in warm_up:
        warm_up["doc_number"] = "C01X00T99"
    else:
        warm_up["applicant"] = {**warm_up["applicant"], "doc_number": "C01X00T99"}
    first = new_session().post(f"{url}{path}", json=warm_up, timeout=TIMEOUT,
                          headers={"Idempotency-Key": uuid.uuid4().hex,
                                   "X-Kiosk-Id": warm_up["kiosk_id"]})
    assert first.status_code == 201, first.text
    barrier = threading.Barrier(len(payloads))

    def post(payload: dict[str, Any]) -> requests.Response:
        with new_session() as own:
            barrier.wait(timeout=PATIENCE_S)
            return own.post(f"{url}{path}", json=payload, timeout=TIMEOUT,
                            headers={"Idempotency-Key": uuid.uuid4().hex,
                                     "X-Kiosk-Id": payload["kiosk_id"]})

    with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
        return list(pool.map(post, payloads))


def outcome(answers: list[requests.Response]) -> list[tuple[int, str]]:
    return sorted((a.status_code, a.json().get("code", "")) for a in answers)


def test_one_person_registered_by_many_kiosks_at_once_is_registered_once(
        central_url: str, make_stay: Callable[..., dict[str, Any]],
        new_session: Callable[[], requests.Session]) -> None:
    """GIVEN six different registrations (own keys, references and codes) of one passport
    for the same nights
    WHEN six kiosks post them at the same moment
    THEN exactly one is created (201) and five are refused E_DUPLICATE_ACTIVE_REGISTRATION."""
    payloads = [make_stay(kiosk_id=f"SH-CN-{n:04d}") for n in range(1, RACERS + 1)]
    answers = race(central_url, "/v1/stay-registrations", payloads, new_session)
    assert outcome(answers) == (
        [(201, "")] + [(409, "E_DUPLICATE_ACTIVE_REGISTRATION")] * (RACERS - 1)), [
        a.text for a in answers]


def test_one_case_filed_by_many_kiosks_at_once_is_filed_once(
        central_url: str, make_application: Callable[..., dict[str, Any]],
        new_session: Callable[[], requests.Session]) -> None:
    """GIVEN six different applications of one applicant against one employer
    WHEN six kiosks post them at the same moment
    THEN exactly one is accepted (201) and five are refused E_DUPLICATE_PENDING_CASE."""
    payloads = [make_application(kiosk_id=f"SH-CN-{n:04d}") for n in range(1, RACERS + 1)]
    answers = race(central_url, "/v1/arbitration-applications", payloads, new_session)
    assert outcome(answers) == (
        [(201, "")] + [(409, "E_DUPLICATE_PENDING_CASE")] * (RACERS - 1)), [
        a.text for a in answers]


ROUTES = {"bill_payment": "/v1/bill-payments",
          "stay_registration": "/v1/stay-registrations",
          "arbitration_application": "/v1/arbitration-applications"}


@pytest.mark.parametrize("way", ["direct", "outbox"])
@pytest.mark.parametrize("kind", list(ROUTES))
def test_one_record_sent_many_times_at_once_under_its_key_is_recorded_once(
        central_url: str, make_payment: Callable[..., Any],
        make_stay: Callable[..., dict[str, Any]],
        make_application: Callable[..., dict[str, Any]],
        new_session: Callable[[], requests.Session], kind: str, way: str) -> None:
    """GIVEN one record of a kiosk (a payment, a registration, an application)
    WHEN it arrives six times at the same moment under its one key (a kiosk resending
    while central still works on the first), directly or in one-record outbox batches
    THEN one is accepted and five are duplicates with the same number: none is refused
    for clashing with itself (its own stay overlapping, its own pending case, its own
    verification code in use)."""
    if kind == "bill_payment":
        payment = make_payment(bill_ids=("sh-water-202511-01", "sh-water-202512-01"))
        payload: dict[str, Any] = payment.outbox_payload(payment.created_at)
    else:
        payload = make_stay() if kind == "stay_registration" else make_application()
    key = uuid.uuid4().hex
    barrier = threading.Barrier(RACERS)

    def send() -> tuple[str, str | None]:
        with new_session() as own:
            barrier.wait(timeout=PATIENCE_S)
            if way == "direct":
                answer = own.post(f"{central_url}{ROUTES[kind]}", json=payload,
                                  timeout=TIMEOUT, headers={"Idempotency-Key": key})
                body = answer.json()
                if answer.status_code >= 400:
                    return body["code"], None
                number = (body.get("central_ref") or body.get("registration_no")
                          or body.get("application_no"))
                return ("duplicate" if answer.status_code == 200 else "accepted"), number
            answer = own.post(f"{central_url}/v1/outbox", timeout=TIMEOUT, json={
                "kiosk_id": payload["kiosk_id"], "records": [{
                    "idempotency_key": key, "kind": kind, "payload": payload,
                    "created_at": "2026-01-15T10:29:00+08:00"}]})
            assert answer.status_code == 200, answer.text
            [result] = answer.json()["results"]
            return result["reason"] or result["status"], result["central_ref"]

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        answers = list(pool.map(lambda _: send(), range(RACERS)))
    assert sorted(status for status, _ in answers) == (
        ["accepted"] + ["duplicate"] * (RACERS - 1)), answers
    assert len({number for _, number in answers}) == 1, answers


def test_two_centrals_starting_together_migrate_and_seed_one_database_once(
        central_db: str, clock: Any, http: requests.Session) -> None:
    """GIVEN one empty database
    WHEN two central instances start on it at the same moment, both seeding the demo
    THEN both serve, and the demo water account has its two bills once, not twice."""
    if central_db.startswith("sqlite"):
        # Two centrals on one SQLite file is not a supported set-up (a fleet uses
        # PostgreSQL); SQLite's file lock can refuse the second migration outright.
        pytest.skip("two centrals share a database only on PostgreSQL")
    servers = [CentralServer(central_db, clock=clock) for _ in range(2)]
    barrier = threading.Barrier(len(servers))

    def start(server: CentralServer) -> str:
        barrier.wait(timeout=PATIENCE_S)
        return server.start()

    try:
        with ThreadPoolExecutor(max_workers=len(servers)) as pool:
            urls = list(pool.map(start, servers))
        for url in urls:
            answer = http.post(f"{url}/v1/bills/lookup", timeout=TIMEOUT,
                                   headers={"X-Kiosk-Id": "SH-CN-0001"},
                                   json={"biller_id": "sh-water", "account_no": "3100012345"})
            assert answer.status_code == 200, answer.text
            assert len(answer.json()["bills"]) == 2
    finally:
        for server in servers:
            server.stop()
