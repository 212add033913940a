"""The three providers' signature rules, as the simulator makes and checks them.

- Alipay (RSA2): RSA-SHA256 over the parameters sorted by name as ``k=v&k=v`` (empty
  values left out), base64.
- WeChat Pay API v3: RSA-SHA256 over newline-terminated lines, base64; notifications'
  resources are AEAD_AES_256_GCM with the merchant's API v3 key.
- UnionPay acpsdk 5.1.0 (signMethod 01): RSA-SHA256 over the lower-case hex SHA-256 of
  the sorted ``k=v&k=v`` string (empty values left out), base64.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hardware.sim.qrpay.keys import PrivateKey, PublicKey


def rsa_sign(key: PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(key: PublicKey, message: bytes, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def sorted_pairs(params: Mapping[str, str], leave_out: Iterable[str]) -> str:
    """``k=v&k=v`` sorted by name, without the names in ``leave_out`` or empty values."""
    skipped = set(leave_out)
    return "&".join(f"{key}={params[key]}" for key in sorted(params)
                    if key not in skipped and params[key] != "")


def unionpay_digest(params: Mapping[str, str]) -> bytes:
    """What acpsdk 5.1.0 signs: the hex SHA-256 of the sorted pairs without signature."""
    text = sorted_pairs(params, ("signature",))
    return hashlib.sha256(text.encode("utf-8")).hexdigest().encode("ascii")


def wechat_message(*lines: str) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def aead_encrypt(apiv3_key: str, nonce: str, associated_data: str, plaintext: str) -> str:
    """WeChat Pay's AEAD_AES_256_GCM resource: base64 of ciphertext and tag."""
    sealed = AESGCM(apiv3_key.encode("utf-8")).encrypt(
        nonce.encode("utf-8"), plaintext.encode("utf-8"), associated_data.encode("utf-8"))
    return base64.b64encode(sealed).decode()
