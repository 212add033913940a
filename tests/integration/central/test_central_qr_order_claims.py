"""A kiosk's QR order id goes to its create or to its giving-up, never both, decided by
the database (central/payments/qr_claims.py) whatever central instance asks: two
replicas on one database, each with its own engine, racing one create against one
give-up of the same id, with no lock outside the database between them."""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from central.db import make_engine, make_session_factory, migrate
from central.models_qr import QrOrderClaimRow, QrOrderRow
from central.payments.qr_orders import QrOrderService
from central.records import fingerprint
from central.timeutil import ShanghaiClock
from kiosk.domain.qr import QrMode, QrProvider
from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire_qr import QrOrderCreate
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces

KIOSK = "SH-CN-0001"
ROUNDS = 24


def replica(url: str) -> QrOrderService:
    """One central process's QR order service (its own engine, pool and thread locks)."""
    return QrOrderService(make_engine(url), ShanghaiClock(), {}, lambda: "http://127.0.0.1")


def create_of(order_id: str) -> QrOrderCreate:
    return QrOrderCreate(order_id=order_id, provider=QrProvider.ALIPAY, mode=QrMode.SHOW,
                         amount=Decimal("128.96"), subject="上海城投水务 water")


def race_once(opener: QrOrderService, asker: QrOrderService, order_id: str
              ) -> tuple[str, str]:
    """The create's claim on one replica and the kiosk's question on the other, released
    at the same moment: what each of them answered."""
    body = create_of(order_id)
    barrier = threading.Barrier(2)
    answers: dict[str, str] = {}

    def open_it() -> None:
        barrier.wait(PATIENCE_S)
        try:
            row, _new = opener._open(KIOSK, body, fingerprint(body).digest)
            answers["create"] = f"opened {row.out_trade_no}"
        except KioskError as exc:
            answers["create"] = f"{exc.code.value} {exc.detail.get('reason')}"

    def ask_it() -> None:
        barrier.wait(PATIENCE_S)
        try:
            answers["question"] = f"found {asker._asked(KIOSK, order_id).out_trade_no}"
        except KioskError as exc:
            answers["question"] = exc.code.value

    threads = [threading.Thread(target=open_it), threading.Thread(target=ask_it)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE_S)
    return answers["create"], answers["question"]


@pytest.mark.parametrize("central_db", ["sqlite", "postgresql"], indirect=True)
def test_two_replicas_racing_a_create_and_a_give_up_agree_on_every_id(
        central_db: str) -> None:
    """GIVEN two central replicas on one database
    WHEN, for each of 24 order ids of kiosk SH-CN-0001, one replica opens the order while
    the other is asked about it (the kiosk's recovery), released at the same moment
    THEN each id went one way only: the order opened and the question found that very
    order, or the create refused order_given_up and the question answered
    E_QR_ORDER_UNKNOWN; the database holds one claim per id and an order exactly for
    the ids claimed opened."""
    migrate(make_engine(central_db))
    first, second = replica(central_db), replica(central_db)
    day = f"{datetime.now(ZoneInfo('Asia/Shanghai')):%y%m%d}"
    ids = [f"{KIOSK}-{day}-{n:06d}" for n in range(1, ROUNDS + 1)]
    outcomes: dict[str, str] = {}
    for n, order_id in enumerate(ids):
        # Each replica plays each part: the claim must hold whichever asks first.
        opener, asker = (first, second) if n % 2 == 0 else (second, first)
        create, question = race_once(opener, asker, order_id)
        if create.startswith("opened"):
            assert question == f"found {create.removeprefix('opened ')}", (order_id, create,
                                                                          question)
            outcomes[order_id] = "opened"
        else:
            assert (create, question) == (
                f"{ErrorCode.REQUEST_REJECTED.value} order_given_up",
                ErrorCode.QR_ORDER_UNKNOWN.value), order_id
            outcomes[order_id] = "given_up"
    sessions = make_session_factory(make_engine(central_db))
    with sessions() as session:
        claims = dict(session.execute(select(QrOrderClaimRow.order_id,
                                             QrOrderClaimRow.outcome)).tuples().all())
        opened = set(session.scalars(select(QrOrderRow.order_id)).all())
    assert claims == outcomes
    assert opened == {i for i, outcome in outcomes.items() if outcome == "opened"}
    first.shut_down()
    second.shut_down()
