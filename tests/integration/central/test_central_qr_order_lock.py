"""The lock that keeps a kiosk's create of a QR order and its giving the id up apart
(central/payments/qr_orders.py) holds across central replicas on one PostgreSQL
(docs/deployment.md), not only across the threads of one process."""

from __future__ import annotations

import threading

import pytest

from central.db import make_engine, migrate
from central.payments.qr_orders import QrOrderService
from central.timeutil import ShanghaiClock
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces


def replica(url: str) -> QrOrderService:
    """One central process's QR order service (its own engine, pool and thread locks)."""
    return QrOrderService(make_engine(url), ShanghaiClock(), {}, lambda: "http://127.0.0.1")


@pytest.mark.parametrize("central_db", ["postgresql"], indirect=True)
def test_a_replica_waits_for_another_replicas_order_in_flight(central_db: str) -> None:
    """GIVEN two central replicas on one PostgreSQL, one of them opening kiosk
    SH-CN-0001's order 17 (holding the order's lock while it calls the provider)
    WHEN the other is asked about the same order (the kiosk's recovery asking first)
    THEN it waits until the first has finished, so it either finds the order or gives
    the id up before any create can open it, never both; another order does not wait."""
    migrate(make_engine(central_db))
    first, second = replica(central_db), replica(central_db)
    order_id = "SH-CN-0001-261207-000017"
    entered = threading.Event()
    with first._order_lock("SH-CN-0001", order_id):
        def other_replica() -> None:
            with second._order_lock("SH-CN-0001", order_id):
                entered.set()

        waiting = threading.Thread(target=other_replica, daemon=True)
        waiting.start()
        assert not entered.wait(1.0), "the other replica went ahead during the create"
        with second._order_lock("SH-CN-0001", "SH-CN-0001-261207-000018"):
            pass  # another order of the same kiosk: no wait
    assert entered.wait(PATIENCE_S)
    waiting.join(PATIENCE_S)
    first.shut_down()
    second.shut_down()
