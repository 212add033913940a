"""Each fault switch of the QR payment simulator does what it says, set and cleared on
its real control line, seen by a merchant over real HTTP."""

from __future__ import annotations

import json
import time
import urllib.parse
from pathlib import Path

import pytest

from hardware.sim.qrpay import QrPaySimulator
from qrpay_helpers import (
    NOTIFY_BACKOFF_S,
    NotifySink,
    person,
    person_code,
    settled_deliveries,
)
from qrpay_merchant import BadAnswerSignature, Merchant, dropped, merchant_from
from test_qrpay_alipay import statement
from test_qrpay_wechat import codepay, native, query
from tests.patience import PATIENCE_S

pytestmark = pytest.mark.timeout(30)

PRECREATE = "alipay.trade.precreate"


def fault(control: str, name: str, value: object = True) -> None:
    answer = person(control, "set", fault=name, value=value)  # type: ignore[arg-type]
    assert answer["ok"], answer


def precreate(merchant: Merchant, order_id: str, notify_url: str = "",
              amount: str = "12.34") -> str:
    answer = merchant.alipay.call(PRECREATE, {"out_trade_no": order_id, "total_amount": amount,
                                              "subject": "water"}, notify_url=notify_url)
    return str(answer["qr_code"])


def test_silent_reads_and_never_answers_until_cleared(merchant: Merchant, control: str,
                                                      simulator: QrPaySimulator) -> None:
    """GIVEN silent switched on
    WHEN the merchant asks for a code with a 0.3 s timeout, then silent is cleared and
    it asks again
    THEN the first times out and made no order; the second is answered."""
    fault(control, "silent")
    with pytest.raises(TimeoutError):
        merchant.alipay.call(PRECREATE, {"out_trade_no": "F-1", "total_amount": "1.00",
                                         "subject": "x"}, timeout_s=0.3)
    assert simulator.bank.ledger.all() == []
    assert person(control, "clear", fault="silent")["active"] == {}
    assert precreate(merchant, "F-1")


def test_slow_answers_after_the_seconds_set(merchant: Merchant, control: str) -> None:
    """GIVEN slow set to 0.4 seconds
    WHEN the merchant queries an unknown order
    THEN the answer comes, and not before 0.4 s."""
    fault(control, "slow", 0.4)
    started = time.monotonic()
    answer = merchant.wechat.request(
        "GET", f"/v3/pay/transactions/out-trade-no/F-2?mchid={merchant.wechat.mchid}")
    assert answer.status == 404 and time.monotonic() - started >= 0.4


def test_lost_takes_effect_and_drops_the_answer(merchant: Merchant, control: str) -> None:
    """GIVEN lost set for one request
    WHEN the merchant creates a native order, then queries it
    THEN the create's connection is closed with no answer, yet the order exists (the
    query, answered again, says NOTPAY), and the fault has switched itself off."""
    fault(control, "lost", 1)
    with pytest.raises(OSError) as caught:
        native(merchant, "F-3", 100, "http://127.0.0.1:9/")
    assert dropped(caught.value), caught.value
    assert query(merchant, "F-3")["trade_state"] == "NOTPAY"
    assert person(control, "faults")["active"] == {}


def test_notifications_are_retried_with_back_off_until_acknowledged(
        merchant: Merchant, control: str, sink: NotifySink) -> None:
    """GIVEN a merchant whose notify URL answers 500 twice
    WHEN the person pays a shown code
    THEN the notification comes three times, the last acknowledged, with growing gaps,
    and the notifications command lists 3 attempts, acknowledged."""
    sink.refuse_first = 2
    person(control, "pay", code=precreate(merchant, "F-4", sink.url("alipay")))
    first, second, third = sink.wait_for(3)
    assert first.body == second.body == third.body
    assert second.at - first.at >= 0.9 * NOTIFY_BACKOFF_S
    assert third.at - second.at >= 0.9 * 2 * NOTIFY_BACKOFF_S
    (delivery,) = settled_deliveries(control)
    assert (delivery["attempts"], delivery["acknowledged"]) == (3, True)
    assert delivery["answers"][:2] == ["500 busy", "500 busy"]
    assert sink.quiet_for(0.3) == [first, second, third]


def test_a_merchant_that_never_acknowledges_is_given_up_on(
        merchant: Merchant, control: str, sink: NotifySink) -> None:
    """GIVEN a notify URL that always answers 500
    WHEN the person pays
    THEN the simulator tries as many times as it is set to (4 here), then stops."""
    sink.refuse_first = 100
    person(control, "pay", code=precreate(merchant, "F-5", sink.url("alipay")))
    assert len(sink.wait_for(4)) == 4
    (delivery,) = settled_deliveries(control)
    assert len(sink.quiet_for(0.5)) == 4
    assert (delivery["attempts"], delivery["acknowledged"]) == (4, False)


def test_notify_lost_sends_nothing_but_the_order_is_paid(
        merchant: Merchant, control: str, sink: NotifySink) -> None:
    """GIVEN notify_lost
    WHEN the person pays a shown code
    THEN no notification arrives, the notifications command says lost, and the query
    says TRADE_SUCCESS."""
    fault(control, "notify_lost")
    code = precreate(merchant, "F-6", sink.url("alipay"))
    person(control, "pay", code=code)
    assert sink.quiet_for(0.4) == []
    (delivery,) = settled_deliveries(control)
    assert delivery["lost"] is True and delivery["attempts"] == 0
    assert merchant.alipay.call("alipay.trade.query", {"out_trade_no": "F-6"})[
        "trade_status"] == "TRADE_SUCCESS"


def test_notify_duplicate_delivers_the_same_notification_twice(
        merchant: Merchant, control: str, sink: NotifySink) -> None:
    """GIVEN notify_duplicate
    WHEN the person pays a shown code
    THEN the same notification (same notify_id, same signature) comes twice, no more."""
    fault(control, "notify_duplicate")
    person(control, "pay", code=precreate(merchant, "F-7", sink.url("alipay")))
    first, second = sink.wait_for(2)
    assert first.body == second.body
    assert len(sink.quiet_for(0.3)) == 2


def test_notify_conflict_follows_with_a_validly_signed_other_amount(
        merchant: Merchant, control: str, sink: NotifySink) -> None:
    """GIVEN notify_conflict
    WHEN the person pays a WeChat native order of 1234 fen
    THEN two notifications come, both signed by WeChat Pay, the first for 1234 fen and
    the second for 1334."""
    fault(control, "notify_conflict")
    code_url = native(merchant, "F-8", 1234, sink.url("wechat")).json()["code_url"]
    person(control, "pay", code=code_url)
    totals = []
    for note in sink.wait_for(2):
        assert merchant.wechat.signed_by_wechat(note.headers, note.body.decode())
        resource = merchant.wechat.decrypt(json.loads(note.body)["resource"])
        totals.append(resource["amount"]["total"])
    assert totals == [1234, 1334]


def test_bad_signature_signs_answers_and_notifications_with_a_wrong_key(
        merchant: Merchant, control: str, sink: NotifySink) -> None:
    """GIVEN bad_signature
    WHEN the merchant asks for an Alipay code, and a UnionPay code the person pays
    THEN the Alipay answer's sign does not check with Alipay's key, the UnionPay answer
    does not check with UnionPay's, nor does its notification."""
    fault(control, "bad_signature")
    with pytest.raises(BadAnswerSignature):
        precreate(merchant, "F-9")
    with pytest.raises(BadAnswerSignature):
        merchant.unionpay.back(txnType="01", txnSubType="07", orderId="F-9",
                               txnTime=merchant.unionpay.now(), txnAmt="100",
                               backUrl=sink.url("unionpay"))
    assert person(control, "pay", provider="unionpay")["ok"]
    (note,) = sink.wait_for(1)
    assert not merchant.unionpay.verifies(dict(urllib.parse.parse_qsl(note.body.decode())))


def test_pay_after_close_answers_the_close_then_the_payment_lands(
        merchant: Merchant, control: str, sink: NotifySink) -> None:
    """GIVEN pay_after_close at 0.1 s and a WeChat native order
    WHEN the merchant closes it
    THEN the close answers 204, then the order is paid and notified (SUCCESS), as when
    the person paid at the very moment of the close."""
    fault(control, "pay_after_close", 0.1)
    native(merchant, "F-10", 300, sink.url("wechat"))
    closed = merchant.wechat.request("POST", "/v3/pay/transactions/out-trade-no/F-10/close",
                                     {"mchid": merchant.wechat.mchid})
    assert closed.status == 204
    (note,) = sink.wait_for(1)
    assert merchant.wechat.decrypt(json.loads(note.body)["resource"])["trade_state"] == \
        "SUCCESS"
    assert query(merchant, "F-10")["trade_state"] == "SUCCESS"


def test_confirm_in_app_waits_for_the_person(merchant: Merchant, control: str,
                                             sink: NotifySink) -> None:
    """GIVEN confirm_in_app
    WHEN the merchant pays by the person's Alipay code, queries, and the person confirms
    THEN the pay answers 10003, the query WAIT_BUYER_PAY; after the confirm the order
    is paid and notified."""
    fault(control, "confirm_in_app")
    paying = merchant.alipay.call("alipay.trade.pay", {
        "out_trade_no": "F-11", "scene": "bar_code", "auth_code": person_code(control, "alipay"),
        "subject": "water", "total_amount": "3.00"}, notify_url=sink.url("alipay"))
    assert paying["code"] == "10003"
    assert merchant.alipay.call("alipay.trade.query", {"out_trade_no": "F-11"})[
        "trade_status"] == "WAIT_BUYER_PAY"
    assert person(control, "confirm", order="F-11")["order"]["state"] == "PAID"
    (note,) = sink.wait_for(1)
    assert dict(urllib.parse.parse_qsl(note.body.decode()))["trade_status"] == "TRADE_SUCCESS"


def test_confirm_in_app_with_seconds_pays_by_itself(merchant: Merchant, control: str) -> None:
    """GIVEN confirm_in_app set to 0.2 seconds
    WHEN the merchant pays by the person's WeChat code and polls the order
    THEN the codepay answers 202 USERPAYING, the order is USERPAYING, then SUCCESS
    within a second with nobody confirming."""
    fault(control, "confirm_in_app", 0.2)
    paying = codepay(merchant, "F-12", 100, person_code(control, "wechat"))
    assert (paying.status, paying.json()["code"]) == (202, "USERPAYING")
    assert query(merchant, "F-12")["trade_state"] == "USERPAYING"
    deadline = time.monotonic() + PATIENCE_S
    while query(merchant, "F-12")["trade_state"] != "SUCCESS":
        assert time.monotonic() < deadline, "never paid"
        time.sleep(0.05)


def test_insufficient_balance_fails_the_payment(merchant: Merchant, control: str) -> None:
    """GIVEN insufficient_balance
    WHEN the merchant pays by the person's UnionPay code, and the person tries to pay a
    shown Alipay code
    THEN UnionPay answers respCode 64 and the query says origRespCode 64; the person's
    app is refused and the Alipay order stays WAIT_BUYER_PAY."""
    fault(control, "insufficient_balance")
    when = merchant.unionpay.now()
    refused = merchant.unionpay.back(txnType="01", txnSubType="06", orderId="F-13",
                                     txnTime=when, txnAmt="100",
                                     qrNo=person_code(control, "unionpay"))
    assert refused["respCode"] == "64"
    assert merchant.unionpay.query("F-13", when)["origRespCode"] == "64"
    code = precreate(merchant, "F-14")
    assert person(control, "pay", code=code) == {"ok": False,
                                                 "error": "refused: insufficient_balance"}
    assert merchant.alipay.call("alipay.trade.query", {"out_trade_no": "F-14"})[
        "trade_status"] == "WAIT_BUYER_PAY"


def test_code_expired_refuses_the_persons_code(merchant: Merchant, control: str) -> None:
    """GIVEN code_expired
    WHEN the merchant pays by a fresh WeChat code
    THEN it is refused 400 AUTH_CODE_INVALID saying the code expired, and no order."""
    fault(control, "code_expired")
    answer = codepay(merchant, "F-15", 100, person_code(control, "wechat"))
    assert (answer.status, answer.json()["code"]) == (400, "AUTH_CODE_INVALID")
    assert "expired" in answer.json()["message"]
    assert query_status(merchant, "F-15") == 404


def query_status(merchant: Merchant, order_id: str) -> int:
    return merchant.wechat.request(
        "GET", f"/v3/pay/transactions/out-trade-no/{order_id}?mchid={merchant.wechat.mchid}"
    ).status


def test_statement_drift_misses_a_payment_and_adds_an_unknown_one(
        merchant: Merchant, control: str) -> None:
    """GIVEN two paid Alipay orders and statement_drift
    WHEN the merchant fetches the day's statement
    THEN the latest payment is missing and an order it never made is listed."""
    for order_id in ("F-16", "F-17"):
        person(control, "pay", code=precreate(merchant, order_id))
    fault(control, "statement_drift")
    orders = [line.out_trade_no for line in statement(merchant)]
    assert "F-16" in orders and "F-17" not in orders
    assert "SIM-DRIFT-UNKNOWN-ORDER" in orders


def test_the_scripted_person_scans_and_pays_every_shown_code(qrpay_keys: Path,
                                                            sink: NotifySink) -> None:
    """GIVEN a simulator whose scripted person pays 0.2 s after a code is shown
    WHEN the merchant precreates an Alipay order
    THEN the notification arrives by itself and the query says TRADE_SUCCESS."""
    with QrPaySimulator(qrpay_keys, auto_pay_after_s=0.2, notify_backoff_s=0.05) as sim:
        sim.start()
        assert sim.settings_file is not None
        merchant = merchant_from(sim.settings_file)
        precreate(merchant, "F-18", sink.url("alipay"))
        (note,) = sink.wait_for(1)
        assert dict(urllib.parse.parse_qsl(note.body.decode()))["out_trade_no"] == "F-18"
        assert merchant.alipay.call("alipay.trade.query", {"out_trade_no": "F-18"})[
            "trade_status"] == "TRADE_SUCCESS"


def test_every_fault_is_listed_with_what_it_does(control: str) -> None:
    """GIVEN the control line
    WHEN the faults are listed, a count, seconds and a wrong value are set
    THEN the list holds every documented fault with its description; a count and seconds
    are kept as given; a value a fault does not take is refused."""
    listing = person(control, "faults")
    assert set(listing["faults"]) == {
        "silent", "slow", "lost", "notify_lost", "notify_duplicate", "notify_conflict",
        "bad_signature", "pay_after_close", "confirm_in_app", "insufficient_balance",
        "code_expired", "statement_drift", "statement_corrupt"}
    assert person(control, "set", fault="lost", value=3)["active"] == {"lost": 3}
    assert person(control, "set", fault="slow", value="0.5")["active"] == {"lost": 3,
                                                                           "slow": 0.5}
    assert person(control, "set", fault="bad_signature", value=2)["ok"] is False
    assert person(control, "clear")["active"] == {}

