"""WeChat Pay API v3 on the simulator, over real HTTP, with a merchant that signs
requests and checks answers and notifications by WeChat Pay's published rules."""

from __future__ import annotations

import gzip
import hashlib
import json
import urllib.request
from datetime import datetime
from typing import Any

import pytest

from central.payments.providers import StatementLine
from central.payments.statement_wechat import parse_wechat_bill
from hardware.sim.qrpay import QrPaySimulator
from qrpay_helpers import NotifySink, person, person_code
from qrpay_merchant import BEIJING, Merchant, WeChatAnswer

pytestmark = pytest.mark.timeout(30)


def native(merchant: Merchant, order_id: str, total: int, notify_url: str) -> WeChatAnswer:
    return merchant.wechat.request("POST", "/v3/pay/transactions/native", {
        "appid": merchant.wechat.appid, "mchid": merchant.wechat.mchid,
        "description": "上海电费", "out_trade_no": order_id, "notify_url": notify_url,
        "amount": {"total": total, "currency": "CNY"}})


def query(merchant: Merchant, order_id: str) -> dict[str, Any]:
    answer = merchant.wechat.request(
        "GET", f"/v3/pay/transactions/out-trade-no/{order_id}?mchid={merchant.wechat.mchid}")
    assert answer.status == 200, answer
    return answer.json()


def codepay(merchant: Merchant, order_id: str, total: int, code: str) -> WeChatAnswer:
    return merchant.wechat.request("POST", "/v3/pay/transactions/codepay", {
        "appid": merchant.wechat.appid, "mchid": merchant.wechat.mchid,
        "description": "water", "out_trade_no": order_id,
        "amount": {"total": total, "currency": "CNY"}, "payer": {"auth_code": code},
        "scene_info": {"store_info": {"out_id": "KIOSK-1"}}})


def test_a_native_code_is_paid_notified_queried_refunded_and_billed(
        merchant: Merchant, control: str, sink: NotifySink) -> None:
    """GIVEN a native order of 12.34 (1234 fen) with a notify URL
    WHEN it is queried, the person pays it, the merchant queries, refunds 234 fen, asks
    for the refund, and downloads the day's trade bill (GZIP, with its Authorization)
    THEN every answer is signed by WeChat Pay's key under the PUB_KEY_ID; the code is a
    weixin:// URL; NOTPAY, then a notification whose signature checks and whose
    AEAD_AES_256_GCM resource opens with the API v3 key: SUCCESS, 1234, the
    transaction_id; the query agrees; the refund is SUCCESS; the bill's SHA1 matches the
    backticked CSV inside the gzip, which lists the payment and the refund."""
    created = native(merchant, "WX-1", 1234, sink.url("wechat"))
    assert created.status == 200
    code_url = created.json()["code_url"]
    assert code_url.startswith("weixin://wxpay/bizpayurl?pr=")
    assert query(merchant, "WX-1")["trade_state"] == "NOTPAY"

    assert person(control, "pay", code=code_url)["ok"]
    (note,) = sink.wait_for(1)
    body = note.body.decode()
    assert merchant.wechat.signed_by_wechat(note.headers, body)
    event = json.loads(body)
    assert (event["event_type"], event["resource_type"]) == ("TRANSACTION.SUCCESS",
                                                             "encrypt-resource")
    paid = merchant.wechat.decrypt(event["resource"])
    assert (paid["out_trade_no"], paid["trade_state"], paid["amount"]["total"]) == \
        ("WX-1", "SUCCESS", 1234)
    queried = query(merchant, "WX-1")
    assert (queried["trade_state"], queried["transaction_id"]) == \
        ("SUCCESS", paid["transaction_id"])

    refund = merchant.wechat.request("POST", "/v3/refund/domestic/refunds", {
        "out_trade_no": "WX-1", "out_refund_no": "WX-1-R1",
        "amount": {"refund": 234, "total": 1234, "currency": "CNY"}})
    assert (refund.status, refund.json()["status"]) == (200, "SUCCESS")
    asked = merchant.wechat.request("GET", "/v3/refund/domestic/refunds/WX-1-R1")
    assert asked.json()["refund_id"] == refund.json()["refund_id"]
    assert query(merchant, "WX-1")["trade_state"] == "REFUND"

    today = datetime.now(BEIJING).date().isoformat()
    bill = merchant.wechat.request(
        "GET", f"/v3/bill/tradebill?bill_date={today}&bill_type=ALL&tar_type=GZIP").json()
    target = bill["download_url"][len(merchant.wechat.base_url):]
    downloaded = _download_bytes(merchant, target)
    table = gzip.decompress(downloaded)
    assert hashlib.sha1(table).hexdigest() == bill["hash_value"]
    assert table.decode().splitlines()[1].split(",")[14:17] == ["`0", "`0", "`0.00"]
    assert parse_wechat_bill(downloaded, bill["hash_type"], bill["hash_value"]) == [
        StatementLine("WX-1", "payment", 1234, paid["transaction_id"]),
        StatementLine("WX-1", "refund", 234, paid["transaction_id"])]


def _download_bytes(merchant: Merchant, target: str) -> bytes:
    """The bill as the merchant downloads it: signed like any request, the answer not."""
    request = urllib.request.Request(merchant.wechat.base_url + target, headers={
        "Authorization": merchant.wechat.authorization("GET", target, "")})
    with urllib.request.urlopen(request, timeout=5) as response:
        data: bytes = response.read()
    return data


def test_paying_by_code_then_reversing_and_closing(merchant: Merchant, control: str) -> None:
    """GIVEN a fresh WeChat payment code from the person
    WHEN the merchant pays an order with it (codepay), tries to close it, reverses it
    THEN codepay answers SUCCESS with a transaction_id (MICROPAY); the close is refused
    400 ORDERPAID; the reverse answers 200 and the order is REVOKED."""
    code = person_code(control, "wechat")
    assert len(code) == 18 and 10 <= int(code[:2]) <= 15
    paid = codepay(merchant, "WX-2", 500, code)
    assert paid.status == 200
    assert (paid.json()["trade_state"], paid.json()["trade_type"]) == ("SUCCESS", "MICROPAY")
    closing = merchant.wechat.request("POST", "/v3/pay/transactions/out-trade-no/WX-2/close",
                                      {"mchid": merchant.wechat.mchid})
    assert (closing.status, closing.json()["code"]) == (400, "ORDERPAID")
    reversed_ = merchant.wechat.request(
        "POST", "/v3/pay/transactions/out-trade-no/WX-2/reverse",
        {"appid": merchant.wechat.appid, "mchid": merchant.wechat.mchid})
    assert reversed_.status == 200
    assert query(merchant, "WX-2")["trade_state"] == "REVOKED"


def test_a_closed_native_order_answers_204_and_cannot_be_paid(
        merchant: Merchant, control: str) -> None:
    """GIVEN a native order
    WHEN the merchant closes it and the person then tries to pay its code
    THEN the close answers 204 with an empty body that is still signed, the order is
    CLOSED and the person's app is refused."""
    code_url = native(merchant, "WX-3", 100, "http://127.0.0.1:9/none").json()["code_url"]
    closed = merchant.wechat.request("POST", "/v3/pay/transactions/out-trade-no/WX-3/close",
                                     {"mchid": merchant.wechat.mchid})
    assert (closed.status, closed.text) == (204, "")
    assert query(merchant, "WX-3")["trade_state"] == "CLOSED"
    assert person(control, "pay", code=code_url) == {"ok": False, "error": "refused: closed"}


def test_an_unknown_order_is_404_order_not_exist(merchant: Merchant) -> None:
    """GIVEN no order WX-404
    WHEN it is queried
    THEN the answer is a signed 404 ORDER_NOT_EXIST."""
    answer = merchant.wechat.request(
        "GET", f"/v3/pay/transactions/out-trade-no/WX-404?mchid={merchant.wechat.mchid}")
    assert (answer.status, answer.json()["code"]) == (404, "ORDER_NOT_EXIST")


def test_a_request_not_signed_by_the_merchants_key_is_401(
        merchant: Merchant, simulator: QrPaySimulator) -> None:
    """GIVEN a native order whose body was changed after signing, and one signed with
    WeChat Pay's own key instead of the merchant's
    WHEN each is sent
    THEN each is refused 401 SIGN_ERROR and no order was made."""
    body = {"appid": merchant.wechat.appid, "mchid": merchant.wechat.mchid,
            "description": "x", "out_trade_no": "WX-5", "notify_url": "http://127.0.0.1:9/",
            "amount": {"total": 100, "currency": "CNY"}}
    tampered = merchant.wechat.request("POST", "/v3/pay/transactions/native", body,
                                       tamper=True)
    assert (tampered.status, tampered.json()["code"]) == (401, "SIGN_ERROR")
    merchant.wechat.key = simulator.keys.wechat.provider.private
    other = merchant.wechat.request("POST", "/v3/pay/transactions/native", body)
    assert (other.status, other.json()["code"]) == (401, "SIGN_ERROR")
    assert simulator.bank.ledger.all() == []
