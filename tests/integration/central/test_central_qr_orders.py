"""Central's QR orders over HTTP on 127.0.0.1, against the providers' simulator over real
HTTP (docs/payments-qr.md): each provider's code to show and payment by code, query,
close and refund, through the kiosk's own client (kiosk.sync.qr_client); every order
bound to its kiosk and reference, and idempotent by its id."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from hardware.sim.qrpay import Provider
from kiosk.domain.qr import QrFailure, QrMode, QrProvider, QrRefundReason, QrState
from kiosk.errors import ErrorCode, KioskError
from qr_helpers import ctx, eventually, kiosk_client, new_reference, scan, show
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

PROVIDERS = list(QrProvider)


@pytest.fixture
def kiosk(qr):
    return kiosk_client(qr.url, qr.keys.credential("SH-CN-0001"))


def person_code(qr, provider: QrProvider) -> str:
    """The payment code the person's app shows now."""
    return qr.sim.bank.codes.issue(Provider(provider.value))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_shown_code_paid_in_the_app_is_paid(qr, kiosk, provider):
    """GIVEN central with the providers' merchant keys
    WHEN the kiosk opens an order to show, and the person pays its code in the app
    THEN the kiosk gets a code to draw and when it stops working, and then PAID with the
    provider's transaction id and the payment time (the notification, or the query)."""
    request = show(provider)
    order = kiosk.create(ctx(), request)
    assert (order.state, order.mode, order.amount) == (QrState.WAITING, QrMode.SHOW,
                                                        Decimal("128.96"))
    assert order.qr_content and order.expires_at is not None and order.provider_txn_id is None
    qr.sim.bank.pay_shown(order.qr_content)
    paid = eventually(lambda: (o := kiosk.get(ctx(), request.order_id)).state
                      is QrState.PAID and o)
    assert paid.provider_txn_id and paid.paid_at is not None and paid.failure is None
    row = qr.order_row(request.order_id)
    assert qr.sim.bank.order(Provider(provider.value), row.out_trade_no).amount_fen == 12896


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_persons_code_pays_at_once(qr, kiosk, provider):
    """GIVEN the person's payment code read by the kiosk's scanner
    WHEN the kiosk opens an order to pay with it
    THEN the answer is PAID with the provider's transaction id, and the code is spent."""
    code = person_code(qr, provider)
    order = kiosk.create(ctx(), scan(provider, code, amount="63.00"))
    assert (order.state, order.amount) == (QrState.PAID, Decimal("63.00"))
    assert order.provider_txn_id and order.qr_content is None
    again = kiosk.create(ctx(), scan(provider, code, amount="63.00"))  # another order
    assert (again.state, again.failure) == (QrState.FAILED, QrFailure.CODE_INVALID)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_same_create_again_is_the_same_order(qr, kiosk, provider):
    """GIVEN an order opened by the kiosk
    WHEN the same create comes again (a lost answer resent)
    THEN it is the same order with the same code, and the provider has one order."""
    request = show(provider)
    first = kiosk.create(ctx(), request)
    second = kiosk.create(ctx(), request)
    assert second == first
    out_trade_no = qr.order_row(request.order_id).out_trade_no
    assert [o.order_id for o in qr.sim.bank.ledger.all()].count(out_trade_no) == 1


def test_another_body_under_an_order_id_is_refused(qr, kiosk):
    """GIVEN an order opened by the kiosk
    WHEN it sends another amount under the same order id
    THEN central refuses it (409 E_REQUEST_REJECTED, order_id_reused) and keeps the first."""
    request = show(QrProvider.ALIPAY)
    kiosk.create(ctx(), request)
    changed = show(QrProvider.ALIPAY, amount="1.00", order_id=request.order_id)
    with pytest.raises(KioskError) as refused:
        kiosk.create(ctx(), changed)
    assert refused.value.code is ErrorCode.REQUEST_REJECTED
    assert refused.value.detail["reason"] == "order_id_reused"
    assert kiosk.get(ctx(), request.order_id).amount == Decimal("128.96")


def test_an_order_is_bound_to_its_kiosk(qr, kiosk):
    """GIVEN an order of kiosk SH-CN-0001
    WHEN kiosk SH-CN-0002 asks for it, closes it or refunds it
    THEN central answers E_QR_ORDER_UNKNOWN, as for an order that does not exist, and the
    order is untouched."""
    request = show(QrProvider.WECHAT)
    kiosk.create(ctx(), request)
    other = kiosk_client(qr.url, qr.keys.credential("SH-CN-0002"), kiosk_id="SH-CN-0002")
    for call in (lambda: other.get(ctx("SH-CN-0002"), request.order_id),
                 lambda: other.close(ctx("SH-CN-0002"), request.order_id),
                 lambda: other.refund(ctx("SH-CN-0002"), request.order_id,
                                      QrRefundReason.NOT_DELIVERED)):
        with pytest.raises(KioskError) as refused:
            call()
        assert refused.value.code is ErrorCode.QR_ORDER_UNKNOWN
        assert refused.value.detail["status"] == "404"
    assert kiosk.get(ctx(), request.order_id).state is QrState.WAITING


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_create_arriving_after_the_kiosk_gave_the_id_up_opens_nothing(qr, kiosk, provider):
    """GIVEN a payment whose create the kiosk sent but whose answer never came, and the
    kiosk asking central about it first (central has no such order: the kiosk then
    counts the payment as not made)
    WHEN the delayed create reaches central afterwards, with the person's payment code,
    and again as a code to show
    THEN central answers the question E_QR_ORDER_UNKNOWN and refuses both creates (409
    order_given_up): no order reaches the provider and the person's code stays unspent,
    so nobody is charged for a payment no bill records."""
    code = person_code(qr, provider)
    request = scan(provider, code)
    before = len(qr.sim.bank.ledger.all())
    for ask in (kiosk.get, kiosk.close):
        with pytest.raises(KioskError) as unknown:
            ask(ctx(), request.order_id)
        assert unknown.value.code is ErrorCode.QR_ORDER_UNKNOWN
    for late in (request, show(provider, order_id=request.order_id)):
        with pytest.raises(KioskError) as refused:
            kiosk.create(ctx(), late)
        assert (refused.value.code, refused.value.detail["reason"]) == (
            ErrorCode.REQUEST_REJECTED, "order_given_up")
    assert len(qr.sim.bank.ledger.all()) == before
    assert kiosk.create(ctx(), scan(provider, code)).state is QrState.PAID  # still unspent


@pytest.mark.parametrize("order_id", ["SH-CN-0002-260115-000001", "ANY-ORDER-1",
                                      "SH-CN-0001-2601-1"])
def test_an_order_id_must_be_one_of_the_kiosks_references(qr, kiosk, order_id):
    """GIVEN kiosk SH-CN-0001
    WHEN it opens an order under another kiosk's reference or no reference at all
    THEN central refuses it (403 E_FORBIDDEN, reference_not_own) and asks no provider."""
    before = len(qr.sim.bank.ledger.all())
    with pytest.raises(KioskError) as refused:
        kiosk.create(ctx(), show(QrProvider.ALIPAY, order_id=order_id))
    assert (refused.value.code, refused.value.detail["reason"]) == (
        ErrorCode.FORBIDDEN, "reference_not_own")
    assert len(qr.sim.bank.ledger.all()) == before


def test_the_create_fields_are_bounded(qr):
    """GIVEN the create's schema
    WHEN a kiosk sends a subject over 64 characters, a code where none belongs, or an
    amount with three decimals
    THEN each is 422 E_REQUEST_REJECTED naming the field, never its value."""
    base = {"order_id": new_reference(), "provider": "alipay", "mode": "show",
            "amount": "1.00", "subject": "water"}
    for change, field in (({"subject": "x" * 65}, "body.subject"),
                          ({"auth_code": "281234567890123456"}, "body"),
                          ({"amount": "1.001"}, "body.amount")):
        answer = requests.post(f"{qr.url}/v1/qr-orders", json={**base, **change},
                               headers=qr.headers(), timeout=PATIENCE_S)
        assert answer.status_code == 422, change
        assert answer.json()["code"] == "E_REQUEST_REJECTED"
        assert field in answer.json()["detail"]
        assert "x" * 65 not in answer.text and "2812345678" not in answer.text


def test_without_a_credential_nothing_is_asked(qr):
    """GIVEN no kiosk credential
    WHEN a client opens or reads an order
    THEN central answers 401 E_UNAUTHORIZED."""
    body = {"order_id": new_reference(), "provider": "alipay", "mode": "show",
            "amount": "1.00", "subject": "water"}
    assert requests.post(f"{qr.url}/v1/qr-orders", json=body, timeout=PATIENCE_S).status_code == 401
    assert requests.get(f"{qr.url}/v1/qr-orders/{body['order_id']}",
                        timeout=PATIENCE_S).status_code == 401


@pytest.mark.parametrize("provider", PROVIDERS)
def test_closing_an_unpaid_order(qr, kiosk, provider):
    """GIVEN a shown code nobody paid
    WHEN the kiosk closes the order (the person cancelled)
    THEN it is CLOSED, asked again it stays CLOSED, and nothing was taken."""
    request = show(provider)
    kiosk.create(ctx(), request)
    assert kiosk.close(ctx(), request.order_id).state is QrState.CLOSED
    assert kiosk.close(ctx(), request.order_id).state is QrState.CLOSED
    assert kiosk.get(ctx(), request.order_id).state is QrState.CLOSED
    out_trade_no = qr.order_row(request.order_id).out_trade_no
    assert qr.sim.bank.order(Provider(provider.value), out_trade_no).paid_at is None


@pytest.mark.parametrize("provider", PROVIDERS)
def test_closing_an_order_the_person_paid_answers_paid(qr, kiosk, provider):
    """GIVEN a shown code the person has just paid (central not told yet: its answer
    comes with the close)
    WHEN the kiosk closes the order
    THEN the answer is PAID, to be kept like an approved card, and nothing is refunded."""
    qr.sim.faults.set("notify_lost", True)
    request = show(provider)
    order = kiosk.create(ctx(), request)
    qr.sim.bank.pay_shown(order.qr_content)
    closed = kiosk.close(ctx(), request.order_id)
    assert closed.state is QrState.PAID and closed.provider_txn_id
    assert qr.order_row(request.order_id).refund_no is None


@pytest.mark.parametrize("provider", PROVIDERS)
def test_refunding_a_paid_order(qr, kiosk, provider):
    """GIVEN an order paid by code
    WHEN the kiosk asks for a refund (it could not use the payment), twice
    THEN it is REFUNDED, once: the provider holds one refund of the whole amount."""
    request = scan(provider, person_code(qr, provider), amount="45.60")
    assert kiosk.create(ctx(), request).state is QrState.PAID
    refunded = kiosk.refund(ctx(), request.order_id, QrRefundReason.NOT_DELIVERED)
    assert refunded.state is QrState.REFUNDED
    again = kiosk.refund(ctx(), request.order_id, QrRefundReason.NOT_DELIVERED)
    assert again.state is QrState.REFUNDED
    row = qr.order_row(request.order_id)
    held = qr.sim.bank.order(Provider(provider.value), row.out_trade_no)
    assert [(r.refund_no, r.amount_fen) for r in held.refunds] == [(row.refund_no, 4560)]


def test_refunding_an_unpaid_order_is_refused(qr, kiosk):
    """GIVEN a shown code nobody paid
    WHEN the kiosk asks for a refund
    THEN central refuses it (409 E_REQUEST_REJECTED, not_paid)."""
    request = show(QrProvider.UNIONPAY)
    kiosk.create(ctx(), request)
    with pytest.raises(KioskError) as refused:
        kiosk.refund(ctx(), request.order_id, QrRefundReason.NOT_DELIVERED)
    assert (refused.value.code, refused.value.detail["reason"]) == (
        ErrorCode.REQUEST_REJECTED, "not_paid")


def test_the_kiosk_learns_which_providers_central_offers(qr, kiosk):
    """GIVEN central with all three providers set up
    WHEN the kiosk asks which it offers
    THEN it names all three."""
    assert kiosk.providers(ctx()) == frozenset(QrProvider)
