"""Alipay's gateway on the simulator, over real HTTP, with a merchant that signs and
checks signatures by Alipay's published RSA2 rules (qrpay_merchant)."""

from __future__ import annotations

import urllib.parse
import urllib.request
from datetime import datetime

import pytest

from central.payments.providers import StatementLine
from central.payments.statement_alipay import parse_alipay_bill
from hardware.sim.qrpay import QrPaySimulator
from qrpay_helpers import NotifySink, person, person_code
from qrpay_merchant import BEIJING, Merchant

pytestmark = pytest.mark.timeout(30)

PRECREATE = "alipay.trade.precreate"
QUERY = "alipay.trade.query"


def statement(merchant: Merchant) -> list[StatementLine]:
    """The day's trade bill ZIP as the merchant downloads it, read by central's reader."""
    today = datetime.now(BEIJING).date().isoformat()
    answer = merchant.alipay.call("alipay.data.dataservice.bill.downloadurl.query",
                                  {"bill_type": "trade", "bill_date": today})
    assert answer["code"] == "10000", answer
    with urllib.request.urlopen(answer["bill_download_url"], timeout=5) as response:
        return parse_alipay_bill(response.read())


def test_a_shown_code_is_scanned_paid_notified_queried_refunded_and_listed(
        merchant: Merchant, control: str, sink: NotifySink) -> None:
    """GIVEN a precreated order of 12.34 with a notify URL
    WHEN it is queried before anyone scans, the person scans and pays on the control line,
    and the merchant queries, refunds 2.34 and fetches the day's statement
    THEN the code is an Alipay QR URL; nobody scanned it: ACQ.TRADE_NOT_EXIST; scanned:
    WAIT_BUYER_PAY; the notification is a form signed by Alipay's key (without sign and
    sign_type) saying TRADE_SUCCESS 12.34 for the order and its trade_no; the query
    says TRADE_SUCCESS; the refund answers fund_change Y and refund_fee 2.34; the trade
    bill lists the payment and the refund under the order and its trade_no."""
    created = merchant.alipay.call(PRECREATE, {"out_trade_no": "ALI-1", "total_amount": "12.34",
                                               "subject": "上海水费 water"},
                                   notify_url=sink.url("alipay"))
    assert created["code"] == "10000" and created["qr_code"].startswith("https://qr.alipay.com/")
    unscanned = merchant.alipay.call(QUERY, {"out_trade_no": "ALI-1"})
    assert (unscanned["code"], unscanned["sub_code"]) == ("40004", "ACQ.TRADE_NOT_EXIST")

    assert person(control, "scan", code=created["qr_code"])["order"]["state"] == "SCANNED"
    assert merchant.alipay.call(QUERY, {"out_trade_no": "ALI-1"})["trade_status"] == \
        "WAIT_BUYER_PAY"
    assert person(control, "pay", code=created["qr_code"])["order"]["state"] == "PAID"

    (note,) = sink.wait_for(1)
    form = dict(urllib.parse.parse_qsl(note.body.decode()))
    assert note.path == "/alipay" and merchant.alipay.notification_verifies(form)
    assert (form["out_trade_no"], form["trade_status"], form["total_amount"]) == \
        ("ALI-1", "TRADE_SUCCESS", "12.34")
    queried = merchant.alipay.call(QUERY, {"out_trade_no": "ALI-1"})
    assert queried["trade_status"] == "TRADE_SUCCESS" and queried["trade_no"] == form["trade_no"]

    refund = merchant.alipay.call("alipay.trade.refund", {
        "out_trade_no": "ALI-1", "refund_amount": "2.34", "out_request_no": "ALI-1-R1"})
    assert (refund["code"], refund["fund_change"], refund["refund_fee"]) == ("10000", "Y", "2.34")
    again = merchant.alipay.call("alipay.trade.refund", {
        "out_trade_no": "ALI-1", "refund_amount": "2.34", "out_request_no": "ALI-1-R1"})
    assert (again["fund_change"], again["refund_fee"]) == ("N", "2.34")  # the same refund

    assert statement(merchant) == [StatementLine("ALI-1", "payment", 1234, form["trade_no"]),
                                   StatementLine("ALI-1", "refund", 234, form["trade_no"])]


def test_paying_by_the_persons_code_then_cancelling_gives_the_money_back(
        merchant: Merchant, control: str) -> None:
    """GIVEN a fresh Alipay payment code from the person
    WHEN the merchant pays an order with it (trade.pay, bar_code), pays another order
    with the same code, then cancels the first
    THEN the first answers 10000 with a trade_no and gmt_payment; the code used again is
    refused ACQ.PAYMENT_AUTH_CODE_INVALID saying it was used; the cancel answers
    action=refund and the trade is TRADE_CLOSED."""
    code = person_code(control, "alipay")
    assert len(code) == 18 and 25 <= int(code[:2]) <= 30
    paid = merchant.alipay.call("alipay.trade.pay", {
        "out_trade_no": "ALI-2", "scene": "bar_code", "auth_code": code,
        "subject": "electricity", "total_amount": "88.00"})
    assert paid["code"] == "10000" and paid["trade_no"] and paid["gmt_payment"]
    reused = merchant.alipay.call("alipay.trade.pay", {
        "out_trade_no": "ALI-3", "scene": "bar_code", "auth_code": code,
        "subject": "electricity", "total_amount": "88.00"})
    assert (reused["code"], reused["sub_code"]) == ("40004", "ACQ.PAYMENT_AUTH_CODE_INVALID")
    assert "used" in reused["sub_msg"]

    cancelled = merchant.alipay.call("alipay.trade.cancel", {"out_trade_no": "ALI-2"})
    assert (cancelled["code"], cancelled["action"]) == ("10000", "refund")
    assert merchant.alipay.call(QUERY, {"out_trade_no": "ALI-2"})["trade_status"] == \
        "TRADE_CLOSED"


def test_a_closed_order_can_no_longer_be_paid(merchant: Merchant, control: str) -> None:
    """GIVEN two precreated orders, one scanned by the person, one not
    WHEN the merchant closes both and the person then tries to pay each
    THEN the scanned one closes (10000, then TRADE_CLOSED); the unscanned one answers
    ACQ.TRADE_NOT_EXIST as Alipay does for a code nobody scanned; the person's app is
    refused on both."""
    scanned = merchant.alipay.call(PRECREATE, {"out_trade_no": "ALI-4", "total_amount": "1.00",
                                               "subject": "gas"})
    unscanned = merchant.alipay.call(PRECREATE, {"out_trade_no": "ALI-5",
                                                 "total_amount": "1.00", "subject": "gas"})
    person(control, "scan", code=scanned["qr_code"])

    assert merchant.alipay.call("alipay.trade.close", {"out_trade_no": "ALI-4"})["code"] == \
        "10000"
    missing = merchant.alipay.call("alipay.trade.close", {"out_trade_no": "ALI-5"})
    assert missing["sub_code"] == "ACQ.TRADE_NOT_EXIST"
    assert merchant.alipay.call(QUERY, {"out_trade_no": "ALI-4"})["trade_status"] == \
        "TRADE_CLOSED"
    for order in (scanned, unscanned):
        refused = person(control, "pay", code=order["qr_code"])
        assert refused == {"ok": False, "error": "refused: closed"}


def test_the_same_order_again_answers_the_same_code_and_another_amount_is_refused(
        merchant: Merchant) -> None:
    """GIVEN a precreated order (sent by POST, form-encoded)
    WHEN the same precreate is sent again, then with another amount
    THEN the same qr_code comes back, and the changed one is ACQ.CONTEXT_INCONSISTENT."""
    biz = {"out_trade_no": "ALI-6", "total_amount": "5.00", "subject": "water"}
    first = merchant.alipay.call(PRECREATE, biz, post=True)
    assert merchant.alipay.call(PRECREATE, biz)["qr_code"] == first["qr_code"]
    changed = merchant.alipay.call(PRECREATE, {**biz, "total_amount": "6.00"})
    assert changed["sub_code"] == "ACQ.CONTEXT_INCONSISTENT"


def test_a_request_not_signed_by_the_merchants_key_is_refused(
        merchant: Merchant, simulator: QrPaySimulator) -> None:
    """GIVEN a precreate whose biz_content was changed after signing, and one signed with
    another key (Alipay's own)
    WHEN each is sent
    THEN each is answered 40002 isv.invalid-signature with no sign (as Alipay answers
    gateway errors), and no order was made."""
    params = merchant.alipay.signed_params(PRECREATE, {
        "out_trade_no": "ALI-7", "total_amount": "1.00", "subject": "water"})
    params["biz_content"] = params["biz_content"].replace("1.00", "0.01")
    refused = merchant.alipay.call(PRECREATE, {}, params=params)
    assert (refused["code"], refused["sub_code"], refused["signed"]) == \
        ("40002", "isv.invalid-signature", False)
    assert refused["key"] == "alipay_trade_precreate_response"

    merchant.alipay.key = simulator.keys.alipay.provider.private  # not the app's key
    other = merchant.alipay.call(PRECREATE, {"out_trade_no": "ALI-7", "total_amount": "1.00",
                                             "subject": "water"})
    assert other["sub_code"] == "isv.invalid-signature"
    assert simulator.bank.ledger.all() == []
