"""The person's payment codes: the number an app shows to pay a merchant that scans.

A fresh code is issued on request (control line: ``code provider=...``), like the app
refreshing it; it works once, for its provider, for ``lifetime_s`` seconds. Shapes as the
apps show them: Alipay 25-30 then 16 digits (18), WeChat 10-15 then 16 digits (18),
UnionPay 62 then 17 digits (19).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from enum import StrEnum

from hardware.sim.qrpay.ledger import Provider

PREFIXES = {Provider.ALIPAY: tuple(range(25, 31)), Provider.WECHAT: tuple(range(10, 16)),
            Provider.UNIONPAY: (62,)}
LENGTHS = {Provider.ALIPAY: 18, Provider.WECHAT: 18, Provider.UNIONPAY: 19}
DEFAULT_LIFETIME_S = 60.0


class CodeProblem(StrEnum):
    INVALID = "code_invalid"  # never issued, or another provider's
    EXPIRED = "code_expired"
    USED = "code_used"


@dataclass
class _Issued:
    provider: Provider
    issued_at: float
    used: bool = False


class PaymentCodes:
    def __init__(self, lifetime_s: float = DEFAULT_LIFETIME_S) -> None:
        self.lifetime_s = lifetime_s
        self._codes: dict[str, _Issued] = {}
        self._lock = threading.Lock()

    def issue(self, provider: Provider) -> str:
        prefix = str(secrets.choice(PREFIXES[provider]))
        rest = LENGTHS[provider] - len(prefix)
        with self._lock:
            while True:
                code = prefix + f"{secrets.randbelow(10**rest):0{rest}d}"
                if code not in self._codes:
                    self._codes[code] = _Issued(provider, time.monotonic())
                    return code

    def use(self, provider: Provider, code: str, *, expired: bool = False) -> CodeProblem | None:
        """Spend ``code`` for ``provider``: None when it pays, else why it does not.
        ``expired`` (the code_expired fault) refuses a code that would have paid."""
        with self._lock:
            issued = self._codes.get(code)
            if issued is None or issued.provider is not provider:
                return CodeProblem.INVALID
            if issued.used:
                return CodeProblem.USED
            if expired or time.monotonic() - issued.issued_at > self.lifetime_s:
                return CodeProblem.EXPIRED
            issued.used = True
            return None
