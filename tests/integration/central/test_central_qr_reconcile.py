"""Reconciliation over HTTP against the providers' simulator (docs/payments-qr.md): the
day's statement downloaded and compared with central's orders; every difference kept
with its cause and listed by kiosk-admin payments --review; --reconcile DAY runs it."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
import requests

from central import admin
from hardware.sim.qrpay import Provider
from kiosk.domain.qr import QrProvider, QrRefundReason, QrState
from qr_helpers import SHANGHAI, ctx, eventually, kiosk_client, scan, show

pytestmark = pytest.mark.database  # locks, concurrency, rules the database enforces


@pytest.fixture
def kiosk(qr):
    return kiosk_client(qr.url, qr.keys.credential("SH-CN-0001"))


@pytest.fixture
def admin_env(qr, monkeypatch):
    monkeypatch.setenv("KIOSK_ADMIN_TOKEN", qr.keys.admin_token)


def today() -> date:
    return datetime.now(SHANGHAI).date()


def reconcile(qr, provider: QrProvider) -> list[dict]:
    answer = requests.post(f"{qr.url}/v1/admin/qr-reconciliations",
                           json={"day": today().isoformat(), "provider": provider.value},
                           headers=qr.keys.admin_headers(), timeout=10)
    assert answer.status_code == 200, answer.text
    [run] = answer.json()["runs"]
    return run["differences"]


def about(differences: list[dict], *order_ids: str) -> list[tuple[str, str]]:
    return sorted((d["order_id"], d["kind"]) for d in differences if d["order_id"] in order_ids)


@pytest.mark.parametrize("provider", list(QrProvider))
def test_a_day_that_matches_has_no_differences(qr, kiosk, provider):
    """GIVEN orders paid by code and shown, one refunded, one closed unpaid
    WHEN the provider's statement of the day is compared with central's orders
    THEN none of them is a difference."""
    paid = scan(provider, qr.sim.bank.codes.issue(Provider(provider.value)), "20.00")
    refunded = scan(provider, qr.sim.bank.codes.issue(Provider(provider.value)), "30.00")
    shown = show(provider, "40.00")
    closed = show(provider, "50.00")
    assert kiosk.create(ctx(), paid).state is QrState.PAID
    assert kiosk.create(ctx(), refunded).state is QrState.PAID
    assert kiosk.refund(ctx(), refunded.order_id,
                        QrRefundReason.NOT_DELIVERED).state is QrState.REFUNDED
    qr.sim.bank.pay_shown(kiosk.create(ctx(), shown).qr_content)
    eventually(lambda: kiosk.get(ctx(), shown.order_id).state is QrState.PAID)
    kiosk.create(ctx(), closed)
    kiosk.close(ctx(), closed.order_id)
    ours = (paid.order_id, refunded.order_id, shown.order_id, closed.order_id)
    assert about(reconcile(qr, provider), *ours) == []


def test_statement_drift_is_found_with_its_cause(qr, kiosk):
    """GIVEN a statement that misses the day's latest payment (this test's) and lists one
    central never made (statement_drift)
    WHEN reconciled
    THEN both are differences: missing_at_central (no order) and extra_at_central for
    this test's order, whatever other tests of the module paid that day before it."""
    order = scan(QrProvider.WECHAT, qr.sim.bank.codes.issue(Provider.WECHAT), "12.00")
    kiosk.create(ctx(), order)
    qr.sim.faults.set("statement_drift", True)
    differences = reconcile(qr, QrProvider.WECHAT)
    kinds = {(d["kind"], d["order_id"]) for d in differences}
    assert ("missing_at_central", None) in kinds and ("extra_at_central", order.order_id) in kinds
    unknown = next(d for d in differences if d["order_id"] is None)
    assert unknown["provider_amount"] == "8.88" and "no order" in unknown["cause"]


def test_a_lost_notification_nobody_asked_about_is_missing_at_central(qr, kiosk):
    """GIVEN a shown code paid while its notification was lost, and no poll since
    WHEN reconciled
    THEN the payment is missing_at_central, its cause naming the lost notification."""
    qr.sim.faults.set("notify_lost", True)
    request = show(QrProvider.ALIPAY, "33.00")
    qr.sim.bank.pay_shown(kiosk.create(ctx(), request).qr_content)
    [difference] = [d for d in reconcile(qr, QrProvider.ALIPAY)
                    if d["order_id"] == request.order_id]
    assert difference["kind"] == "missing_at_central"
    assert "notification was lost" in difference["cause"]


def test_a_late_payment_never_refunded_and_a_failed_refund_are_refund_missing(
        qr, kiosk, admin_env, capsys):
    """GIVEN a payment that came after the close with its notification lost (central
    holds the order closed), and a late payment whose refund got no answer (REFUND_DUE)
    WHEN `kiosk-admin payments --reconcile DAY` runs, then `--review`
    THEN both are refund_missing with their causes, and --review lists the REFUND_DUE
    order and the differences (as text and as JSON)."""
    qr.sim.faults.set("pay_after_close", 0.2)
    qr.sim.faults.set("notify_lost", True)
    never = show(QrProvider.WECHAT, "71.00")
    kiosk.create(ctx(), never)
    assert kiosk.close(ctx(), never.order_id).state is QrState.CLOSED
    eventually(lambda: qr.sim.bank.order(Provider.WECHAT, qr.order_row(
        never.order_id).out_trade_no).paid_at)
    qr.sim.faults.clear()
    qr.sim.faults.set("pay_after_close", 0.3)
    failed = show(QrProvider.WECHAT, "72.00")
    kiosk.create(ctx(), failed)
    assert kiosk.close(ctx(), failed.order_id).state is QrState.CLOSED
    qr.sim.faults.set("silent", True)
    eventually(lambda: qr.order_row(failed.order_id).state == "REFUND_DUE")
    qr.sim.faults.clear()

    day = today().isoformat()
    assert admin.main(["payments", "--reconcile", day, "--provider", "wechat",
                       "--central", qr.url]) == 0
    printed = capsys.readouterr().out
    assert f"{day} wechat:" in printed and "refund_missing" in printed
    assert admin.main(["payments", "--review", "--json", "--central", qr.url]) == 0
    review = json.loads(capsys.readouterr().out)
    missing = {d["order_id"]: d["cause"] for d in review["qr_differences"]
               if d["kind"] == "refund_missing"}
    assert "never refunded" in missing[never.order_id]
    assert "refund failed" in missing[failed.order_id]
    assert failed.order_id in {o["order_id"] for o in review["qr_orders"]
                               if o["state"] == "REFUND_DUE"}
    assert admin.main(["payments", "--review", "--central", qr.url]) == 0
    table = capsys.readouterr().out
    assert "QR orders to review" in table and failed.order_id in table
    assert "Reconciliation differences" in table and never.order_id in table


def test_a_statement_of_a_future_day_is_not_asked_for(qr):
    """GIVEN tomorrow
    WHEN an operator asks to reconcile it
    THEN central answers 503 E_QR_UNAVAILABLE and stores nothing."""
    answer = requests.post(f"{qr.url}/v1/admin/qr-reconciliations",
                           json={"day": date.fromordinal(today().toordinal() + 2).isoformat()},
                           headers=qr.keys.admin_headers(), timeout=10)
    assert (answer.status_code, answer.json()["code"]) == (503, "E_QR_UNAVAILABLE")


@pytest.mark.parametrize("provider", list(QrProvider))
def test_a_damaged_statement_changes_nothing_stored(qr, kiosk, admin_env, capsys, provider):
    """GIVEN a day reconciled with statement_drift (its differences stored), then the
    provider's statement file served damaged (statement_corrupt)
    WHEN the day is reconciled again
    THEN central answers 503 E_QR_UNAVAILABLE and the stored differences of that
    provider and day are still those of the first run: no partial reconciliation."""
    order = scan(provider, qr.sim.bank.codes.issue(Provider(provider.value)), "13.00")
    kiosk.create(ctx(), order)
    qr.sim.faults.set("statement_drift", True)
    first = reconcile(qr, provider)
    assert ("extra_at_central", order.order_id) in {(d["kind"], d["order_id"]) for d in first}
    qr.sim.faults.set("statement_corrupt", True)
    answer = requests.post(f"{qr.url}/v1/admin/qr-reconciliations",
                           json={"day": today().isoformat(), "provider": provider.value},
                           headers=qr.keys.admin_headers(), timeout=10)
    assert answer.status_code == 503, answer.text
    assert admin.main(["payments", "--review", "--json", "--central", qr.url]) == 0
    stored = [(d["out_trade_no"], d["kind"]) for d in json.loads(capsys.readouterr().out)[
        "qr_differences"] if d["provider"] == provider.value and d["day"] == today().isoformat()]
    assert sorted(stored) == sorted((d["out_trade_no"], d["kind"]) for d in first)
