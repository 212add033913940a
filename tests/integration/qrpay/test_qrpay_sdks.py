"""The simulator with the SDKs central uses: python-alipay-sdk 3.4.0 (``AliPay``, its
gateway pointed at the simulator) and wechatpayv3 2.0.4 in public-key mode (its
``_core._gate_way`` pointed at the simulator). Skipped where they are not installed:
they are central's dependencies, not the simulator's."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from hardware.sim.qrpay import QrPaySimulator
from qrpay_helpers import NotifySink, person

alipay = pytest.importorskip("alipay")
wechatpayv3 = pytest.importorskip("wechatpayv3")

pytestmark = pytest.mark.timeout(30)


def settings(simulator: QrPaySimulator) -> tuple[dict[str, Any], Path]:
    assert simulator.settings_file is not None
    return tomllib.loads(simulator.settings_file.read_text()), simulator.settings_file.parent


def test_python_alipay_sdk_round_trip(simulator: QrPaySimulator, control: str,
                                      sink: NotifySink) -> None:
    """GIVEN AliPay(app_id, app key, Alipay's public key) from central-payments.toml
    WHEN it precreates, the person pays, it queries, refunds, and verifies the
    notification
    THEN the SDK accepts every answer's signature (it raises otherwise) and the
    notification's, and sees TRADE_SUCCESS."""
    found, folder = settings(simulator)
    conf = found["alipay"]
    client = alipay.AliPay(appid=conf["app_id"], app_notify_url=sink.url("alipay"),
                           app_private_key_string=(folder / conf["app_private_key"]).read_text(),
                           alipay_public_key_string=(folder / conf["alipay_public_key"]
                                                     ).read_text())
    client._gateway = conf["gateway"]
    created = client.api_alipay_trade_precreate(subject="水费", out_trade_no="SDK-A1",
                                                total_amount="12.34")
    assert person(control, "pay", code=created["qr_code"])["ok"]
    assert client.api_alipay_trade_query(out_trade_no="SDK-A1")["trade_status"] == \
        "TRADE_SUCCESS"
    assert client.api_alipay_trade_refund(refund_amount="1.00", out_trade_no="SDK-A1",
                                          out_request_no="R1")["fund_change"] == "Y"
    (note,) = sink.wait_for(1)
    data = dict(parse_qsl(note.body.decode()))
    signature = data.pop("sign")
    assert client.verify(data, signature)


def test_wechatpayv3_round_trip_in_public_key_mode(simulator: QrPaySimulator, control: str,
                                                  sink: NotifySink) -> None:
    """GIVEN WeChatPay(..., public_key, public_key_id) from central-payments.toml, its
    gateway set to the simulator
    WHEN it makes a native order, the person pays, it queries, closes another, and
    reads the notification with callback()
    THEN the SDK checks every answer (it raises otherwise), the query says SUCCESS, the
    close 204, and callback() opens the notification."""
    found, folder = settings(simulator)
    conf = found["wechat"]
    pay = wechatpayv3.WeChatPay(
        wechatpay_type=wechatpayv3.WeChatPayType.NATIVE, mchid=conf["mchid"],
        private_key=(folder / conf["merchant_private_key"]).read_text(),
        cert_serial_no=conf["merchant_serial_no"], appid=conf["appid"],
        apiv3_key=(folder / conf["apiv3_key_file"]).read_text().strip(),
        notify_url=sink.url("wechat"),
        public_key=(folder / conf["wechatpay_public_key"]).read_text(),
        public_key_id=conf["wechatpay_public_key_id"])
    pay._core._gate_way = conf["base_url"]
    status, text = pay.pay(description="电费", out_trade_no="SDK-W1", amount={"total": 1234})
    assert status == 200
    assert person(control, "pay", code=json.loads(text)["code_url"])["ok"]
    assert json.loads(pay.query(out_trade_no="SDK-W1")[1])["trade_state"] == "SUCCESS"
    pay.pay(description="电费", out_trade_no="SDK-W2", amount={"total": 100})
    assert pay.close(out_trade_no="SDK-W2")[0] == 204
    (note,) = sink.wait_for(1)
    opened = pay.callback(note.headers, note.body)
    assert opened["resource"]["out_trade_no"] == "SDK-W1"
