"""Central's provider modules verify and read each provider's notification
(docs/payments-qr.md), with keys made here: a notification signed as the provider signs
it is read; one with a bad signature, another merchant's or an event that is no payment
is refused with central's reason, never the sender's text."""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from central.payments.alipay import AlipayClient
from central.payments.providers import BadNotification
from central.payments.unionpay import UnionPayClient, sign_fields
from central.payments.wechat import WeChatClient
from central.timeutil import SHANGHAI
from kiosk.domain.qr import QrState

APIV3_KEY = "0123456789abcdef0123456789abcdef"  # 32 bytes, as WeChat Pay's API v3 keys


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo
                                         ).decode()


def _rsa_sha256(key: rsa.RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(),
                                     hashes.SHA256())).decode()


@pytest.fixture(scope="module")
def keys() -> dict[str, rsa.RSAPrivateKey]:
    return {"merchant": _key(), "provider": _key(), "stranger": _key()}


# --- Alipay ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def alipay(keys: dict[str, rsa.RSAPrivateKey]) -> AlipayClient:
    return AlipayClient(gateway="http://127.0.0.1:9/gateway.do", app_id="2021000000000001",
                        app_private_key=_private_pem(keys["merchant"]),
                        alipay_public_key=_public_pem(keys["provider"]))


def alipay_notification(key: rsa.RSAPrivateKey, **changes: str) -> bytes:
    """A payment notification signed as Alipay signs it (RSA2 over the sorted
    non-empty parameters but sign and sign_type)."""
    fields = {"notify_id": "n" + secrets.token_hex(8), "notify_type": "trade_status_sync",
              "notify_time": "2026-01-15 10:31:05", "app_id": "2021000000000001",
              "trade_status": "TRADE_SUCCESS", "out_trade_no": "Q260115ABCDEF012345",
              "trade_no": "2026011522001400001234567890", "total_amount": "128.96",
              "gmt_payment": "2026-01-15 10:31:02", "charset": "utf-8", "version": "1.0",
              **changes}
    text = "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if v != "")
    return urlencode({**fields, "sign_type": "RSA2",
                      "sign": _rsa_sha256(key, text)}).encode()


def test_alipay_notification_signed_by_alipay_is_read(alipay, keys):
    """GIVEN an Alipay payment notification signed with Alipay's key
    WHEN central reads it
    THEN it names the order, PAID, the trade number, 128.96 in fen and the payment time,
    and a resend with another notify_id and time says the same (one digest)."""
    read = alipay.parse_notification({}, alipay_notification(keys["provider"]))
    assert (read.out_trade_no, read.state, read.provider_txn_id, read.amount_fen) == (
        "Q260115ABCDEF012345", QrState.PAID, "2026011522001400001234567890", 12896)
    assert read.paid_at == datetime(2026, 1, 15, 10, 31, 2, tzinfo=SHANGHAI)
    again = alipay.parse_notification({}, alipay_notification(
        keys["provider"], notify_time="2026-01-15 10:35:00"))
    assert again.digest == read.digest
    other = alipay.parse_notification({}, alipay_notification(keys["provider"],
                                                              total_amount="1.00"))
    assert other.digest != read.digest


@pytest.mark.parametrize(("body", "reason"), [
    (lambda k: alipay_notification(k["stranger"]), "bad_signature"),
    (lambda k: alipay_notification(k["provider"]).replace(b"128.96", b"228.96"),
     "bad_signature"),
    (lambda k: alipay_notification(k["provider"], app_id="2021999999999999"), "unknown_app"),
    (lambda k: alipay_notification(k["provider"], trade_status="WAIT_BUYER_PAY"),
     "wrong_event"),
    (lambda k: b"\xff\xfe not a form", "unreadable"),
    (lambda k: b"out_trade_no=Q1&trade_status=TRADE_SUCCESS", "bad_signature"),
])
def test_alipay_notification_refused(alipay, keys, body: Callable[[Any], bytes],
                                     reason: str):
    """GIVEN an Alipay notification signed by a stranger, altered after signing, of
    another app, about no payment, unreadable, or unsigned
    WHEN central reads it
    THEN it is refused with central's reason."""
    with pytest.raises(BadNotification) as refused:
        alipay.parse_notification({}, body(keys))
    assert refused.value.reason == reason


# --- WeChat Pay ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wechat(keys: dict[str, rsa.RSAPrivateKey]) -> WeChatClient:
    return WeChatClient(base_url="http://127.0.0.1:9", mchid="1900000001",
                        appid="wx0000000000000001", merchant_serial_no="5157F09EFDC096DE",
                        merchant_private_key=_private_pem(keys["merchant"]),
                        apiv3_key=APIV3_KEY,
                        wechatpay_public_key=_public_pem(keys["provider"]),
                        wechatpay_public_key_id="PUB_KEY_ID_0000000000000001")


def wechat_notification(key: rsa.RSAPrivateKey, *, apiv3_key: str = APIV3_KEY,
                        serial: str = "PUB_KEY_ID_0000000000000001",
                        event_type: str = "TRANSACTION.SUCCESS",
                        **resource_changes: Any) -> tuple[dict[str, str], bytes]:
    """A payment notification as WeChat Pay sends it: the resource encrypted
    (AEAD_AES_256_GCM) with the merchant's API v3 key, the body signed with WeChat
    Pay's key in the Wechatpay-* headers."""
    resource = {"mchid": "1900000001", "appid": "wx0000000000000001",
                "out_trade_no": "Q260115ABCDEF012345", "transaction_id": "4200000001202601150001",
                "trade_type": "NATIVE", "trade_state": "SUCCESS",
                "success_time": "2026-01-15T10:31:02+08:00",
                "amount": {"total": 12896, "payer_total": 12896, "currency": "CNY"},
                **resource_changes}
    nonce = secrets.token_hex(6)
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(
        nonce.encode(), json.dumps(resource).encode(), b"transaction")
    body = json.dumps({"id": "EV-" + secrets.token_hex(8),
                       "create_time": "2026-01-15T10:31:03+08:00",
                       "resource_type": "encrypt-resource", "event_type": event_type,
                       "summary": "支付成功",
                       "resource": {"original_type": "transaction",
                                    "algorithm": "AEAD_AES_256_GCM",
                                    "ciphertext": base64.b64encode(ciphertext).decode(),
                                    "associated_data": "transaction", "nonce": nonce}})
    timestamp, header_nonce = str(int(time.time())), secrets.token_hex(16)
    signature = _rsa_sha256(key, f"{timestamp}\n{header_nonce}\n{body}\n")
    return {"Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": header_nonce,
            "Wechatpay-Serial": serial, "Wechatpay-Signature": signature,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
            "Content-Type": "application/json"}, body.encode()


def test_wechat_notification_signed_and_encrypted_is_read(wechat, keys):
    """GIVEN a WeChat Pay notification signed with the platform key and encrypted with
    the merchant's API v3 key
    WHEN central reads it
    THEN it names the order, PAID, the transaction id, 12896 fen and the time."""
    headers, body = wechat_notification(keys["provider"])
    read = wechat.parse_notification(headers, body)
    assert (read.out_trade_no, read.state, read.provider_txn_id, read.amount_fen) == (
        "Q260115ABCDEF012345", QrState.PAID, "4200000001202601150001", 12896)
    assert read.paid_at == datetime(2026, 1, 15, 10, 31, 2, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("make", "reason"), [
    (lambda k: wechat_notification(k["stranger"]), "bad_signature"),
    (lambda k: wechat_notification(k["provider"], serial="PUB_KEY_ID_9999"), "bad_signature"),
    (lambda k: wechat_notification(k["provider"], apiv3_key="f" * 32), "bad_signature"),
    (lambda k: wechat_notification(k["provider"], mchid="1900000999"), "unknown_app"),
    (lambda k: wechat_notification(k["provider"], event_type="REFUND.SUCCESS"),
     "wrong_event"),
    (lambda k: ({}, b"{}"), "bad_signature"),
])
def test_wechat_notification_refused(wechat, keys, make: Callable[[Any], Any], reason: str):
    """GIVEN a WeChat Pay notification signed by a stranger, naming an unknown key id,
    encrypted with another API v3 key, of another merchant, about a refund, or bare
    WHEN central reads it
    THEN it is refused with central's reason."""
    headers, body = make(keys)
    with pytest.raises(BadNotification) as refused:
        wechat.parse_notification(headers, body)
    assert refused.value.reason == reason


def test_wechat_notification_altered_after_signing_is_refused(wechat, keys):
    """GIVEN a genuine notification whose body was changed in transit
    WHEN central reads it
    THEN the signature no longer verifies."""
    headers, body = wechat_notification(keys["provider"])
    with pytest.raises(BadNotification, match="bad_signature"):
        wechat.parse_notification(headers, body.replace(b"REFUND", b"X").replace(
            b'"summary"', b'"summary2"'))


# --- UnionPay --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def unionpay(keys: dict[str, rsa.RSAPrivateKey]) -> UnionPayClient:
    return UnionPayClient(base_url="http://127.0.0.1:9", mer_id="777290058110048",
                          cert_id="69629715588",
                          merchant_private_key=_private_pem(keys["merchant"]).encode(),
                          unionpay_public_key=_public_pem(keys["provider"]).encode())


def unionpay_notification(key: rsa.RSAPrivateKey, **changes: str) -> bytes:
    fields = {"version": "5.1.0", "encoding": "UTF-8", "signMethod": "01",
              "certId": "69629715588", "txnType": "01", "txnSubType": "07",
              "bizType": "000000", "accessType": "0", "merId": "777290058110048",
              "orderId": "Q260115ABCDEF012345", "txnTime": "20260115103000",
              "txnAmt": "12896", "currencyCode": "156", "queryId": "762601151031020000001",
              "respCode": "00", "respMsg": "success", "traceTime": "0115103102",
              **changes}
    return urlencode({**fields, "signature": sign_fields(fields, key)}).encode()


def test_unionpay_notification_signed_by_unionpay_is_read(unionpay, keys):
    """GIVEN a UnionPay notification signed as acpsdk 5.1.0 signs (SHA-256 hex, then
    RSA-SHA256) with UnionPay's key
    WHEN central reads it
    THEN it names the order, PAID, the query id and 12896 fen."""
    read = unionpay.parse_notification({}, unionpay_notification(keys["provider"]))
    assert (read.out_trade_no, read.state, read.provider_txn_id, read.amount_fen) == (
        "Q260115ABCDEF012345", QrState.PAID, "762601151031020000001", 12896)
    assert read.paid_at is not None and read.paid_at.strftime("%m%d%H%M%S") == "0115103102"


@pytest.mark.parametrize(("body", "reason"), [
    (lambda k: unionpay_notification(k["stranger"]), "bad_signature"),
    (lambda k: unionpay_notification(k["provider"]).replace(b"txnAmt=12896", b"txnAmt=12897"),
     "bad_signature"),
    (lambda k: unionpay_notification(k["provider"], merId="777290058119999"), "unknown_app"),
    (lambda k: unionpay_notification(k["provider"], respCode="51"), "wrong_event"),
    (lambda k: unionpay_notification(k["provider"], signMethod="11"), "bad_signature"),
])
def test_unionpay_notification_refused(unionpay, keys, body: Callable[[Any], bytes],
                                       reason: str):
    """GIVEN a UnionPay notification signed by a stranger, altered, of another merchant,
    about a refused payment, or with another sign method
    WHEN central reads it
    THEN it is refused with central's reason."""
    with pytest.raises(BadNotification) as refused:
        unionpay.parse_notification({}, body(keys))
    assert refused.value.reason == reason
