"""Test cards of the payment simulator and the values it derives for each sale.

Every card is Luhn-valid; the table is repeated, with outcomes, in
docs/hardware/payment-terminal.md. Auth codes and RRNs are derived from a hash of the
reference so that a test sees the same values on every run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

TERMINAL_ID = "SHKT0001"  # 8 characters (ISO 8583 field 41)
MERCHANT_ID = "898310048160001"  # 15 characters (ISO 8583 field 42), a demo value


@dataclass(frozen=True)
class SimCard:
    """A card the simulator knows and what its issuer answers."""

    pan: str
    brand: str
    response_code: str  # what the issuer answers for this card ("00" approves)
    meaning: str


UNIONPAY_APPROVED = SimCard("6228480000031234", "UnionPay", "00", "approved (the default card)")
VISA_APPROVED = SimCard("4111111111111111", "Visa", "00", "approved")
INSUFFICIENT_FUNDS = SimCard("6222020000050051", "UnionPay", "51", "insufficient funds")
DO_NOT_HONOUR = SimCard("6227000000090005", "UnionPay", "05", "do not honour")
INVALID_CARD = SimCard("6214830000030014", "UnionPay", "14", "invalid card number")
EXPIRED_CARD = SimCard("6235010000080054", "UnionPay", "54", "expired card")
WRONG_PIN = SimCard("6225880000050055", "UnionPay", "55", "incorrect PIN")
ISSUER_UNAVAILABLE = SimCard("6217000000000200091", "UnionPay", "91",
                              "issuer unavailable (a 19-digit card)")

TEST_CARDS: tuple[SimCard, ...] = (
    UNIONPAY_APPROVED, VISA_APPROVED, INSUFFICIENT_FUNDS, DO_NOT_HONOUR, INVALID_CARD,
    EXPIRED_CARD, WRONG_PIN, ISSUER_UNAVAILABLE,
)
DECLINING_CARDS: tuple[SimCard, ...] = tuple(c for c in TEST_CARDS if c.response_code != "00")


def luhn_valid(pan: str) -> bool:
    """ISO/IEC 7812 check digit. Written out (six lines) because hardware/ may import
    device libraries only, not python-stdnum."""
    total = 0
    for index, char in enumerate(reversed(pan)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def card_brand(pan: str) -> str:
    """Brand from the IIN, for the brands a Shanghai kiosk sees."""
    if pan.startswith(("62", "81")):
        return "UnionPay"
    if pan.startswith("4"):
        return "Visa"
    if pan[:2] in ("51", "52", "53", "54", "55") or 2221 <= int(pan[:4]) <= 2720:
        return "Mastercard"
    if pan.startswith("35"):
        return "JCB"
    if pan.startswith(("34", "37")):
        return "American Express"
    return "Other"


def issuer_answer(pan: str, pin_ok: bool) -> str:
    """The response code the simulated issuer gives this card."""
    if not pin_ok:
        return "55"
    for card in TEST_CARDS:
        if card.pan == pan:
            return card.response_code
    return "00" if luhn_valid(pan) else "14"


def auth_code_for(reference: str) -> str:
    """6 digits, the same for the same reference on every run."""
    return f"{_hash_int('auth', reference) % 10**6:06d}"


def rrn_for(reference: str) -> str:
    """12 digits, the same for the same reference on every run."""
    return f"{_hash_int('rrn', reference) % 10**12:012d}"


def _hash_int(purpose: str, reference: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{purpose}:{reference}".encode()).digest()[:8], "big")
