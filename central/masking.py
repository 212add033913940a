"""How central shows personal data to a kiosk: enough to recognise, not enough to misuse."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d+")


def mask_holder(name: str) -> str:
    """"王小明" -> "王*": the first character only."""
    name = name.strip()
    return f"{name[0]}*" if name else ""


def mask_address(address: str) -> str:
    """"长宁区仙霞路88号" -> "长宁区仙霞路***号": house and room numbers hidden; an address
    without numbers keeps its first three characters only."""
    address = address.strip()
    if _DIGITS.search(address):
        return _DIGITS.sub("***", address)
    return f"{address[:3]}****" if address else ""


def mask_account(account_no: str) -> str:
    """"3100012345" -> "******2345" (for operator listings)."""
    return "*" * max(0, len(account_no) - 4) + account_no[-4:]


def mask_middle(value: str, head: int, tail: int) -> str:
    """"93127619640812124X" (4, 2) -> "9312************4X"; too short to hide anything:
    all but the last character hidden."""
    if len(value) <= head + tail:
        return "*" * max(0, len(value) - 1) + value[-1:]
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_phone(phone: str) -> str:
    """"13812348000" -> "138****8000"."""
    return mask_middle(phone, 3, 4)
