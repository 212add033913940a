"""The simulator's keys directory: every key of the three providers and of the merchant,
the merchant's ids, and the settings file central reads (``central-payments.toml``).

Missing keys are generated at start (RSA 2048; WeChat's API v3 key, 32 characters) and
kept: a later start with the same directory finds the same keys, so central's settings
stay valid. Private keys and the API v3 key are written 0600. The ids are fixed (they
are the providers' sandbox-style numbers), except WeChat's merchant serial number and
UnionPay's certId, which are derived from the merchant's key as the real certificates'
serial numbers identify them.
"""

from __future__ import annotations

import functools
import hashlib
import os
import secrets
import string
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PrivateKey = rsa.RSAPrivateKey
PublicKey = rsa.RSAPublicKey
SETTINGS_FILE = "central-payments.toml"

ALIPAY_APP_ID = "2021000000000001"
WECHAT_MCHID = "1900000001"
WECHAT_APPID = "wx00000000000000a1"
WECHAT_PUBLIC_KEY_ID = "PUB_KEY_ID_0000000000000001"
UNIONPAY_MER_ID = "777290058110048"
APIV3_KEY_FILE = "wechat-apiv3.key"

# (merchant's key, provider's key) file stems per provider: "<stem>-private.pem" and
# "<stem>-public.pem". The names central reads are the ones in central-payments.toml.
KEY_STEMS = {
    "alipay": ("alipay-app", "alipay"),
    "wechat": ("wechat-merchant", "wechat-platform"),
    "unionpay": ("unionpay-merchant", "unionpay"),
}


@dataclass(frozen=True)
class KeyPair:
    private: PrivateKey
    public: PublicKey


@dataclass(frozen=True)
class ProviderKeys:
    """One provider's two key pairs: the merchant's (central signs with its private key,
    the simulator verifies with its public key) and the provider's own."""

    merchant: KeyPair
    provider: KeyPair


@dataclass(frozen=True)
class SimulatorKeys:
    directory: Path
    alipay: ProviderKeys
    wechat: ProviderKeys
    unionpay: ProviderKeys
    apiv3_key: str

    @property
    def wrong(self) -> KeyPair:
        """The key the bad_signature fault signs with: nobody's, made once a process."""
        return _wrong_key()

    @property
    def wechat_merchant_serial(self) -> str:
        """40 upper-case hex digits, like a merchant API certificate's serial number."""
        return _fingerprint(self.wechat.merchant.public).hex().upper()

    @property
    def unionpay_cert_id(self) -> str:
        """The merchant signing certificate's id: a decimal serial number."""
        return str(int.from_bytes(_fingerprint(self.unionpay.merchant.public)[:8], "big"))


@functools.cache
def _wrong_key() -> KeyPair:
    return new_key()


def _fingerprint(key: PublicKey) -> bytes:
    der = key.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha1(der, usedforsecurity=False).digest()


def new_key() -> KeyPair:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return KeyPair(private, private.public_key())


def _write_private(path: Path, data: bytes) -> None:
    """Create or replace ``path`` with mode 0600 from the start: never readable by others."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)  # an existing file keeps its mode through O_TRUNC


def private_pem(key: PrivateKey) -> bytes:
    # PKCS#8 ("BEGIN PRIVATE KEY"): what wechatpayv3 and python-alipay-sdk both load.
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_pem(key: PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def _pair(directory: Path, stem: str) -> KeyPair:
    """The pair in ``<stem>-private.pem`` / ``<stem>-public.pem``, made if missing."""
    private_path = directory / f"{stem}-private.pem"
    public_path = directory / f"{stem}-public.pem"
    if private_path.exists():
        # The RSA consistency check takes 60 ms a key, most of a start; these are the
        # simulator's own keys, and a broken one fails at its first signature anyway.
        loaded = serialization.load_pem_private_key(private_path.read_bytes(), password=None,
                                                    unsafe_skip_rsa_key_validation=True)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError(f"{private_path}: not an RSA private key")
        pair = KeyPair(loaded, loaded.public_key())
    else:
        pair = new_key()
        _write_private(private_path, private_pem(pair.private))
    if not public_path.exists() or public_path.read_bytes() != public_pem(pair.public):
        public_path.write_bytes(public_pem(pair.public))
    return pair


def _apiv3_key(directory: Path) -> str:
    path = directory / APIV3_KEY_FILE
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
        if len(key) != 32:
            raise ValueError(f"{path}: the API v3 key is 32 characters, not {len(key)}")
        return key
    alphabet = string.ascii_letters + string.digits
    key = "".join(secrets.choice(alphabet) for _ in range(32))
    _write_private(path, key.encode("ascii") + b"\n")
    return key


def load_or_create(directory: Path) -> SimulatorKeys:
    """Every key in ``directory`` (created 0700 if missing), generating what is not there."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    providers = {name: ProviderKeys(_pair(directory, merchant), _pair(directory, provider))
                 for name, (merchant, provider) in KEY_STEMS.items()}
    return SimulatorKeys(directory=directory, apiv3_key=_apiv3_key(directory), **providers)


def central_settings(keys: SimulatorKeys, port: int, host: str = "127.0.0.1") -> str:
    """The text of central-payments.toml for a simulator listening on ``host:port``."""
    base = f"http://{host}:{port}"
    return f"""\
# Written by `kiosk sim qrpay --keys DIR`: central's merchant settings for this simulator.
[alipay]
gateway = "{base}/gateway.do"
app_id = "{ALIPAY_APP_ID}"
app_private_key = "alipay-app-private.pem"
alipay_public_key = "alipay-public.pem"
[wechat]
base_url = "{base}"
mchid = "{WECHAT_MCHID}"
appid = "{WECHAT_APPID}"
merchant_serial_no = "{keys.wechat_merchant_serial}"
merchant_private_key = "wechat-merchant-private.pem"
apiv3_key_file = "{APIV3_KEY_FILE}"
wechatpay_public_key = "wechat-platform-public.pem"
wechatpay_public_key_id = "{WECHAT_PUBLIC_KEY_ID}"
[unionpay]
base_url = "{base}"
mer_id = "{UNIONPAY_MER_ID}"
cert_id = "{keys.unionpay_cert_id}"
merchant_private_key = "unionpay-merchant-private.pem"
unionpay_public_key = "unionpay-public.pem"
"""


def write_central_settings(keys: SimulatorKeys, port: int, host: str = "127.0.0.1") -> Path:
    """Write ``DIR/central-payments.toml`` (atomically: central may be reading it)."""
    path = keys.directory / SETTINGS_FILE
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(central_settings(keys, port, host), encoding="utf-8")
    os.replace(temporary, path)
    return path
