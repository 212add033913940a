"""The payment journal on a real SQLite file: life cycle, references, recovery, atomicity."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.domain.payments import (
    CardResult,
    OutboxMessage,
    Payment,
    PaymentDraft,
    PaymentState,
    PayMethod,
    QrResult,
)
from kiosk.errors import ErrorCode, KioskError
from kiosk.store import Store, StoreError, open_store
from kiosk.sync.wire import BillPaymentRecord

SHANGHAI = ZoneInfo("Asia/Shanghai")
ACCOUNT_NO = "3100012345"

DraftFactory = Callable[..., PaymentDraft]
MessageFactory = Callable[[Payment, datetime], OutboxMessage]
RawQuery = Callable[..., list[tuple[object, ...]]]


def test_whole_life_cycle_is_committed_step_by_step(
        store: Store, make_draft: DraftFactory, approved_card: CardResult,
        message_for: MessageFactory, now: datetime, raw: RawQuery) -> None:
    """GIVEN a payment draft
    WHEN the payment is created, authorized, recorded and receipted
    THEN each step returns the new state, a separate connection sees it committed, and
    record() leaves exactly one pending outbox record with the payment's key."""
    created = store.payments.create(make_draft(), now)
    assert created.state is PaymentState.CREATED and created.card is None
    assert len(created.idempotency_key) == 32 and int(created.idempotency_key, 16) >= 0
    assert raw("SELECT state FROM payments") == [("CREATED",)]

    later = now + timedelta(seconds=20)
    authorized = store.payments.authorize(created.reference, approved_card, later)
    assert authorized.state is PaymentState.AUTHORIZED and authorized.card == approved_card
    assert authorized.created_at == now and authorized.updated_at == later
    assert raw("SELECT state FROM payments") == [("AUTHORIZED",)]

    recorded = store.payments.record(created.reference, message_for(authorized, later), later)
    assert recorded.state is PaymentState.RECORDED
    assert raw("SELECT state FROM payments") == [("RECORDED",)]
    pending = store.outbox.pending(10)
    assert [p.message.idempotency_key for p in pending] == [created.idempotency_key]
    assert pending[0].message.payload["reference"] == created.reference

    receipted = store.payments.receipt(created.reference, later + timedelta(seconds=5))
    assert receipted.state is PaymentState.RECEIPTED
    assert store.payments.get(created.reference) == receipted
    assert store.payments.unfinished() == []


def test_decline_reverse_and_refund_due_keep_their_details(
        store: Store, make_draft: DraftFactory, now: datetime) -> None:
    """GIVEN three CREATED payments
    WHEN one is declined, one reversed and one marked refund-due
    THEN each ends in its final state with the card answer or error code kept."""
    declined_card = CardResult(response_code="51", masked_pan="622202******1234")
    first, second, third = (store.payments.create(make_draft(), now) for _ in range(3))
    declined = store.payments.decline(first.reference, declined_card, now)
    reversed_ = store.payments.reverse(second.reference, now, ErrorCode.TIMEOUT_REVERSAL.value)
    refund = store.payments.refund_due(third.reference, now, ErrorCode.TIMEOUT_REVERSAL.value)
    assert store.payments.get(first.reference) == declined
    assert declined.state is PaymentState.DECLINED and declined.card == declined_card
    assert store.payments.get(second.reference) == reversed_
    assert reversed_.state is PaymentState.REVERSED
    assert reversed_.error_code == "E_TIMEOUT_REVERSAL"
    assert store.payments.get(third.reference) == refund
    assert refund.state is PaymentState.REFUND_DUE
    assert store.payments.unfinished() == []


@pytest.mark.parametrize("step", ["receipt", "record", "decline", "authorize_twice"])
def test_illegal_transitions_raise_and_change_nothing(
        store: Store, make_draft: DraftFactory, approved_card: CardResult,
        message_for: MessageFactory, now: datetime, step: str) -> None:
    """GIVEN a payment in a state that does not allow the step
    WHEN the step is attempted
    THEN ValueError is raised, the stored payment is exactly as before and no outbox record
    exists."""
    payment = store.payments.create(make_draft(), now)
    later = now + timedelta(minutes=1)
    if step == "decline" or step == "authorize_twice":
        payment = store.payments.authorize(payment.reference, approved_card, now)
    with pytest.raises(ValueError, match="cannot go from"):
        if step == "receipt":
            store.payments.receipt(payment.reference, later)
        elif step == "record":
            with_card = replace(payment, card=approved_card)
            store.payments.record(payment.reference, message_for(with_card, later), later)
        elif step == "decline":
            store.payments.decline(payment.reference, CardResult(response_code="05"), later)
        else:
            store.payments.authorize(payment.reference, approved_card, later)
    assert store.payments.get(payment.reference) == payment
    assert store.outbox.depth() == 0


def test_unknown_reference_is_not_found(store: Store, now: datetime) -> None:
    """GIVEN an empty journal
    WHEN a payment that does not exist is receipted, or looked up
    THEN NOT_FOUND is raised, and get() answers None."""
    with pytest.raises(KioskError) as raised:
        store.payments.receipt("SH-CN-0001-261122-999999", now)
    assert raised.value.code is ErrorCode.NOT_FOUND
    assert store.payments.get("SH-CN-0001-261122-999999") is None


def test_references_are_sequential_per_kiosk_and_local_day(
        store: Store, make_draft: DraftFactory) -> None:
    """GIVEN payments created late on one Shanghai day, just after midnight, and at
    another kiosk
    WHEN references are assigned
    THEN they count up per kiosk per local (+08:00) day and start again at 000001."""
    late = datetime(2026, 11, 22, 23, 59, 0, tzinfo=SHANGHAI)  # 15:59 UTC, same UTC day
    after_midnight = datetime(2026, 11, 23, 0, 0, 30, tzinfo=SHANGHAI)
    refs = [store.payments.create(make_draft(), late).reference for _ in range(3)]
    refs.append(store.payments.create(make_draft(), after_midnight).reference)
    refs.append(store.payments.create(make_draft(kiosk_id="SH-CN-0002"), late).reference)
    refs.append(store.payments.create(make_draft(), late).reference)
    assert refs == [
        "SH-CN-0001-261122-000001", "SH-CN-0001-261122-000002", "SH-CN-0001-261122-000003",
        "SH-CN-0001-261123-000001", "SH-CN-0002-261122-000001", "SH-CN-0001-261122-000004",
    ]


def test_payment_survives_closing_and_reopening(
        store_path: Path, make_draft: DraftFactory, approved_card: CardResult,
        now: datetime) -> None:
    """GIVEN a CREATED and an AUTHORIZED payment, and the store closed (as at a crash)
    WHEN the store is opened again
    THEN unfinished() returns both, field for field, oldest first, and the next reference
    continues the day's sequence."""
    with open_store(store_path) as store:
        unanswered = store.payments.create(make_draft(amount=Decimal("9999999999.99")), now)
        approved = store.payments.authorize(
            store.payments.create(make_draft(bill_ids=("B-1",)), now + timedelta(seconds=1))
            .reference, approved_card, now + timedelta(seconds=2))
    with open_store(store_path) as reopened:
        assert reopened.payments.unfinished() == [unanswered, approved]
        assert reopened.payments.create(make_draft(), now).reference.endswith("-000003")


def test_unfinished_is_oldest_first_by_instant_across_offsets(
        store: Store, make_draft: DraftFactory) -> None:
    """GIVEN payments stamped in different UTC offsets, created out of time order
    WHEN unfinished() lists them
    THEN they come in order of the real instant, not of the text or of insertion."""
    utc = UTC
    second = store.payments.create(make_draft(), datetime(2026, 11, 22, 2, 30, tzinfo=utc))
    third = store.payments.create(make_draft(), datetime(2026, 11, 22, 11, 0, tzinfo=SHANGHAI))
    first = store.payments.create(make_draft(), datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI))
    assert [p.reference for p in store.payments.unfinished()] == [
        first.reference, second.reference, third.reference]


def test_amounts_that_would_not_round_trip_are_refused(
        store: Store, make_draft: DraftFactory, now: datetime) -> None:
    """GIVEN amounts with fractions of a fen, or too large for Numeric(12, 2)
    WHEN a payment would be created with them
    THEN ValueError is raised and nothing is written."""
    for amount in (Decimal("10.005"), Decimal("10000000000.00"), Decimal("NaN")):
        with pytest.raises(ValueError):
            store.payments.create(make_draft(amount=amount), now)
    assert store.payments.unfinished() == []


def test_record_writes_nothing_when_the_outbox_insert_fails(
        store: Store, authorized: Payment, message_for: MessageFactory, now: datetime,
        store_path: Path, raw: RawQuery, caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN an AUTHORIZED payment and an outbox row already holding its idempotency key
    WHEN the payment is recorded
    THEN StoreError is raised, the payment is still AUTHORIZED, no outbox row was added,
    and neither the error nor the logs show the account number."""
    planted = sqlite3.connect(store_path)
    with planted:
        planted.execute(
            "INSERT INTO outbox (idempotency_key, kind, payload, created_at, attempts) "
            "VALUES (?, 'bill_payment', '{}', ?, 0)", (authorized.idempotency_key, now.isoformat()))
    planted.close()
    caplog.set_level(logging.DEBUG)

    with pytest.raises(StoreError) as raised:
        store.payments.record(authorized.reference, message_for(authorized, now), now)

    assert raised.value.code is ErrorCode.INTERNAL
    assert "UNIQUE constraint failed: outbox.idempotency_key" in str(raised.value)
    assert store.payments.get(authorized.reference) == authorized
    assert raw("SELECT state FROM payments") == [("AUTHORIZED",)]
    assert raw("SELECT payload FROM outbox") == [("{}",)]
    assert ACCOUNT_NO not in str(raised.value) and ACCOUNT_NO not in str(raised.value.__cause__)
    assert ACCOUNT_NO not in caplog.text


def test_record_writes_nothing_when_the_payload_cannot_be_stored(
        store: Store, authorized: Payment, now: datetime, raw: RawQuery) -> None:
    """GIVEN an AUTHORIZED payment and an outbox message whose payload is not JSON
    WHEN the payment is recorded
    THEN StoreError is raised, the payment is still AUTHORIZED and the outbox is empty."""
    message = OutboxMessage(kind="bill_payment", idempotency_key=authorized.idempotency_key,
                            payload={"bill_ids": {"B-1"}}, created_at=now)
    with pytest.raises(StoreError):
        store.payments.record(authorized.reference, message, now)
    assert store.payments.get(authorized.reference) == authorized
    assert raw("SELECT count(*) FROM outbox") == [(0,)]


def test_record_refuses_a_bill_payment_with_another_key(
        store: Store, authorized: Payment, message_for: MessageFactory, now: datetime) -> None:
    """GIVEN an AUTHORIZED payment
    WHEN it is recorded with a bill_payment message carrying a different idempotency key
    THEN ValueError is raised and nothing is written (delivery could not find the payment)."""
    message = message_for(authorized, now)
    wrong = OutboxMessage(kind=message.kind, idempotency_key="0" * 32,
                          payload=message.payload, created_at=now)
    with pytest.raises(ValueError, match="idempotency key"):
        store.payments.record(authorized.reference, wrong, now)
    assert store.payments.get(authorized.reference) == authorized
    assert store.outbox.depth() == 0


# --- QR payments (docs/payments-qr.md#the-journal-same-states-as-a-card) -------------------


def test_a_qr_payment_keeps_its_method_and_the_providers_transaction_id(
        store: Store, make_draft: DraftFactory, message_for: MessageFactory,
        now: datetime) -> None:
    """GIVEN a payment drafted for WeChat Pay
    WHEN it is created, authorized with the provider's transaction id and recorded
    THEN the journal gives back its method and transaction id (no card), and the outbox
    record is one central's BillPaymentRecord accepts, naming the method and the id."""
    created = store.payments.create(make_draft(method=PayMethod.WECHAT), now)
    assert created.draft.method is PayMethod.WECHAT
    authorized = store.payments.authorize(
        created.reference, QrResult(provider_txn_id="4200002024112212345678"), now)
    assert authorized.card is None
    assert authorized.provider_txn_id == "4200002024112212345678"
    store.payments.record(created.reference, message_for(authorized, now), now)
    again = store.payments.get(created.reference)
    assert again is not None and again.draft.method is PayMethod.WECHAT
    assert again.provider_txn_id == "4200002024112212345678"
    (pending,) = store.outbox.pending(10)
    record = BillPaymentRecord.model_validate(pending.message.payload)
    assert (record.method, record.provider_txn_id) == ("wechat", "4200002024112212345678")
    assert record.masked_pan is None and record.auth_code is None


def test_a_refused_qr_payment_keeps_why(store: Store, make_draft: DraftFactory,
                                        now: datetime) -> None:
    """GIVEN an Alipay payment the provider refused for an insufficient balance
    WHEN it is declined with that failure
    THEN it is DECLINED with the failure kept and no card."""
    created = store.payments.create(make_draft(method=PayMethod.ALIPAY), now)
    declined = store.payments.decline(created.reference,
                                      QrResult(failure="insufficient_balance"), now)
    assert declined.state is PaymentState.DECLINED and declined.card is None
    assert store.payments.get(created.reference) == declined
    assert declined.failure == "insufficient_balance" and declined.provider_txn_id is None


def test_a_card_payment_is_still_a_card_and_its_record_names_no_method(
        store: Store, make_draft: DraftFactory, approved_card: CardResult,
        message_for: MessageFactory, now: datetime) -> None:
    """GIVEN a card payment (the draft's default method)
    WHEN it is authorized and its record is built
    THEN the method is card and the record has no method key, as before QR payments."""
    created = store.payments.create(make_draft(), now)
    authorized = store.payments.authorize(created.reference, approved_card, now)
    assert authorized.draft.method is PayMethod.CARD
    assert "method" not in message_for(authorized, now).payload
