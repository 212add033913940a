"""What the audio mode says for amounts and references (kiosk.domain.speakable)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.domain.money import format_money
from kiosk.domain.speakable import speakable, spell

AMOUNTS = {  # the screen's own amount (format_money) -> what the voice says
    "en": ("1234.50 Chinese yuan", "12 Chinese yuan"),
    "zh-Hans": ("1234.50 人民币", "12 人民币"),
    "ru": ("1234,50 китайского юаня", "12 китайских юаней"),
}


@pytest.mark.parametrize("lang", sorted(AMOUNTS))
def test_an_amount_is_read_as_a_number_with_the_currency_named(lang: str) -> None:
    """GIVEN amounts as the screens show them (grouped, with the locale's symbol)
    WHEN they are made speakable in the person's language
    THEN each is one plain number (no grouping, no ".00") and the yuan by its name"""
    fraction, whole = AMOUNTS[lang]
    text = f"{format_money(Decimal('1234.50'), lang)} / {format_money(Decimal('12'), lang)}"
    assert speakable(text, lang) == f"{fraction} / {whole}"


@pytest.mark.parametrize(("lang", "text", "said"), [
    ("en", "Your reference: BP-20261207-0042.", "Your reference: B P, 2 0 2 6 1 2 0 7, 0 0 4 2."),
    ("zh-Hans", "参考号BP20261207，户号310012345678。",
     "参考号B P 2 0 2 6 1 2 0 7，户号3 1 0 0 1 2 3 4 5 6 7 8。"),
    ("ru", "Номер счёта 310012345678", "Номер счёта 3 1 0 0 1 2 3 4 5 6 7 8"),
])
def test_a_reference_is_read_character_by_character(lang: str, text: str, said: str) -> None:
    """GIVEN a reference or an account number in a sentence, also between CJK characters
    WHEN the sentence is made speakable
    THEN its characters are read one by one, a hyphen as a pause"""
    assert speakable(text, lang) == said


def test_short_numbers_and_words_are_left_as_they_are() -> None:
    """GIVEN a step count, a year, dates and capitalised words
    WHEN made speakable
    THEN nothing changes: only amounts and references are rewritten"""
    text = "Step 2 of 4. Year 2026. Bill for 2026-10, due 2026-11-07. PRINT YOUR RECORD"
    assert speakable(text, "en") == text
    assert spell("A-1") == "A, 1"
