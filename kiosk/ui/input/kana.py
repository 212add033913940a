"""Kana typed on the gojūon grid: the voicing marks (か + ゛ = が, は + ゜ = ぱ), small
kana (つ -> っ) and katakana. The marks compose by Unicode normalisation (a kana and
the combining mark U+3099 or U+309A make one precomposed character, NFC), so no table
of voiced kana is kept by hand; a kana that takes no mark is left as it is."""

from __future__ import annotations

import unicodedata

DAKUTEN, HANDAKUTEN = "\u3099", "\u309a"  # combining voiced / semi-voiced marks
SMALL = dict(zip("あいうえおつやゆよわかけアイウエオツヤユヨワカケ",
                 "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ", strict=True))
HIRAGANA_FIRST, HIRAGANA_LAST = 0x3041, 0x3096
KATAKANA_OFFSET = 0x60  # ア is あ + 0x60, through ヶ


def _marked(kana: str, mark: str) -> str | None:
    composed = unicodedata.normalize("NFC", kana + mark)
    return composed if len(composed) == 1 else None


def _base(kana: str) -> str:
    """The kana without its mark (が -> か), or itself."""
    return unicodedata.normalize("NFD", kana)[0]


def with_mark(kana: str, mark: str) -> str | None:
    """``kana`` with the mark ``mark`` (DAKUTEN or HANDAKUTEN); with the same mark again,
    the bare kana (が + ゛ = か, as phone keyboards toggle); None if it takes no mark."""
    base = _base(kana)
    if base != kana and _marked(base, mark) == kana:
        return base
    return _marked(base, mark)


def toggle_small(kana: str) -> str | None:
    """つ -> っ and back; None for a kana with no small form."""
    if kana in SMALL:
        return SMALL[kana]
    return next((large for large, small in SMALL.items() if small == kana), None)


def katakana(text: str) -> str:
    """Hiragana in ``text`` as katakana (the keys' labels and what they type)."""
    return "".join(chr(ord(c) + KATAKANA_OFFSET) if HIRAGANA_FIRST <= ord(c) <= HIRAGANA_LAST
                   else c for c in text)
