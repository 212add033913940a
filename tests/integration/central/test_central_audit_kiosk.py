"""Technician events from a kiosk's store, through its outbox forwarder, into central's
audit trail (SQLite and PostgreSQL): recorded as the kiosk the credential is bound to,
once however often sent, beside the payments of the same batch."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import requests

from kiosk.devtools.loopback import LOOPBACK_CENTRAL_TIMEOUT_S
from kiosk.services.technician import PinGate, hash_pin
from kiosk.services.technician_events import TechnicianEvents
from kiosk.store.db import open_store
from kiosk.sync.client import CentralClient
from kiosk.sync.forwarder import DrainReport, OutboxForwarder
from tests.patience import PATIENCE_S

KIOSK = "SH-CN-0001"
TIMEOUT = PATIENCE_S


def trail(http: requests.Session, url: str, **params: Any) -> list[dict[str, Any]]:
    answer = http.get(f"{url}/v1/admin/audit/events", params=params, timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["events"]
    return found


def event_record(kiosk_id: str = KIOSK, **fields: Any) -> dict[str, Any]:
    event_id = uuid.uuid4()
    payload = {"event_id": str(event_id), "kiosk_id": kiosk_id,
               "action": "technician.test_print", "outcome": "ok", "target": "TEST-0001",
               "occurred_at": "2026-01-15T10:29:00+08:00", "details": {"print": "printed"}
               } | fields
    return {"idempotency_key": event_id.hex, "kind": "technician_event",
            "created_at": "2026-01-15T10:29:00+08:00", "payload": payload}


def deliver(http: requests.Session, url: str, *records: dict[str, Any]) -> list[dict[str, Any]]:
    answer = http.post(f"{url}/v1/outbox", json={"kiosk_id": KIOSK, "records": list(records)},
                       timeout=TIMEOUT)
    assert answer.status_code == 200, answer.text
    results: list[dict[str, Any]] = answer.json()["results"]
    return results


def test_technician_events_travel_the_outbox_and_are_recorded_once(
        central_url: str, keys: Any, clock: Any, tmp_path: Path,
        http: requests.Session) -> None:
    """GIVEN a kiosk's real store and forwarder, enrolled as SH-CN-0001, and its PIN gate
    reporting to the outbox
    WHEN the technician's PIN is accepted and then 3 wrong PINs lock it, the forwarder
    drains, and the same records are sent again (as after a lost answer)
    THEN central holds pin_accepted (ok) and pin_locked_out (refused) once each, by kiosk
    SH-CN-0001 at central's clock with the kiosk's time in the details; the resend is
    answered duplicate; the chain verifies"""
    store = open_store(tmp_path / "kiosk.sqlite3")
    try:
        with CentralClient(central_url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S, kiosk_id=KIOSK,
                           clock=clock, token=keys.credential(KIOSK)) as client:
            forwarder = OutboxForwarder(store.outbox, client, clock, interval_s=30.0,
                                        batch_size=50, backoff_max_s=60.0)
            events = TechnicianEvents(KIOSK, store.technician_events, clock, forwarder)
            gate = PinGate(hash_pin("2468", iterations=1000), max_tries=3, events=events)
            assert gate.check("2468").ok
            for _ in range(3):
                gate.check("1111")
            pending = [record.message for record in store.outbox.pending(10)]
            assert forwarder.drain_once() == DrainReport(sent=2)
            again = client.deliver(pending)
    finally:
        store.close()
    assert [r.status for r in again] == ["duplicate", "duplicate"]
    found = trail(http, central_url, action="technician.*")
    assert [(e["action"], e["outcome"], e["actor_kind"], e["actor"], e["kiosk_id"])
            for e in found] == [
        ("technician.pin_locked_out", "refused", "kiosk", KIOSK, KIOSK),
        ("technician.pin_accepted", "ok", "kiosk", KIOSK, KIOSK)]
    assert {e["event_id"] for e in found} == {str(uuid.UUID(hex=m.idempotency_key))
                                              for m in pending}
    assert all(e["occurred_at"] == clock.now().isoformat() for e in found)
    assert found[0]["details"]["kiosk_time"] == clock.now().isoformat()
    assert found[0]["details"]["tries"] == "3"
    assert http.get(f"{central_url}/v1/admin/audit/verify", timeout=TIMEOUT).json()["ok"]


def test_a_forged_kiosk_id_in_an_event_is_ignored(central_url: str,
                                                  http: requests.Session) -> None:
    """GIVEN kiosk SH-CN-0001's credential
    WHEN it sends a technician event whose record says it comes from SH-CN-0099
    THEN the event is accepted and recorded as SH-CN-0001's (actor and kiosk), and no
    event of SH-CN-0099 exists"""
    [result] = deliver(http, central_url, event_record(kiosk_id="SH-CN-0099"))
    assert result["status"] == "accepted"
    [event] = trail(http, central_url, action="technician.test_print")
    assert (event["actor"], event["kiosk_id"]) == (KIOSK, KIOSK)
    assert trail(http, central_url, kiosk_id="SH-CN-0099") == []
    assert trail(http, central_url, actor="SH-CN-0099") == []


def test_an_event_id_another_kiosk_used_is_refused(central_url: str, keys: Any,
                                                   http: requests.Session) -> None:
    """GIVEN an event recorded from SH-CN-0001
    WHEN SH-CN-0002 sends a record with that same event id
    THEN it is rejected (E_REQUEST_REJECTED, event id in use) and the trail keeps the
    first kiosk's event alone"""
    record = event_record()
    assert deliver(http, central_url, record)[0]["status"] == "accepted"
    stolen = {**record, "payload": {**record["payload"], "kiosk_id": "SH-CN-0002"}}
    answer = requests.post(f"{central_url}/v1/outbox",
                           json={"kiosk_id": "SH-CN-0002", "records": [stolen]},
                           headers=keys.kiosk_headers("SH-CN-0002"), timeout=TIMEOUT)
    [result] = answer.json()["results"]
    assert (result["status"], result["reason"], result["detail"]["reason"]) == (
        "rejected", "E_REQUEST_REJECTED", "event id in use")
    assert [e["actor"] for e in trail(http, central_url)] == [KIOSK]


def test_events_and_payments_share_a_batch_answered_in_order(
        central_url: str, make_payment: Any, outbox_message: Any,
        http: requests.Session) -> None:
    """GIVEN a batch of an event, a payment, an event whose key is not its id and an
    event of an action the trail does not know
    WHEN it is delivered
    THEN the answers come in order: accepted, accepted (the payment recorded), rejected
    (the key), rejected (invalid, the field named); one event in the trail"""
    payment = make_payment()
    message = outbox_message(payment)
    paid = {"idempotency_key": message.idempotency_key, "kind": message.kind,
            "created_at": message.created_at.isoformat(), "payload": message.payload}
    wrong_key = event_record() | {"idempotency_key": uuid.uuid4().hex}
    unknown = event_record(action="technician.opened_the_safe")
    results = deliver(http, central_url, event_record(), paid, wrong_key, unknown)
    assert [r["status"] for r in results] == ["accepted", "accepted", "rejected", "rejected"]
    assert results[1]["central_ref"] and not results[1]["central_ref"].startswith("audit-")
    assert results[3]["detail"] == {"reason": "invalid", "fields": "action"}
    assert len(trail(http, central_url)) == 1
