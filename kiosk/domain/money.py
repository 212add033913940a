"""Money: CNY as Decimal with two places; fen (cents) on device wires; Babel to show it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency

from kiosk.domain.languages import language

CNY = "CNY"
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # decimal(12,2)


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text: str) -> Decimal:
    """Parse a typed amount such as "128.5"; raises ValueError unless 0 < amount with at
    most two decimal places."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    if not value.is_finite() or value <= 0 or value > MAX_AMOUNT:
        raise ValueError(f"amount out of range: {text!r}")
    if value != value.quantize(CENT):
        raise ValueError(f"more than two decimal places: {text!r}")
    return quantize(value)


def to_fen(amount: Decimal) -> int:
    return int(quantize(amount) * 100)


def from_fen(fen: int) -> Decimal:
    return quantize(Decimal(fen) / 100)


def format_money(amount: Decimal, lang: str, currency: str = CNY) -> str:
    """Locale-aware amount with the currency always shown: "CN¥128.50", "128,50 CNY"."""
    return format_currency(quantize(amount), currency, locale=language(lang).locale)
