"""The merchant's provider settings: the file ``kiosk-central serve --payments FILE``
names (TOML, key files named relative to it). Only central reads it; a kiosk never
holds a merchant key.

    [alipay]
    gateway = "https://openapi.alipay.com/gateway.do"
    app_id = "..."
    app_private_key = "alipay-app-private.pem"
    alipay_public_key = "alipay-public.pem"
    [wechat]
    base_url = "https://api.mch.weixin.qq.com"
    mchid = "..."   appid = "..."   merchant_serial_no = "..."
    merchant_private_key = "wechat-merchant-private.pem"
    apiv3_key_file = "wechat-apiv3.key"
    wechatpay_public_key = "wechat-platform-public.pem"
    wechatpay_public_key_id = "PUB_KEY_ID_..."
    [unionpay]
    base_url = "https://gateway.95516.com"
    mer_id = "..."   cert_id = "..."
    merchant_private_key = "unionpay-merchant-private.pem"
    unionpay_public_key = "unionpay-public.pem"

A provider whose section is missing is not offered (its orders answer E_QR_UNAVAILABLE).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from central.payments.alipay import AlipayClient
from central.payments.providers import PROVIDER_TIMEOUT_S, QrProviderClient
from central.payments.unionpay import UnionPayClient
from central.payments.wechat import WeChatClient
from kiosk.domain.qr import QrProvider

REQUIRED: dict[QrProvider, tuple[str, ...]] = {
    QrProvider.ALIPAY: ("gateway", "app_id", "app_private_key", "alipay_public_key"),
    QrProvider.WECHAT: ("base_url", "mchid", "appid", "merchant_serial_no",
                        "merchant_private_key", "apiv3_key_file", "wechatpay_public_key",
                        "wechatpay_public_key_id"),
    QrProvider.UNIONPAY: ("base_url", "mer_id", "cert_id", "merchant_private_key",
                          "unionpay_public_key"),
}
BUILDERS: dict[QrProvider, Callable[[dict[str, Any], Path, float], QrProviderClient]] = {
    QrProvider.ALIPAY: AlipayClient.from_config,
    QrProvider.WECHAT: WeChatClient.from_config,
    QrProvider.UNIONPAY: UnionPayClient.from_config,
}


class PaymentsConfigError(ValueError):
    """The payments file cannot be used: the message names the file, section and key."""


def load_providers(path: Path, timeout_s: float = PROVIDER_TIMEOUT_S
                   ) -> dict[QrProvider, QrProviderClient]:
    """Every provider the file sets up, with its keys loaded (PaymentsConfigError);
    ``timeout_s``: how long central waits for a provider's answer."""
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PaymentsConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise PaymentsConfigError(f"{path}: not TOML ({exc})") from None
    unknown = sorted(set(settings) - {provider.value for provider in QrProvider})
    if unknown:
        raise PaymentsConfigError(f"{path}: unknown section [{unknown[0]}] "
                                  "(alipay, wechat, unionpay)")
    providers: dict[QrProvider, QrProviderClient] = {}
    for provider in QrProvider:
        section = settings.get(provider.value)
        if section is None:
            continue
        if not isinstance(section, dict):
            raise PaymentsConfigError(f"{path}: [{provider.value}] must be a table")
        missing = [key for key in REQUIRED[provider] if not section.get(key)]
        if missing:
            raise PaymentsConfigError(f"{path}: [{provider.value}] needs {missing[0]}")
        try:
            providers[provider] = BUILDERS[provider](section, path.parent, timeout_s)
        except OSError as exc:
            raise PaymentsConfigError(f"{path}: [{provider.value}]: a key file cannot be "
                                      f"read ({exc.strerror}: {exc.filename})") from None
        except Exception as exc:  # noqa: BLE001  # the SDKs raise bare Exception for a bad key
            raise PaymentsConfigError(f"{path}: [{provider.value}]: a key does not load "
                                      f"({type(exc).__name__})") from None
    return providers
