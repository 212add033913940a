"""Utility bills (docs/spec/bills.md#look-up): what central returns for an account and what
is paid."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kiosk.errors import ErrorCode, KioskError


@dataclass(frozen=True)
class Biller:
    """A biller offered at the kiosk (from configuration)."""

    id: str
    type: str  # WATER, ELECTRICITY, GAS, TELECOM
    name_zh: str
    name_en: str
    account_pattern: str
    account_example: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh-Hans" else self.name_en


@dataclass(frozen=True)
class Bill:
    id: str
    period: str  # "2026-10"
    amount: Decimal
    late_fee: Decimal
    due_date: date

    @property
    def total(self) -> Decimal:
        return self.amount + self.late_fee


@dataclass(frozen=True)
class BillAccount:
    """A biller account as central shows it: holder and address already masked."""

    biller_id: str
    account_no: str
    holder_masked: str  # "王*"
    address_masked: str  # "长宁区****"
    bills: tuple[Bill, ...]
    partial_allowed: bool = False
    lock_token: str | None = None  # holds the bills for this kiosk while the user pays

    @property
    def total_due(self) -> Decimal:
        return sum((b.total for b in self.bills), Decimal("0.00"))

    @property
    def late_fees(self) -> Decimal:
        return sum((b.late_fee for b in self.bills), Decimal("0.00"))

    @property
    def periods(self) -> str:
        return ", ".join(b.period for b in self.bills)


def normalize_account(account_no: str, pattern: str) -> str:
    """Strip spaces and check the biller's format; raises E_ACCOUNT_FORMAT."""
    cleaned = re.sub(r"[\s-]", "", account_no)
    if not re.fullmatch(pattern, cleaned):
        raise KioskError(ErrorCode.ACCOUNT_FORMAT,
                         "account number does not match the biller's format")
    return cleaned
