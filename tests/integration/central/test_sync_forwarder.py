"""The outbox forwarder against a real central (and, for the whole-batch refusal, a small
in-memory client): nothing lost while central is down, each record held once, rejected
records not retried, wake() delivers promptly, the thread survives errors."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator

import pytest

from central.server import CentralServer
from kiosk.devtools.loopback import LOOPBACK_CENTRAL_TIMEOUT_S
from kiosk.domain.payments import OutboxMessage
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.client import CentralClient
from kiosk.sync.forwarder import DrainReport, OutboxForwarder
from kiosk.sync.wire import OutboxRecordResult
from tests.patience import PATIENCE_S

WATER_BILLS = ("sh-water-202511-01", "sh-water-202512-01")


class CountingClient(CentralClient):
    """The real client, counting deliver() calls and batch sizes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[int] = []

    def deliver(self, records: list[OutboxMessage]) -> list[OutboxRecordResult]:
        self.batches.append(len(records))
        return super().deliver(records)


def wait_until(condition: Callable[[], bool], timeout: float) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.01)
    return time.monotonic() - started


class LateCentral:
    """Central's address is fixed first (the port bound, not listening: connections are
    refused); start() then runs central on exactly that port."""

    def __init__(self, db_url: str, clock) -> None:
        self._reservation = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._reservation.bind(("127.0.0.1", 0))
        self.port = self._reservation.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = CentralServer(db_url, port=self.port, clock=clock)

    def start(self) -> str:
        self._reservation.close()
        return self._server.start()

    def close(self) -> None:
        self._reservation.close()
        self._server.stop()


@pytest.fixture
def late_central(central_db, clock) -> Iterator[LateCentral]:
    late = LateCentral(central_db, clock)
    yield late
    late.close()


@pytest.fixture
def stop_forwarders() -> Iterator[list[OutboxForwarder]]:
    started: list[OutboxForwarder] = []
    yield started
    for forwarder in started:
        assert forwarder.stop(timeout=PATIENCE_S), "forwarder thread did not stop"


def recorded_keys(http, url) -> list[str]:
    payments = http.get(f"{url}/v1/admin/payments", params={"limit": 1000},
                        timeout=PATIENCE_S).json()
    return [p["idempotency_key"] for p in payments["payments"]]


def queue_payments(store, make_payment, outbox_message, count: int) -> list[OutboxMessage]:
    messages = []
    for _ in range(count):
        message = outbox_message(make_payment(bill_ids=WATER_BILLS))
        store.add(message)
        messages.append(message)
    return messages


def forwarder_for(store, client, clock, **overrides) -> OutboxForwarder:
    settings = {"interval_s": 30.0, "batch_size": 50, "backoff_max_s": 60.0} | overrides
    return OutboxForwarder(store, client, clock, **settings)


def test_central_down_loses_nothing_then_delivers_each_exactly_once(
        late_central, outbox_store, make_payment, outbox_message, clock, http, keys):
    """GIVEN 5 payments queued while nothing listens at central's address
    WHEN the forwarder drains twice, then central starts and it drains again (twice)
    THEN the first drains fail with every record kept and its attempts counted, the next
    delivers all 5, the last sends nothing, and central holds each key exactly once."""
    messages = queue_payments(outbox_store, make_payment, outbox_message, 5)
    with CountingClient(late_central.url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S,
                        kiosk_id="SH-CN-0001", clock=clock, token=keys.credential()) as client:
        forwarder = forwarder_for(outbox_store, client, clock, batch_size=2)
        assert forwarder.drain_once() == DrainReport(failed=2)
        assert forwarder.drain_once() == DrainReport(failed=2)
        assert outbox_store.depth() == 5
        assert [outbox_store.entry(m.idempotency_key).attempts for m in messages] == [2, 2, 0, 0, 0]

        url = late_central.start()
        assert forwarder.drain_once() == DrainReport(sent=5)
        assert forwarder.drain_once() == DrainReport()
        assert client.batches[-3:] == [2, 2, 1]
    assert outbox_store.depth() == 0
    for message in messages:
        entry = outbox_store.entry(message.idempotency_key)
        assert entry.delivered and entry.central_ref and entry.message.payload == {}
    keys = recorded_keys(http, url)
    assert sorted(keys) == sorted(m.idempotency_key for m in messages)


def test_lost_ack_resend_is_acknowledged_as_duplicate(
        central_url, outbox_store, make_payment, outbox_message, clock, http, keys):
    """GIVEN 3 records central already holds (their acks were lost: still pending here)
    WHEN the forwarder drains
    THEN they are acknowledged as duplicates and central still holds 3 payments."""
    messages = queue_payments(outbox_store, make_payment, outbox_message, 3)
    with CentralClient(central_url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S,
                       kiosk_id="SH-CN-0001", clock=clock, token=keys.credential()) as client:
        client.deliver(messages)
        report = forwarder_for(outbox_store, client, clock).drain_once()
    assert report == DrainReport(duplicates=3)
    assert outbox_store.depth() == 0
    assert len(recorded_keys(http, central_url)) == 3


def test_rejected_record_is_parked_and_not_retried(
        central_url, outbox_store, make_payment, outbox_message, clock, keys):
    """GIVEN a record central will refuse (payload without amount) queued before a good one
    WHEN the forwarder drains, and drains again
    THEN the good one is sent, the bad one parked with central's code and the field it
    named (its payload dropped), and the second drain sends nothing at all."""
    bad_payment = make_payment()
    payload = bad_payment.outbox_payload(bad_payment.created_at)
    del payload["amount"]
    bad = outbox_message(bad_payment, payload)
    outbox_store.add(bad)
    queue_payments(outbox_store, make_payment, outbox_message, 1)
    with CountingClient(central_url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S, kiosk_id="SH-CN-0001",
                        clock=clock, token=keys.credential()) as client:
        forwarder = forwarder_for(outbox_store, client, clock)
        assert forwarder.drain_once() == DrainReport(sent=1, rejected=1)
        assert forwarder.drain_once() == DrainReport()
        assert client.batches == [2]
    entry = outbox_store.entry(bad.idempotency_key)
    assert entry.rejected_reason == "E_REQUEST_REJECTED" and not entry.delivered
    assert entry.rejected_detail == {"reason": "invalid", "fields": "amount"}
    assert entry.message.payload == {}  # parked without its content
    assert outbox_store.depth() == 0


def test_wake_delivers_promptly(central_url, outbox_store, make_payment, outbox_message,
                                clock, stop_forwarders, keys):
    """GIVEN a running forwarder with a 30 s interval that has found the outbox empty
    WHEN a payment is queued and wake() is called
    THEN it is delivered within a couple of seconds, long before the interval."""
    with CentralClient(central_url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S,
                       kiosk_id="SH-CN-0001", clock=clock, token=keys.credential()) as client:
        forwarder = forwarder_for(outbox_store, client, clock, interval_s=30.0)
        stop_forwarders.append(forwarder)
        forwarder.start()
        time.sleep(0.2)  # let the first (empty) round pass
        queue_payments(outbox_store, make_payment, outbox_message, 1)
        started = time.monotonic()
        forwarder.wake()
        assert time.monotonic() - started < 0.05  # wake() never blocks its caller
        wait_until(lambda: outbox_store.depth() == 0, timeout=PATIENCE_S)
        assert forwarder.stop(timeout=PATIENCE_S)


def test_thread_backs_off_while_down_and_delivers_once_central_is_up(
        late_central, outbox_store, make_payment, outbox_message, clock, stop_forwarders,
        caplog, keys):
    """GIVEN a running forwarder (interval 0.05 s, backoff up to 0.2 s) and 5 queued
    payments while central is down
    WHEN it has failed a few rounds, central starts and wake() is called
    THEN every record was kept with its attempts counted, the failures grew the backoff,
    all 5 are then delivered, and no log line carries an account number."""
    caplog.set_level(logging.INFO, logger="kiosk.sync")
    messages = queue_payments(outbox_store, make_payment, outbox_message, 5)
    with CentralClient(late_central.url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S,
                       kiosk_id="SH-CN-0001", clock=clock, token=keys.credential()) as client:
        forwarder = forwarder_for(outbox_store, client, clock, interval_s=0.05,
                                  backoff_max_s=0.2)
        stop_forwarders.append(forwarder)
        forwarder.start()
        wait_until(lambda: outbox_store.entry(messages[0].idempotency_key).attempts >= 3, 5.0)
        assert forwarder.consecutive_failures >= 3
        assert 0.1 <= forwarder.next_delay() <= 0.2
        assert outbox_store.depth() == 5

        late_central.start()
        forwarder.wake()
        wait_until(lambda: outbox_store.depth() == 0, timeout=PATIENCE_S)
        assert forwarder.stop(timeout=PATIENCE_S)
    assert forwarder.consecutive_failures == 0
    assert "3100012345" not in caplog.text


class ScriptedDelivery:
    """An in-memory stand-in for central where no real one can behave so: it refuses any
    batch holding ``poison`` as a whole, answers 500 to any batch holding one of
    ``failing`` (to every batch while ``down``), and can fail once with an unexpected
    error."""

    def __init__(self, poison: str = "", explode_first: bool = False,
                 failing: frozenset[str] = frozenset(), down: bool = False) -> None:
        self.poison = poison
        self.explode_first = explode_first
        self.failing = failing
        self.down = down
        self.batches: list[list[str]] = []

    def deliver(self, records: list[OutboxMessage]) -> list[OutboxRecordResult]:
        self.batches.append([r.idempotency_key for r in records])
        if self.explode_first:
            self.explode_first = False
            raise RuntimeError("payload 3100012345 broke something")
        if any(r.idempotency_key == self.poison for r in records):
            raise KioskError(ErrorCode.REQUEST_REJECTED, "invalid request")
        if self.down or any(r.idempotency_key in self.failing for r in records):
            failure = KioskError(ErrorCode.CENTRAL_UNAVAILABLE, "central answered HTTP 500")
            failure.detail.update(reason="http_error", status="500", central_code="E_INTERNAL")
            raise failure
        return [OutboxRecordResult(idempotency_key=r.idempotency_key, status="accepted",
                                   central_ref=f"C-{r.idempotency_key[:6]}") for r in records]


def test_whole_batch_refusal_isolates_the_bad_record(outbox_store, make_payment,
                                                     outbox_message, clock):
    """GIVEN 3 queued records, the middle one making central refuse any batch holding it
    WHEN the forwarder drains
    THEN it retries them one by one: 2 sent, the bad one rejected, none left pending."""
    messages = queue_payments(outbox_store, make_payment, outbox_message, 3)
    delivery = ScriptedDelivery(poison=messages[1].idempotency_key)
    report = forwarder_for(outbox_store, delivery, clock).drain_once()
    assert report == DrainReport(sent=2, rejected=1)
    assert [len(b) for b in delivery.batches] == [3, 1, 1, 1]
    assert outbox_store.entry(messages[1].idempotency_key).rejected_reason == "E_REQUEST_REJECTED"
    assert outbox_store.depth() == 0


def test_thread_survives_an_unexpected_error_and_logs_no_payload(
        outbox_store, make_payment, outbox_message, clock, stop_forwarders, caplog):
    """GIVEN a delivery that raises an unexpected error (quoting personal data) once
    WHEN the forwarder thread runs into it
    THEN it logs the error type without its text, backs off, and delivers on the next round."""
    caplog.set_level(logging.INFO, logger="kiosk.sync")
    queue_payments(outbox_store, make_payment, outbox_message, 2)
    delivery = ScriptedDelivery(explode_first=True)
    forwarder = forwarder_for(outbox_store, delivery, clock, interval_s=0.05, backoff_max_s=0.1)
    stop_forwarders.append(forwarder)
    forwarder.start()
    wait_until(lambda: outbox_store.depth() == 0, timeout=PATIENCE_S)
    assert forwarder.running
    assert "RuntimeError" in caplog.text
    assert "3100012345" not in caplog.text


def test_two_records_central_fails_on_hold_back_nothing_else(outbox_store, make_payment,
                                                            outbox_message, clock):
    """GIVEN ten queued records, the first two making central answer 500 to any batch
    holding them (a 5xx, not a refusal)
    WHEN the forwarder drains, and drains again
    THEN the first drain splits its way to them and stops (all it tried failed), the
    second delivers the eight others and tries each of the two alone; the two stay
    pending with their attempts counted, never parked."""
    messages = queue_payments(outbox_store, make_payment, outbox_message, 10)
    culprits = frozenset(m.idempotency_key for m in messages[:2])
    delivery = ScriptedDelivery(failing=culprits)
    forwarder = forwarder_for(outbox_store, delivery, clock)
    assert forwarder.drain_once() == DrainReport(failed=2)
    assert [len(b) for b in delivery.batches] == [10, 5, 2, 1, 1]
    assert forwarder.consecutive_failures == 0  # drain_once alone does not count rounds
    delivery.batches.clear()
    assert forwarder.drain_once() == DrainReport(sent=8, failed=2)
    assert [len(b) for b in delivery.batches] == [8, 1, 1]
    assert outbox_store.depth() == 2
    for key in culprits:
        entry = outbox_store.entry(key)
        assert entry.rejected_reason is None and entry.attempts == 2
    assert forwarder.suspects == culprits


def test_central_failing_everything_costs_a_few_requests_a_round_and_parks_nothing(
        outbox_store, make_payment, outbox_message, clock):
    """GIVEN 200 queued records and a central answering 500 to everything
    WHEN the forwarder drains three rounds
    THEN each round sends a dozen requests at most (halving down to one record, about
    log2(200) + 4) and stops; nothing is delivered or parked, all 200 are kept."""
    queue_payments(outbox_store, make_payment, outbox_message, 200)
    delivery = ScriptedDelivery(down=True)
    forwarder = forwarder_for(outbox_store, delivery, clock, batch_size=200)
    for _ in range(3):
        delivery.batches.clear()
        report = forwarder.drain_once()
        assert not report.progress and report.failed >= 1
        assert len(delivery.batches) <= 12, [len(b) for b in delivery.batches]
    assert outbox_store.depth() == 200


def test_a_refused_connection_is_not_split(late_central, outbox_store, make_payment,
                                            outbox_message, clock, keys):
    """GIVEN 8 queued records and nothing listening at central's address
    WHEN the forwarder drains
    THEN it sends one batch (a refused connection says nothing about records) and keeps
    them all, with no suspect."""
    queue_payments(outbox_store, make_payment, outbox_message, 8)
    with CountingClient(late_central.url, timeout_s=LOOPBACK_CENTRAL_TIMEOUT_S,
                        kiosk_id="SH-CN-0001", clock=clock, token=keys.credential()) as client:
        forwarder = forwarder_for(outbox_store, client, clock)
        assert forwarder.drain_once() == DrainReport(failed=8)
        assert client.batches == [8]
    assert forwarder.suspects == set()


def test_backoff_does_not_grow_while_central_takes_records(
        outbox_store, make_payment, outbox_message, clock, stop_forwarders):
    """GIVEN a running forwarder and a record central always fails on, then another
    record queued and woken
    WHEN rounds pass
    THEN the other record is delivered and the failures do not push the forwarder into
    backoff (central takes records)."""
    [stuck] = queue_payments(outbox_store, make_payment, outbox_message, 1)
    delivery = ScriptedDelivery(failing=frozenset({stuck.idempotency_key}))
    forwarder = forwarder_for(outbox_store, delivery, clock, interval_s=0.05,
                              backoff_max_s=5.0)
    stop_forwarders.append(forwarder)
    forwarder.start()
    wait_until(lambda: outbox_store.entry(stuck.idempotency_key).attempts >= 1, 5.0)
    [other] = queue_payments(outbox_store, make_payment, outbox_message, 1)
    forwarder.wake()
    wait_until(lambda: outbox_store.entry(other.idempotency_key).delivered, 5.0)
    wait_until(lambda: outbox_store.entry(stuck.idempotency_key).attempts >= 3, 5.0)
    assert forwarder.consecutive_failures <= 1
    assert outbox_store.entry(stuck.idempotency_key).rejected_reason is None
