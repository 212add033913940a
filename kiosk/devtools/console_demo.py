"""A demo fleet for the admin console's screenshots and bench: kiosks on three sites
that beat over a day through central's real heartbeat route, in every state the fleet
page ranks (well, offline, out of service, a device fault, a stuck outbox with refused
records, a rolled-back update, low disk), plus payments to review. ``bulk_fleet`` puts
many kiosks straight into central's table instead, for the bench (the page reads the
table, however its rows came).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import insert

from central.db import make_engine, make_session_factory
from central.enrollment import EnrollmentService
from central.models import KioskRow
from central.models_qr import QrDifferenceRow, QrOrderRow
from central.timeutil import SHANGHAI, SettableClock

TIMEOUT_S = 30.0
HEALTHY = {"printer": {"state": "ok"}, "payment": {"state": "ok"}, "reader": {"state": "ok"}}
SITES = ("pudong-airport", "jingan-temple", "xujiahui")


# Central's clock for the demo: set by hand, so a day of heartbeats takes seconds.
DemoClock = SettableClock


def _state(kiosk_id: str, minutes_left: int) -> dict[str, Any] | None:
    """What ``kiosk_id`` reports ``minutes_left`` before now (None: it is silent)."""
    body: dict[str, Any] = {"app_version": "1.4.0", "config_version": "12",
                            "devices": HEALTHY, "outbox_depth": 0,
                            "disk_free_bytes": 11 * 2**30 + hash(kiosk_id) % 2**30}
    if kiosk_id == "SH-JA-0001" and minutes_left < 45:
        return None  # offline for the last 45 minutes
    if kiosk_id == "SH-JA-0001" and 600 < minutes_left < 720:
        return None  # and a two-hour gap in the night
    if kiosk_id == "SH-PD-0002" and minutes_left < 130:
        body["devices"] = {**HEALTHY, "printer": {"state": "fault", "reason": "paper_out"}}
        body["last_error"] = "printer: paper out"
    if kiosk_id == "SH-JA-0002" and minutes_left < 300:
        body["out_of_service"] = True
    if kiosk_id == "SH-XJ-0001" and minutes_left < 200:
        body["outbox_depth"], body["outbox_parked"] = 37, 2
        body["last_error"] = "outbox: central answered 503"
    if kiosk_id == "SH-XJ-0002":
        body["app_version"], body["update_state"] = "1.3.2", "rolled_back"
        body["last_error"] = "update 1.4.0: health check failed, rolled back"
    if kiosk_id == "SH-XJ-0003":
        body["disk_free_bytes"], body["low_disk"] = 310 * 2**20, True
    return body


DEMO_KIOSKS = ("SH-PD-0001", "SH-PD-0002", "SH-PD-0003", "SH-PD-0004", "SH-JA-0001",
               "SH-JA-0002", "SH-JA-0003", "SH-XJ-0001", "SH-XJ-0002", "SH-XJ-0003",
               "SH-XJ-0004")


@dataclass(frozen=True)
class DemoSite:
    token: str  # an admin token, label "ops-demo"
    kiosk_headers: dict[str, dict[str, str]]  # each demo kiosk's own credential


def demo_fleet(url: str, db_url: str, clock: DemoClock, now: datetime,
               every: timedelta = timedelta(minutes=5),
               each_step: Callable[[], object] | None = None) -> DemoSite:
    """Beat the demo kiosks over the day before ``now`` (moving ``clock``), record their
    payments to review. ``each_step`` runs after each round of beats (central's
    scheduler round: heartbeat history, alerts)."""
    engine = make_engine(db_url)
    try:
        enrollment = EnrollmentService(engine, clock)
        sites = {"PD": SITES[0], "JA": SITES[1], "XJ": SITES[2]}
        headers = {k: {"Authorization": "Bearer " + enrollment.issue_credential(
            k, sites[k.split("-")[1]]), "X-Kiosk-Id": k} for k in DEMO_KIOSKS}
        token = enrollment.create_admin_token("ops-demo")
        with requests.Session() as http:
            moment = now - timedelta(days=1) + every
            while moment <= now:
                clock.set(moment)
                left = int((now - moment).total_seconds() // 60)
                for kiosk_id in DEMO_KIOSKS:
                    body = _state(kiosk_id, left)
                    if body is not None:
                        http.post(f"{url}/v1/heartbeats", json=body, headers=headers[kiosk_id],
                                  timeout=TIMEOUT_S).raise_for_status()
                if each_step is not None:
                    each_step()
                moment += every
            clock.set(now)
            _refused_records(http, url, headers["SH-XJ-0001"], now)
            _payments_to_review(http, url, headers["SH-PD-0001"], now)
        _qr_items(engine, now)
        return DemoSite(token, headers)
    finally:
        engine.dispose()


def _payment(kiosk_id: str, account_no: str, amount: str, now: datetime) -> dict[str, Any]:
    """A card payment as a kiosk records it (kiosk.sync.wire.BillPaymentRecord)."""
    return {"reference": f"{kiosk_id}-{now:%y%m%d}-{uuid.uuid4().int % 10**6:06d}",
            "kiosk_id": kiosk_id, "session_id": "S-demo", "lang": "en",
            "biller_id": "sh-water", "account_no": account_no, "bill_ids": ["x"],
            "amount": amount, "currency": "CNY", "paid_at": now.isoformat(),
            "response_code": "00", "auth_code": "A12345",
            "rrn": f"{uuid.uuid4().int % 10**12:012d}", "masked_pan": "622588******1234",
            "card_brand": "UnionPay", "terminal_id": "T0000001",
            "merchant_id": "M000000000001", "verification_code": uuid.uuid4().hex[:10].upper()}


def _payments_to_review(http: requests.Session, url: str, headers: dict[str, str],
                        now: datetime) -> None:
    for account, amount in (("3100099999", "88.20"), ("3100088888", "212.00")):
        body = _payment(headers["X-Kiosk-Id"], account, amount, now)
        http.post(f"{url}/v1/bill-payments", json=body, timeout=TIMEOUT_S,
                  headers={**headers, "Idempotency-Key": uuid.uuid4().hex}).raise_for_status()


def _refused_records(http: requests.Session, url: str, headers: dict[str, str],
                     now: datetime) -> None:
    broken = _payment(headers["X-Kiosk-Id"], "3100012345", "10.00", now)
    del broken["amount"]
    records: list[dict[str, Any]] = [{"idempotency_key": uuid.uuid4().hex, "kind": "bill_payment",
                "created_at": now.isoformat(), "payload": broken} for _ in range(2)]
    http.post(f"{url}/v1/outbox", json={"kiosk_id": headers["X-Kiosk-Id"], "records": records},
              headers=headers, timeout=TIMEOUT_S).raise_for_status()


def _qr_items(engine: Any, now: datetime) -> None:
    """A QR refund that failed and a reconciliation difference, as central's QR code
    leaves them (the providers' simulator is not part of this demo)."""
    with make_session_factory(engine).begin() as session:
        session.add(QrOrderRow(kiosk_id="SH-PD-0003", order_id=f"SH-PD-0003-{now:%y%m%d}-000041",
                               out_trade_no="K260115000041AL", provider="alipay", mode="show",
                               amount_fen=15600, subject="sh-gas", request_hash="0" * 64,
                               state="REFUND_DUE", refund_no="R260115000041",
                               refund_reason="closed_then_paid", refund_error="SYSTEM_ERROR",
                               created_at=now - timedelta(hours=3),
                               updated_at=now - timedelta(hours=2)))
        session.add(QrDifferenceRow(provider="wechat", day=(now - timedelta(days=1)).date(),
                                    out_trade_no="K260114000017WX", kind="missing_at_central",
                                    cause="paid at the provider, no order at central",
                                    kiosk_id=None, order_id=None, central_fen=None,
                                    provider_fen=4500, found_at=now - timedelta(hours=1)))


def bulk_fleet(db_url: str, count: int, now: datetime) -> None:
    """``count`` kiosks straight into central's kiosks table: one in 50 offline, one in
    40 with a device fault, the rest well."""
    engine = make_engine(db_url)
    rows = []
    for n in range(count):
        faulty = n % 40 == 1
        rows.append({
            "kiosk_id": f"SH-B-{n:05d}", "group_name": SITES[n % 3],
            "first_seen_at": now - timedelta(days=30),
            "last_heartbeat_at": now - (timedelta(hours=2) if n % 50 == 0
                                        else timedelta(seconds=n % 60)),
            "kiosk_time": now, "app_version": "1.4.0", "config_version": "12",
            "devices": {**HEALTHY, "printer": {"state": "fault", "reason": "paper_out"}}
            if faulty else HEALTHY,
            "outbox_depth": n % 3, "outbox_parked": 0,
            "last_error": "printer: paper out" if faulty else None,
            "disk_free_bytes": 9 * 2**30, "out_of_service": False, "low_disk": False,
            "device_fault": faulty})
    try:
        with make_session_factory(engine).begin() as session:
            session.execute(insert(KioskRow), rows)
    finally:
        engine.dispose()


def demo_now() -> datetime:
    return datetime.now(SHANGHAI).replace(second=0, microsecond=0)
