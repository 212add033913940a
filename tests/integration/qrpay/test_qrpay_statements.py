"""Each provider's daily statement in its real file format, served by the simulator over
HTTP on 127.0.0.1 and read back by central's own provider clients (central/payments/):
line for line, with the drift fault, and refused whole when the file is damaged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from central.payments.config import load_providers
from central.payments.providers import ProviderUncertain, QrProviderClient, StatementLine
from hardware.sim.qrpay import QrPaySimulator
from kiosk.domain.qr import QrProvider
from qrpay_helpers import person, person_code
from qrpay_merchant import BEIJING, Merchant
from test_qrpay_wechat import codepay, native

pytestmark = pytest.mark.timeout(30)


def payment(order_id: str, fen: int, txn_id: str) -> StatementLine:
    return StatementLine(order_id, "payment", fen, txn_id)


def refund(order_id: str, fen: int, txn_id: str) -> StatementLine:
    return StatementLine(order_id, "refund", fen, txn_id)


def alipay_day(merchant: Merchant, control: str) -> list[StatementLine]:
    """A shown code paid, one paid then refunded in part, one paid by code then
    cancelled (the cancel gives the money back)."""
    lines = []
    for order_id, amount in (("ALI-S1", "12.34"), ("ALI-S2", "20.00")):
        code = merchant.alipay.call("alipay.trade.precreate", {
            "out_trade_no": order_id, "total_amount": amount, "subject": "上海水费"})["qr_code"]
        assert person(control, "pay", code=code)["ok"]
        trade_no = merchant.alipay.call("alipay.trade.query",
                                        {"out_trade_no": order_id})["trade_no"]
        lines.append(payment(order_id, int(amount.replace(".", "")), trade_no))
    assert merchant.alipay.call("alipay.trade.refund", {
        "out_trade_no": "ALI-S2", "refund_amount": "5.00",
        "out_request_no": "ALI-S2-R1"})["fund_change"] == "Y"
    lines.append(refund("ALI-S2", 500, lines[1].provider_txn_id or ""))
    paid = merchant.alipay.call("alipay.trade.pay", {
        "out_trade_no": "ALI-S3", "total_amount": "7.00", "subject": "gas", "scene": "bar_code",
        "auth_code": person_code(control, "alipay")})
    assert merchant.alipay.call("alipay.trade.cancel",
                                {"out_trade_no": "ALI-S3"})["action"] == "refund"
    return [*lines, payment("ALI-S3", 700, paid["trade_no"]),
            refund("ALI-S3", 700, paid["trade_no"])]


def wechat_day(merchant: Merchant, control: str) -> list[StatementLine]:
    lines = []
    for order_id, total in (("WX-S1", 1234), ("WX-S2", 2000)):
        answer = native(merchant, order_id, total, "http://127.0.0.1:9/")
        assert person(control, "pay", code=answer.json()["code_url"])["ok"]
        queried = merchant.wechat.request(
            "GET", f"/v3/pay/transactions/out-trade-no/{order_id}?mchid={merchant.wechat.mchid}")
        lines.append(payment(order_id, total, queried.json()["transaction_id"]))
    assert merchant.wechat.request("POST", "/v3/refund/domestic/refunds", {
        "out_trade_no": "WX-S2", "out_refund_no": "WX-S2-R1",
        "amount": {"refund": 500, "total": 2000, "currency": "CNY"}}).status == 200
    lines.append(refund("WX-S2", 500, lines[1].provider_txn_id or ""))
    paid = codepay(merchant, "WX-S3", 700, person_code(control, "wechat")).json()
    assert merchant.wechat.request("POST", "/v3/pay/transactions/out-trade-no/WX-S3/reverse", {
        "appid": merchant.wechat.appid, "mchid": merchant.wechat.mchid}).status == 200
    return [*lines, payment("WX-S3", 700, paid["transaction_id"]),
            refund("WX-S3", 700, paid["transaction_id"])]


def unionpay_day(merchant: Merchant, control: str) -> list[StatementLine]:
    union = merchant.unionpay
    lines = []
    for order_id, fen in (("UPS1", 1234), ("UPS2", 2000)):
        when = union.now()
        shown = union.back(txnType="01", txnSubType="07", orderId=order_id, txnTime=when,
                           txnAmt=str(fen), backUrl="http://127.0.0.1:9/")
        assert person(control, "pay", code=shown["qrCode"])["ok"]
        lines.append(payment(order_id, fen, union.query(order_id, when)["queryId"]))
    assert union.back(txnType="04", txnSubType="00", orderId="UPS2R1", txnTime=union.now(),
                      txnAmt="500", origQryId=lines[1].provider_txn_id or "",
                      backUrl="http://127.0.0.1:9/")["respCode"] == "00"
    lines.append(refund("UPS2", 500, lines[1].provider_txn_id or ""))
    when = union.now()
    assert union.back(txnType="01", txnSubType="06", orderId="UPS3", txnTime=when,
                      txnAmt="700", qrNo=person_code(control, "unionpay"))["respCode"] == "00"
    query_id = union.query("UPS3", when)["queryId"]
    assert union.back(txnType="31", txnSubType="00", orderId="UPS3V", txnTime=union.now(),
                      txnAmt="700", origQryId=query_id)["respCode"] == "00"
    return [*lines, payment("UPS3", 700, query_id), refund("UPS3", 700, query_id)]


DAYS: dict[QrProvider, Callable[[Merchant, str], list[StatementLine]]] = {
    QrProvider.ALIPAY: alipay_day, QrProvider.WECHAT: wechat_day,
    QrProvider.UNIONPAY: unionpay_day}


def client(simulator: QrPaySimulator, provider: QrProvider) -> QrProviderClient:
    assert simulator.settings_file is not None
    return load_providers(simulator.settings_file)[provider]


def today_of(provider_client: QrProviderClient) -> list[StatementLine]:
    return provider_client.statement(datetime.now(BEIJING).date())


@pytest.mark.parametrize("provider", list(QrProvider))
def test_a_day_reads_back_line_for_line(simulator: QrPaySimulator, merchant: Merchant,
                                        control: str, provider: QrProvider) -> None:
    """GIVEN a day with two payments, a partial refund, and a payment by code cancelled
    (Alipay cancel, WeChat Pay reverse, UnionPay void) at the provider
    WHEN central's client of that provider fetches the day's statement in the provider's
    own file format
    THEN it reads every payment and refund, in time order, under the payment's order
    number and the provider's id of the payment."""
    expected = DAYS[provider](merchant, control)
    assert today_of(client(simulator, provider)) == expected


@pytest.mark.parametrize("provider", list(QrProvider))
def test_statement_drift_still_shows(simulator: QrPaySimulator, merchant: Merchant,
                                     control: str, provider: QrProvider) -> None:
    """GIVEN the same day and statement_drift
    WHEN central reads the statement
    THEN the day's latest payment is missing and a payment of 8.88 for an order the
    merchant never made is there."""
    expected = DAYS[provider](merchant, control)
    person(control, "set", fault="statement_drift", value=True)
    lines = today_of(client(simulator, provider))
    latest = expected[-2]  # the payment by code, then its cancel
    assert latest not in lines and expected[-1] in lines
    assert StatementLine("SIM-DRIFT-UNKNOWN-ORDER", "payment", 888, "9" * 21) in lines


@pytest.mark.parametrize("provider", list(QrProvider))
def test_a_damaged_file_is_refused_whole(simulator: QrPaySimulator, merchant: Merchant,
                                         control: str, provider: QrProvider) -> None:
    """GIVEN the same day and statement_corrupt (one byte of the file changed; WeChat
    Pay's hash is still the true file's)
    WHEN central reads the statement
    THEN it is refused as unreadable_statement: no line of it is used."""
    DAYS[provider](merchant, control)
    person(control, "set", fault="statement_corrupt", value=True)
    with pytest.raises(ProviderUncertain) as refused:
        today_of(client(simulator, provider))
    assert refused.value.reason == "unreadable_statement"
