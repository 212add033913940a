"""CentralClient against a real central, a port where nothing listens, and tiny raw-socket
servers that misbehave (silent, dropping, 503, not JSON)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from kiosk.devtools.loopback import LOOPBACK_CENTRAL_TIMEOUT_S
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import CallContext
from kiosk.sync.client import CentralClient
from tests.patience import PATIENCE_S

WATER_BILLS = ("sh-water-202511-01", "sh-water-202512-01")


def client_for(url: str, clock, kiosk_id: str = "KIOSK-A",
               timeout_s: float = LOOPBACK_CENTRAL_TIMEOUT_S,
               token: str = "") -> CentralClient:
    return CentralClient(url, timeout_s=timeout_s, kiosk_id=kiosk_id, token=token, clock=clock)


def ctx(kiosk_id: str = "KIOSK-A") -> CallContext:
    return CallContext(kiosk_id=kiosk_id, session_id="S-42", lang="ja")


@pytest.fixture
def client(central_url, clock, keys) -> Iterator[CentralClient]:
    with client_for(central_url, clock, token=keys.credential("KIOSK-A")) as c:
        yield c


class RawHttpServer:
    """Accepts connections one at a time on 127.0.0.1, records each request's head and
    body, then does what ``behave`` says: send bytes, close at once, or stay silent."""

    def __init__(self, behave: Callable[[bytes], bytes | None], silent_s: float = 0.0) -> None:
        self.behave = behave
        self.silent_s = silent_s
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(2.0)
                request = self._read_request(conn)
                if request is None:
                    continue
                self.requests.append(request)
                answer = self.behave(request)
                if answer is None:
                    self._stop.wait(self.silent_s)  # say nothing until the client gives up
                elif answer:
                    conn.sendall(answer)

    @staticmethod
    def _read_request(conn: socket.socket) -> bytes | None:
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return None
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            while len(body) < length:
                body += conn.recv(65536)
        except OSError:
            return None
        return head + b"\r\n\r\n" + body

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawHttpServer]]:
    servers: list[RawHttpServer] = []

    def start(behave: Callable[[bytes], bytes | None], silent_s: float = 0.0) -> RawHttpServer:
        server = RawHttpServer(behave, silent_s)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def http_answer(status: str, body: bytes, content_type: str = "application/json") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


# --- against the real central ------------------------------------------------------------

def test_lookup_returns_a_domain_bill_account(client):
    """GIVEN the demo water account
    WHEN the kiosk's client looks it up
    THEN it returns a BillAccount with two bills totalling 128.96 and a lock token."""
    account = client.lookup(ctx(), "sh-water", "3100012345")
    assert account.holder_masked == "王*"
    assert [b.id for b in account.bills] == list(WATER_BILLS)
    assert account.total_due == Decimal("128.96")
    assert account.late_fees == Decimal("0.46")
    assert account.lock_token


@pytest.mark.parametrize(("biller", "account", "code"), [
    ("sh-water", "3100000000", ErrorCode.ACCOUNT_NOT_FOUND),
    ("sh-water", "3100099999", ErrorCode.NO_BILL_DUE),
    ("xx-none", "3100012345", ErrorCode.BILLER_UNKNOWN),
])
def test_lookup_maps_error_bodies_to_their_codes(client, biller, account, code):
    """GIVEN central answers an ErrorBody
    WHEN the client looks up
    THEN it raises KioskError with central's code."""
    with pytest.raises(KioskError) as failure:
        client.lookup(ctx(), biller, account)
    assert failure.value.code is code


def test_lookup_locked_by_another_kiosk_and_maintenance(client, central_url, clock, http, keys):
    """GIVEN kiosk A holds the water account and the gas biller is in maintenance
    WHEN kiosk B looks up the water account and anyone looks up gas
    THEN B gets E_BILL_LOCKED, and gas E_BILLER_MAINTENANCE (a 503 that is an answer)."""
    client.lookup(ctx("KIOSK-A"), "sh-water", "3100012345")
    with client_for(central_url, clock, kiosk_id="KIOSK-B",
                    token=keys.credential("KIOSK-B")) as other, pytest.raises(KioskError) as locked:
        other.lookup(ctx("KIOSK-B"), "sh-water", "3100012345")
    assert locked.value.code is ErrorCode.BILL_LOCKED
    http.post(f"{central_url}/v1/admin/billers/sh-gas/maintenance",
              json={"maintenance": True}, timeout=PATIENCE_S).raise_for_status()
    with pytest.raises(KioskError) as maintenance:
        client.lookup(ctx(), "sh-gas", "20123456")
    assert maintenance.value.code is ErrorCode.BILLER_MAINTENANCE


def test_record_payment_is_idempotent_through_the_client(client, make_payment):
    """GIVEN an authorized payment
    WHEN the client records it twice with its key, then a different one with the same key
    THEN the second ack is a duplicate with the same central_ref, the third is refused."""
    payment = make_payment(kiosk_id="KIOSK-A", bill_ids=WATER_BILLS)
    first = client.record_payment(payment.outbox_payload(payment.created_at),
                                  payment.idempotency_key)
    again = client.record_payment(payment.outbox_payload(payment.created_at),
                                  payment.idempotency_key)
    assert (first.duplicate, again.duplicate) == (False, True)
    assert first.central_ref == again.central_ref
    other = make_payment(kiosk_id="KIOSK-A", amount=Decimal("2.00"))
    with pytest.raises(KioskError) as refused:
        client.record_payment(other.outbox_payload(other.created_at), payment.idempotency_key)
    assert refused.value.code is ErrorCode.REQUEST_REJECTED


def test_deliver_answers_in_order_and_rejects_unsendable_records_locally(
        client, make_payment, outbox_message):
    """GIVEN three outbox records: a good one, one with an unknown kind, a good one
    WHEN the client delivers them
    THEN the results keep that order: accepted, rejected (locally), accepted."""
    good_1 = outbox_message(make_payment(kiosk_id="KIOSK-A", bill_ids=WATER_BILLS))
    odd = outbox_message(make_payment(kiosk_id="KIOSK-A"))
    odd = type(odd)(kind="tax_record", idempotency_key=odd.idempotency_key,
                    payload=odd.payload, created_at=odd.created_at)
    good_2 = outbox_message(make_payment(kiosk_id="KIOSK-A", biller_id="sh-power",
                                         account_no="0123456789",
                                         bill_ids=("sh-power-202512-03",)))
    results = client.deliver([good_1, odd, good_2])
    assert [(r.idempotency_key, r.status) for r in results] == [
        (good_1.idempotency_key, "accepted"), (odd.idempotency_key, "rejected"),
        (good_2.idempotency_key, "accepted")]
    assert results[1].reason == "E_REQUEST_REJECTED"


def test_health_is_true_against_central(client):
    """GIVEN a running central  WHEN health() is asked  THEN it is True."""
    assert client.health() is True


# --- when central is not there or misbehaves ----------------------------------------------

def test_nothing_listening_fails_fast_with_central_unavailable(refused_port, clock):
    """GIVEN a port where nothing listens
    WHEN the client looks up (a POST) and asks for health (a GET, retried)
    THEN the look-up raises E_CENTRAL_UNAVAILABLE at once (a connect retry with this
    backoff would take a second) and health is False within about a second: no
    minutes-long retries."""
    url = f"http://127.0.0.1:{refused_port}"
    with CentralClient(url, timeout_s=5.0, kiosk_id="KIOSK-A", clock=clock, backoff_s=0.5) as c:
        started = time.monotonic()
        with pytest.raises(KioskError) as failure:
            c.lookup(ctx(), "sh-water", "3100012345")
        assert time.monotonic() - started < 0.5
        assert failure.value.code is ErrorCode.CENTRAL_UNAVAILABLE
        assert failure.value.detail["reason"] == "connection"
        started = time.monotonic()
        assert c.health() is False
        assert time.monotonic() - started < 2.0


def test_slow_server_beyond_timeout_is_central_unavailable(raw_server, clock):
    """GIVEN a server that accepts the request and never answers
    WHEN the client (timeout 0.3 s) looks up
    THEN it raises E_CENTRAL_UNAVAILABLE (timeout) after about the timeout, and the POST
    was sent once."""
    server = raw_server(lambda request: None, silent_s=5.0)
    with client_for(server.url, clock, timeout_s=0.3) as c:
        started = time.monotonic()
        with pytest.raises(KioskError) as failure:
            c.lookup(ctx(), "sh-water", "3100012345")
        elapsed = time.monotonic() - started
    assert failure.value.code is ErrorCode.CENTRAL_UNAVAILABLE
    assert failure.value.detail["reason"] == "timeout"
    assert 0.25 < elapsed < 2.0
    assert len(server.requests) == 1


def test_posts_are_never_retried_but_gets_are(raw_server, clock, make_payment):
    """GIVEN a server that answers every request 503 without an ErrorBody
    WHEN the client records a payment (POST) and asks for health (GET)
    THEN the POST is sent exactly once and fails E_CENTRAL_UNAVAILABLE, while the GET is
    tried three times (two retries) before health() says False."""
    server = raw_server(lambda request: http_answer("503 Service Unavailable", b"busy",
                                                    "text/plain"))
    payment = make_payment()
    with client_for(server.url, clock) as c:
        with pytest.raises(KioskError) as failure:
            c.record_payment(payment.outbox_payload(payment.created_at), payment.idempotency_key)
        posts = len(server.requests)
        assert c.health() is False
    assert failure.value.code is ErrorCode.CENTRAL_UNAVAILABLE
    assert failure.value.detail["status"] == "503"
    assert posts == 1
    assert len(server.requests) - posts == 3


def test_dropped_connection_on_post_is_not_retried(raw_server, clock, make_payment,
                                                   outbox_message):
    """GIVEN a server that reads the request and closes the connection without a word
    WHEN the client delivers an outbox batch
    THEN it raises E_CENTRAL_UNAVAILABLE after one request (the outcome is unknown, so
    only the forwarder's own, idempotent retry may send it again)."""
    server = raw_server(lambda request: b"")
    with client_for(server.url, clock) as c, pytest.raises(KioskError) as failure:
        c.deliver([outbox_message(make_payment())])
    assert failure.value.code is ErrorCode.CENTRAL_UNAVAILABLE
    assert len(server.requests) == 1


@pytest.mark.parametrize(("answer", "reason"), [
    (http_answer("200 OK", b"<html>portal login</html>", "text/html"), "unparseable"),
    (http_answer("200 OK", b'{"status": "ok"}'), "unparseable"),
    (http_answer("404 Not Found", b"<html>nginx</html>", "text/html"), "http_error"),
    (http_answer("500 Internal Server Error",
                 b'{"code": "E_INTERNAL", "message": "", "detail": {}}'), "http_error"),
    (http_answer("409 Conflict", b'{"code": "E_FROM_THE_FUTURE", "message": "", "detail": {}}'),
     "http_error"),
])
def test_unreadable_answers_are_central_unavailable(raw_server, clock, answer, reason):
    """GIVEN a server that answers something that is not the expected wire model or a
    known ErrorBody (HTML, wrong JSON, E_INTERNAL, a code this kiosk does not know)
    WHEN the client looks up
    THEN it raises E_CENTRAL_UNAVAILABLE with the reason in the detail."""
    server = raw_server(lambda request: answer)
    with client_for(server.url, clock) as c, pytest.raises(KioskError) as failure:
        c.lookup(ctx(), "sh-water", "3100012345")
    assert failure.value.code is ErrorCode.CENTRAL_UNAVAILABLE
    assert failure.value.detail["reason"] == reason


def test_context_headers_are_sent(raw_server, clock, make_payment):
    """GIVEN a server that records what it receives
    WHEN the client (with a token) looks up and records a payment
    THEN the look-up carries kiosk, session, language, a +08:00 timestamp, a key and the
    token; the payment carries its own Idempotency-Key."""
    server = raw_server(lambda request: http_answer("503 Service Unavailable", b""))
    payment = make_payment()
    with client_for(server.url, clock, token="s3cret") as c:
        with pytest.raises(KioskError):
            c.lookup(ctx("KIOSK-A"), "sh-water", "3100012345")
        with pytest.raises(KioskError):
            c.record_payment(payment.outbox_payload(payment.created_at), payment.idempotency_key)
    lookup_head = server.requests[0].split(b"\r\n\r\n")[0].decode().lower()
    assert lookup_head.startswith("post /v1/bills/lookup")
    for expected in ("x-kiosk-id: kiosk-a", "x-session-id: s-42", "x-lang: ja",
                     "x-timestamp: 2026-01-15t10:30:00+08:00", "idempotency-key: ",
                     "authorization: bearer s3cret"):
        assert expected in lookup_head
    payment_head = server.requests[1].split(b"\r\n\r\n")[0].decode()
    assert f"Idempotency-Key: {payment.idempotency_key}" in payment_head
