"""UnionPay QR (acpsdk 5.1.0 form gateway) on the simulator, over real HTTP, with a
merchant that signs and checks by UnionPay's signMethod 01 rule."""

from __future__ import annotations

import urllib.parse
from datetime import datetime

import pytest

from central.payments.providers import StatementLine
from central.payments.statement_unionpay import parse_unionpay_file
from hardware.sim.qrpay import QrPaySimulator
from qrpay_helpers import NotifySink, person, person_code
from qrpay_merchant import BEIJING, Merchant

pytestmark = pytest.mark.timeout(30)


def day_file(merchant: Merchant) -> list[StatementLine]:
    """The day's ZM file (fileType 00) as the merchant gets it, read by central's reader."""
    answer = merchant.unionpay.post("/gateway/api/fileTransRequest.do", {
        "txnType": "76", "txnSubType": "01", "fileType": "00",
        "settleDate": datetime.now(BEIJING).strftime("%m%d"), "txnTime": merchant.unionpay.now()})
    assert answer["respCode"] == "00", answer
    assert answer["fileName"].endswith(".zip")
    return parse_unionpay_file(answer["fileContent"])


def test_a_shown_code_is_paid_notified_queried_refunded_and_in_the_day_file(
        merchant: Merchant, control: str, sink: NotifySink) -> None:
    """GIVEN a code asked for (txnType 01, txnSubType 07) for 1234 fen with a backUrl
    WHEN it is queried, the person pays it, the merchant queries again, refunds 234 fen
    (txnType 04 naming the payment's queryId) and asks for the day's file (txnType 76)
    THEN every answer is signed by UnionPay's key; the code is a qr.95516.com URL; the
    query says origRespCode 05 (running), then 00 with the queryId; the notification is
    a form signed by UnionPay's key with respCode 00, txnAmt 1234 and that queryId; the
    refund is its own transaction, found by its orderId and txnTime with 00; the day's
    file lists the payment and the refund."""
    when = merchant.unionpay.now()
    shown = merchant.unionpay.back(txnType="01", txnSubType="07", orderId="UP-1",
                                   txnTime=when, txnAmt="1234", backUrl=sink.url("unionpay"))
    assert shown["respCode"] == "00" and shown["qrCode"].startswith("https://qr.95516.com/")
    assert merchant.unionpay.query("UP-1", when)["origRespCode"] == "05"

    assert person(control, "pay", code=shown["qrCode"])["ok"]
    (note,) = sink.wait_for(1)
    form = dict(urllib.parse.parse_qsl(note.body.decode()))
    assert merchant.unionpay.verifies(form)
    queried = merchant.unionpay.query("UP-1", when)
    assert queried["origRespCode"] == "00"
    assert (form["respCode"], form["txnAmt"], form["orderId"], form["queryId"]) == \
        ("00", "1234", "UP-1", queried["queryId"])

    refund_time = merchant.unionpay.now()
    refund = merchant.unionpay.back(txnType="04", txnSubType="00", orderId="UP-1-R1",
                                    txnTime=refund_time, txnAmt="234",
                                    origQryId=queried["queryId"], backUrl=sink.url("unionpay"))
    assert refund["respCode"] == "00"
    assert merchant.unionpay.query("UP-1-R1", refund_time)["origRespCode"] == "00"

    assert day_file(merchant) == [StatementLine("UP-1", "payment", 1234, queried["queryId"]),
                                  StatementLine("UP-1", "refund", 234, queried["queryId"])]


def test_paying_by_the_persons_code_then_voiding(merchant: Merchant, control: str) -> None:
    """GIVEN a fresh UnionPay payment code (62, 19 digits)
    WHEN the merchant pays 500 fen with it (txnType 01, txnSubType 06, qrNo), queries,
    voids it (txnType 31 naming the queryId) and asks the day's file
    THEN the payment is accepted (00) and paid (origRespCode 00); the void is accepted
    and found as its own transaction with 00; the day's ZM file shows the payment and
    the void as a refund of 500 fen of that payment."""
    code = person_code(control, "unionpay")
    assert len(code) == 19 and code.startswith("62")
    when = merchant.unionpay.now()
    assert merchant.unionpay.back(txnType="01", txnSubType="06", orderId="UP-2", txnTime=when,
                                  txnAmt="500", qrNo=code)["respCode"] == "00"
    paid = merchant.unionpay.query("UP-2", when)
    assert paid["origRespCode"] == "00"
    void_time = merchant.unionpay.now()
    void = merchant.unionpay.back(txnType="31", txnSubType="00", orderId="UP-2-V",
                                  txnTime=void_time, txnAmt="500", origQryId=paid["queryId"])
    assert void["respCode"] == "00"
    assert merchant.unionpay.query("UP-2-V", void_time)["origRespCode"] == "00"
    assert day_file(merchant) == [StatementLine("UP-2", "payment", 500, paid["queryId"]),
                                  StatementLine("UP-2", "refund", 500, paid["queryId"])]


def test_voiding_an_unpaid_code_closes_it(merchant: Merchant, control: str) -> None:
    """GIVEN a shown code nobody paid
    WHEN the merchant voids it by its origOrderId and the person then tries to pay
    THEN the void is accepted, the query of the code says 01 (failed: closed), and the
    person's app is refused."""
    when = merchant.unionpay.now()
    shown = merchant.unionpay.back(txnType="01", txnSubType="07", orderId="UP-3",
                                   txnTime=when, txnAmt="100", backUrl="http://127.0.0.1:9/")
    assert merchant.unionpay.back(txnType="31", txnSubType="00", orderId="UP-3-V",
                                  txnTime=merchant.unionpay.now(), txnAmt="100",
                                  origOrderId="UP-3")["respCode"] == "00"
    assert merchant.unionpay.query("UP-3", when)["origRespCode"] == "01"
    assert person(control, "pay", code=shown["qrCode"]) == {"ok": False,
                                                            "error": "refused: closed"}


def test_a_query_names_the_transaction_by_order_id_and_its_own_txn_time(
        merchant: Merchant) -> None:
    """GIVEN a shown code asked for at one txnTime
    WHEN it is queried with another txnTime, and an unknown orderId is queried
    THEN both answer respCode 34 (no such transaction)."""
    when = merchant.unionpay.now()
    merchant.unionpay.back(txnType="01", txnSubType="07", orderId="UP-4", txnTime=when,
                           txnAmt="100", backUrl="http://127.0.0.1:9/")
    assert merchant.unionpay.query("UP-4", "20000101000000")["respCode"] == "34"
    assert merchant.unionpay.query("UP-404", when)["respCode"] == "34"


def test_a_request_not_signed_by_the_merchants_key_is_refused_with_11(
        merchant: Merchant, simulator: QrPaySimulator) -> None:
    """GIVEN a code request whose amount was changed after signing, and one with a
    certId that is not the merchant's
    WHEN each is sent
    THEN each is answered respCode 11 (signature check failed), signed by UnionPay, and
    no order was made."""
    fields = merchant.unionpay.signed({"txnType": "01", "txnSubType": "07", "orderId": "UP-5",
                                       "txnTime": merchant.unionpay.now(), "txnAmt": "100",
                                       "currencyCode": "156", "backUrl": "http://127.0.0.1:9/"})
    changed = {**fields, "txnAmt": "1"}
    assert merchant.unionpay.post("/gateway/api/backTransReq.do", {},
                                  signed_fields=changed)["respCode"] == "11"
    merchant.unionpay.cert_id = "1"
    assert merchant.unionpay.back(txnType="01", txnSubType="07", orderId="UP-5",
                                  txnTime=merchant.unionpay.now(), txnAmt="100",
                                  backUrl="http://127.0.0.1:9/")["respCode"] == "11"
    assert simulator.bank.ledger.all() == []
