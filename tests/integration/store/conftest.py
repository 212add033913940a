"""Fixtures for the local store's tests: a real SQLite file per test, payment drafts,
and a plain sqlite3 connection to look at what is really on disk."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.domain.payments import CardResult, OutboxMessage, Payment, PaymentDraft
from kiosk.store import Store, open_store

SHANGHAI = ZoneInfo("Asia/Shanghai")
ACCOUNT_NO = "3100012345"  # looked for in logs and errors: it must never appear there

DraftFactory = Callable[..., PaymentDraft]
MessageFactory = Callable[[Payment, datetime], OutboxMessage]
RawQuery = Callable[..., list[tuple[object, ...]]]


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "kiosk" / "kiosk.db"


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    opened = open_store(store_path)
    yield opened
    opened.close()


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 22, 10, 15, 30, 123456, tzinfo=SHANGHAI)


@pytest.fixture
def make_draft() -> DraftFactory:
    base = PaymentDraft(
        kiosk_id="SH-CN-0001", session_id="5f0c3a9e", lang="ko", biller_id="sh-water",
        account_no=ACCOUNT_NO, bill_ids=("B-2026-10", "B-2026-11"), periods="2026-10, 2026-11",
        amount=Decimal("128.50"), late_fee=Decimal("0.50"), holder_masked="김*수",
        lock_token="lock-7f3e")

    def make(**changes: object) -> PaymentDraft:
        return replace(base, **changes)  # type: ignore[arg-type]

    return make


@pytest.fixture
def approved_card() -> CardResult:
    return CardResult(response_code="00", auth_code="123456", rrn="000012345678",
                      masked_pan="622202******1234", card_brand="UnionPay",
                      terminal_id="T0000001", merchant_id="M000000000001")


def _bill_payment_message(payment: Payment, now: datetime) -> OutboxMessage:
    return OutboxMessage(kind="bill_payment", idempotency_key=payment.idempotency_key,
                         payload=payment.outbox_payload(now), created_at=now)


@pytest.fixture
def message_for() -> MessageFactory:
    """Builds the outbox message the bill payment service writes with record()."""
    return _bill_payment_message


@pytest.fixture
def authorized(store: Store, make_draft: DraftFactory, approved_card: CardResult,
               now: datetime) -> Payment:
    """A payment the bank approved, not yet recorded."""
    created = store.payments.create(make_draft(), now)
    return store.payments.authorize(created.reference, approved_card, now)


@pytest.fixture
def raw(store_path: Path) -> Iterator[RawQuery]:
    """Query the file through a separate plain sqlite3 connection: sees only what was
    committed."""
    connections: list[sqlite3.Connection] = []

    def query(sql: str, *params: object) -> list[tuple[object, ...]]:
        if not connections:
            connections.append(sqlite3.connect(store_path, timeout=5))
        return connections[0].execute(sql, params).fetchall()

    yield query
    for connection in connections:
        connection.close()
