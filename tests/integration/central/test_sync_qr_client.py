"""The kiosk's QR orders client (kiosk/sync/qr_client.py) against a central without
payment providers and tiny raw-socket servers that misbehave: a POST is sent once and
an answer it lost is CENTRAL_UNAVAILABLE (settled by get()), a GET is retried, the
wire's answer becomes the domain's QrOrderInfo."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
import requests

from kiosk.domain.qr import QrFailure, QrMode, QrOrderRequest, QrProvider, QrState
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.client import CentralClient
from kiosk.sync.qr_client import QrOrdersClient
from qr_helpers import RealClock, ctx, new_reference, show
from test_sync_client import RawHttpServer, http_answer
from tests.patience import PATIENCE_S

ORDER = {"order_id": "SH-CN-0001-260115-000000001", "provider": "wechat", "mode": "scan",
         "state": "FAILED", "amount": "63.00", "failure": "insufficient_balance"}


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawHttpServer]]:
    servers: list[RawHttpServer] = []

    def start(behave: Callable[[bytes], bytes | None], silent_s: float = 0.0
              ) -> RawHttpServer:
        servers.append(RawHttpServer(behave, silent_s))
        return servers[-1]
    yield start
    for server in servers:
        server.close()


def client_at(url: str, timeout_s: float = 2.0, token: str = "secret") -> QrOrdersClient:
    return QrOrdersClient(CentralClient(url, timeout_s=timeout_s, kiosk_id="SH-CN-0001",
                                        token=token, clock=RealClock(), backoff_s=0.01))


def scan_request() -> QrOrderRequest:
    return QrOrderRequest(order_id=new_reference(), provider=QrProvider.WECHAT,
                          mode=QrMode.SCAN, amount=Decimal("63.00"), subject="gas",
                          auth_code="134567890123456789")


def test_a_post_whose_answer_is_lost_is_sent_once_and_unknown(raw_server):
    """GIVEN central dropping the connection once it has the request
    WHEN the kiosk pays by code, closes or refunds
    THEN each is sent exactly once and raises CENTRAL_UNAVAILABLE (settle by get())."""
    server = raw_server(lambda request: b"")
    client = client_at(server.url)
    for call in (lambda: client.create(ctx(), scan_request()),
                 lambda: client.close(ctx(), ORDER["order_id"])):
        before = len(server.requests)
        with pytest.raises(KioskError) as lost:
            call()
        assert lost.value.code is ErrorCode.CENTRAL_UNAVAILABLE
        assert len(server.requests) == before + 1


def test_a_silent_central_times_out_a_post_once(raw_server):
    """GIVEN central that never answers
    WHEN the kiosk opens an order
    THEN it gives up after its timeout with CENTRAL_UNAVAILABLE, having sent it once."""
    server = raw_server(lambda request: None, silent_s=2.0)
    with pytest.raises(KioskError) as lost:
        client_at(server.url, timeout_s=0.3).create(ctx(), scan_request())
    assert (lost.value.code, lost.value.detail["reason"]) == (ErrorCode.CENTRAL_UNAVAILABLE,
                                                              "timeout")
    assert len(server.requests) == 1


def test_a_get_is_retried_and_read_into_the_domains_order(raw_server):
    """GIVEN central answering 503 twice, then the order
    WHEN the kiosk asks for the order
    THEN the GET was sent three times, and the answer is the domain's QrOrderInfo, with
    the kiosk's headers and credential on every request."""
    count = {"n": 0}
    lock = threading.Lock()

    def behave(request: bytes) -> bytes:
        with lock:
            count["n"] += 1
            if count["n"] <= 2:
                return http_answer("503 Service Unavailable", b'{"code":"E_INTERNAL",'
                                   b'"message":"busy","detail":{}}')
        return http_answer("200 OK", json.dumps(ORDER).encode())

    server = raw_server(behave)
    order = client_at(server.url).get(ctx(), ORDER["order_id"])
    assert (order.state, order.failure, order.amount, order.final) == (
        QrState.FAILED, QrFailure.INSUFFICIENT_BALANCE, Decimal("63.00"), True)
    assert len(server.requests) == 3
    head = server.requests[-1].split(b"\r\n\r\n")[0].lower()
    assert b"authorization: bearer secret" in head and b"x-kiosk-id: sh-cn-0001" in head
    assert head.startswith(b"get /v1/qr-orders/sh-cn-0001-260115-000000001 ")


def test_a_post_carries_an_idempotency_key_and_no_payment_code_in_the_url(raw_server):
    """GIVEN central answering the order
    WHEN the kiosk pays by code
    THEN the code travels in the body only, with an Idempotency-Key header."""
    server = raw_server(lambda request: http_answer("200 OK", json.dumps(ORDER).encode()))
    client_at(server.url).create(ctx(), scan_request())
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    assert b"idempotency-key: " in head.lower() and b"134567890123456789" not in head
    assert json.loads(body)["auth_code"] == "134567890123456789"


def test_an_order_the_wire_refuses_is_not_sent(raw_server):
    """GIVEN a payment code that is no payment code
    WHEN the kiosk opens the order
    THEN it is refused here (E_REQUEST_REJECTED naming the field) and nothing is sent."""
    server = raw_server(lambda request: http_answer("200 OK", b"{}"))
    bad = QrOrderRequest(order_id=new_reference(), provider=QrProvider.ALIPAY,
                         mode=QrMode.SCAN, amount=Decimal("1.00"), subject="x",
                         auth_code="12ab")
    with pytest.raises(KioskError) as refused:
        client_at(server.url).create(ctx(), bad)
    assert refused.value.code is ErrorCode.REQUEST_REJECTED
    assert server.requests == []


def test_central_without_providers_offers_none_and_refuses_orders(central_url, keys):
    """GIVEN central started without --payments
    WHEN the kiosk asks which providers it offers, and opens an order
    THEN it offers none, and the order is 503 E_QR_UNAVAILABLE (the kiosk greys QR)."""
    client = client_at(central_url, token=keys.credential("SH-CN-0001"))
    assert client.providers(ctx()) == frozenset()
    with pytest.raises(KioskError) as refused:
        client.create(ctx(), show(QrProvider.ALIPAY))
    assert (refused.value.code, refused.value.detail["status"]) == (
        ErrorCode.QR_UNAVAILABLE, "503")
    with pytest.raises(KioskError) as unknown:
        client.get(ctx(), new_reference())
    assert unknown.value.code is ErrorCode.QR_ORDER_UNKNOWN
    notify = requests.post(f"{central_url}/v1/qrpay/notify/alipay", data=b"a=b", timeout=PATIENCE_S)
    assert (notify.status_code, notify.json()["code"]) == (503, "E_QR_UNAVAILABLE")
