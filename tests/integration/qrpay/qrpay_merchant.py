"""A merchant's side of the three providers, written from the providers' published rules
(not from the simulator's code): what central does, small enough to read in a test.

Each client signs its requests with the merchant's key and checks every answer's
signature with the provider's public key, as central must. Settings come from the
simulator's central-payments.toml, as central reads them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.client
import json
import secrets
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

BEIJING = ZoneInfo("Asia/Shanghai")
TIMEOUT_S = 5.0


@functools.cache  # checking an RSA key takes 60 ms: once per file a test run is enough
def load_private(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def load_public(path: Path) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def verifies(key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def pairs(params: dict[str, str], *leave_out: str) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items())
                    if k not in leave_out and v != "")


class BadAnswerSignature(AssertionError):
    """The provider's answer is not signed by the provider's key."""


# -- Alipay ---------------------------------------------------------------------------------

class AlipayMerchant:
    def __init__(self, settings: dict[str, Any], folder: Path) -> None:
        self.gateway = settings["gateway"]
        self.app_id = settings["app_id"]
        self.key = load_private(folder / settings["app_private_key"])
        self.alipay_key = load_public(folder / settings["alipay_public_key"])

    def signed_params(self, method: str, biz: dict[str, Any],
                      notify_url: str = "") -> dict[str, str]:
        params = {"app_id": self.app_id, "method": method, "format": "JSON",
                  "charset": "utf-8", "sign_type": "RSA2",
                  "timestamp": datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
                  "version": "1.0", "notify_url": notify_url,
                  "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":"))}
        params = {k: v for k, v in params.items() if v}
        params["sign"] = sign(self.key, pairs(params).encode())
        return params

    def call(self, method: str, biz: dict[str, Any], notify_url: str = "", *,
             post: bool = False, params: dict[str, str] | None = None,
             timeout_s: float = TIMEOUT_S) -> dict[str, Any]:
        """The ``<method>_response`` object; its signature checked when it has one (a
        gateway error has none: returned with ``"signed": False``)."""
        params = params or self.signed_params(method, biz, notify_url)
        encoded = urllib.parse.urlencode(params)
        if post:
            request = urllib.request.Request(self.gateway, data=encoded.encode(), headers={
                "Content-Type": "application/x-www-form-urlencoded;charset=utf-8"})
        else:
            request = urllib.request.Request(f"{self.gateway}?{encoded}")
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            text = response.read().decode("utf-8")
        document = json.loads(text)
        key = next(iter(document))  # the response object comes first
        start = text.index(f'"{key}":') + len(key) + 3
        _, end = json.JSONDecoder().raw_decode(text, start)
        content: dict[str, Any] = json.loads(text[start:end])
        if "sign" not in document:
            return {**content, "signed": False, "key": key}
        if not verifies(self.alipay_key, text[start:end].encode(), document["sign"]):
            raise BadAnswerSignature(f"alipay answer to {method}")
        return {**content, "key": key}

    def notification_verifies(self, form: dict[str, str]) -> bool:
        return verifies(self.alipay_key, pairs(form, "sign", "sign_type").encode(),
                        form.get("sign", ""))


# -- WeChat Pay -----------------------------------------------------------------------------

@dataclass
class WeChatAnswer:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> dict[str, Any]:
        content: dict[str, Any] = json.loads(self.text)
        return content


class WeChatMerchant:
    def __init__(self, settings: dict[str, Any], folder: Path) -> None:
        self.base_url = settings["base_url"]
        self.mchid = settings["mchid"]
        self.appid = settings["appid"]
        self.serial = settings["merchant_serial_no"]
        self.key = load_private(folder / settings["merchant_private_key"])
        self.apiv3_key = (folder / settings["apiv3_key_file"]).read_text().strip()
        self.platform_key = load_public(folder / settings["wechatpay_public_key"])
        self.public_key_id = settings["wechatpay_public_key_id"]

    def authorization(self, method: str, target: str, body: str) -> str:
        stamp, nonce = str(int(time.time())), secrets.token_hex(16).upper()
        signature = sign(self.key, f"{method}\n{target}\n{stamp}\n{nonce}\n{body}\n".encode())
        return (f'WECHATPAY2-SHA256-RSA2048 mchid="{self.mchid}",nonce_str="{nonce}",'
                f'signature="{signature}",timestamp="{stamp}",serial_no="{self.serial}"')

    def request(self, method: str, target: str, body: dict[str, Any] | None = None, *,
                tamper: bool = False, verify: bool = True,
                timeout_s: float = TIMEOUT_S) -> WeChatAnswer:
        text = json.dumps(body) if body is not None else ""
        headers = {"Authorization": self.authorization(method, target, text),
                   "Accept": "application/json", "Content-Type": "application/json"}
        if tamper:
            text = text.replace("1", "2", 1)
        request = urllib.request.Request(self.base_url + target, method=method,
                                         data=text.encode() if body is not None else None,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                answer = WeChatAnswer(response.status, dict(response.headers),
                                      response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            answer = WeChatAnswer(exc.code, dict(exc.headers), exc.read().decode("utf-8"))
        if verify and not self.signed_by_wechat(answer.headers, answer.text):
            raise BadAnswerSignature(f"wechat answer to {method} {target}")
        return answer

    def signed_by_wechat(self, headers: dict[str, str], body: str) -> bool:
        if headers.get("Wechatpay-Serial") != self.public_key_id:
            return False
        if headers.get("Wechatpay-Signature-Type") != "WECHATPAY2-SHA256-RSA2048":
            return False
        message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{body}\n"
        return verifies(self.platform_key, message.encode(), headers["Wechatpay-Signature"])

    def decrypt(self, resource: dict[str, str]) -> dict[str, Any]:
        assert resource["algorithm"] == "AEAD_AES_256_GCM"
        plain = AESGCM(self.apiv3_key.encode()).decrypt(
            resource["nonce"].encode(), base64.b64decode(resource["ciphertext"]),
            resource["associated_data"].encode())
        content: dict[str, Any] = json.loads(plain)
        return content


# -- UnionPay -------------------------------------------------------------------------------

def unionpay_digest(fields: dict[str, str]) -> bytes:
    return hashlib.sha256(pairs(fields, "signature").encode()).hexdigest().encode()


class UnionPayMerchant:
    def __init__(self, settings: dict[str, Any], folder: Path) -> None:
        self.base_url = settings["base_url"]
        self.mer_id = settings["mer_id"]
        self.cert_id = settings["cert_id"]
        self.key = load_private(folder / settings["merchant_private_key"])
        self.unionpay_key = load_public(folder / settings["unionpay_public_key"])

    @staticmethod
    def now() -> str:
        return datetime.now(BEIJING).strftime("%Y%m%d%H%M%S")

    def signed(self, fields: dict[str, str]) -> dict[str, str]:
        fields = {"version": "5.1.0", "encoding": "UTF-8", "signMethod": "01",
                  "certId": self.cert_id, "merId": self.mer_id, "accessType": "0",
                  "bizType": "000000", "channelType": "08", **fields}
        fields["signature"] = sign(self.key, unionpay_digest(fields))
        return fields

    def post(self, path: str, fields: dict[str, str], *,
             signed_fields: dict[str, str] | None = None) -> dict[str, str]:
        body = urllib.parse.urlencode(signed_fields or self.signed(fields)).encode()
        with urllib.request.urlopen(self.base_url + path, body, timeout=TIMEOUT_S) as response:
            text = response.read().decode("utf-8")
        answer = dict(part.split("=", 1) for part in text.split("&"))
        if not self.verifies(answer):
            raise BadAnswerSignature(f"unionpay answer to {path}")
        return answer

    def verifies(self, fields: dict[str, str]) -> bool:
        return verifies(self.unionpay_key, unionpay_digest(fields), fields.get("signature", ""))

    def back(self, **fields: str) -> dict[str, str]:
        return self.post("/gateway/api/backTransReq.do",
                         {"currencyCode": "156", **fields})

    def query(self, order_id: str, txn_time: str) -> dict[str, str]:
        return self.post("/gateway/api/queryTrans.do", {
            "txnType": "00", "txnSubType": "00", "orderId": order_id, "txnTime": txn_time})


@dataclass
class Merchant:
    alipay: AlipayMerchant
    wechat: WeChatMerchant
    unionpay: UnionPayMerchant


def merchant_from(settings_file: Path) -> Merchant:
    settings = tomllib.loads(settings_file.read_text(encoding="utf-8"))
    folder = settings_file.parent
    return Merchant(AlipayMerchant(settings["alipay"], folder),
                    WeChatMerchant(settings["wechat"], folder),
                    UnionPayMerchant(settings["unionpay"], folder))


def dropped(error: BaseException) -> bool:
    """Whether a request failed because the connection closed with no answer."""
    return isinstance(error, http.client.RemoteDisconnected | ConnectionResetError) or (
        isinstance(error, urllib.error.URLError)
        and isinstance(error.reason, http.client.RemoteDisconnected | ConnectionResetError))
