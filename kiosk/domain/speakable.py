"""Text as the audio mode says it (docs/accessibility.md): an amount as a number and the
currency's name in the person's language ("1234.50 Chinese yuan", not "C N yen one comma
two three four"), a reference or a long number character by character ("B P 2 0 2 6",
not "two thousand and twenty-six"). Pure: the UI gives it what the screen shows."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_name, get_decimal_symbol, parse_decimal

from kiosk.domain.languages import language
from kiosk.domain.money import CNY

# What format_money writes for the yuan in the 8 locales, and what people type or print.
_CURRENCY = r"(?:CN¥|CNY|RMB|¥|￥|元)"
# Digits with any locale's grouping (",", ".", spaces) and up to two decimals.
_NUMBER = r"\d{1,3}(?:[,.\u00a0\u202f ']\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
# A reference, code or account number: six or more capitals, digits and hyphens with at
# least one digit, not inside a longer word (CJK text around it is no word here).
# A date (2026-10, 2026-10-07) is no reference: the voice reads it as numbers.
_REFERENCE = (r"(?<![A-Za-z0-9])(?!\d{4}-\d{2}(?:-\d{2})?(?![A-Za-z0-9-]))"
              r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,}[A-Z0-9](?![A-Za-z0-9])")
_PATTERN = re.compile(
    rf"{_CURRENCY}\s?(?P<before>{_NUMBER})|(?P<after>{_NUMBER})\s?{_CURRENCY}"
    rf"|(?P<reference>{_REFERENCE})")


def speakable(text: str, lang: str) -> str:
    """``text`` with its amounts and references written the way a voice should say them."""
    locale = language(lang).locale

    def say(match: re.Match[str]) -> str:
        number = match.group("before") or match.group("after")
        if number is not None:
            return speakable_amount(number, locale) or match.group(0)
        return spell(match.group("reference"))

    return _PATTERN.sub(say, text)


def speakable_amount(number: str, locale: str) -> str | None:
    """"1,234.50" in ``locale`` -> "1234.50 Chinese yuan" (no grouping: a voice reads
    a group separator as a pause or a word); whole yuan without ".00". None when the
    digits are no number in that locale."""
    try:
        amount = parse_decimal(number.replace("\u202f", "\u00a0").replace(" ", "\u00a0"),
                               locale=locale)
    except (ValueError, InvalidOperation, ArithmeticError):
        return None
    whole = amount == amount.to_integral_value()
    digits = str(int(amount)) if whole else f"{amount.quantize(Decimal('0.01'))}"
    digits = digits.replace(".", get_decimal_symbol(locale))
    name = get_currency_name(CNY, count=int(amount) if whole else amount, locale=locale)
    return f"{digits} {name}"


def spell(reference: str) -> str:
    """Character by character: "BP-2026" -> "B P, 2 0 2 6" (a hyphen is a pause)."""
    return ", ".join(" ".join(part) for part in reference.split("-") if part)
