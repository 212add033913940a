"""The free-text keyboard's layouts, as data: rows of keys (one character each, a space
for a gap in the kana grid), the rows with Shift where Shift changes more than the case,
the punctuation row, and how the keys' characters are typed (``method``):

- "plain": as they are (Latin with the language's accents, Cyrillic), lower case with a
  one-shot Shift for a capital;
- "hangul": jamo composed into syllables (kiosk.ui.input.hangul); Shift gives the tense
  consonants ㄲ ㄸ ㅃ ㅆ ㅉ and ㅒ ㅖ;
- "kana": the gojūon grid, columns あかさたなはまやらわ, with ゛ ゜ and small kana
  (kiosk.ui.input.kana) and a hiragana/katakana toggle;
- "pinyin": Latin letters into a buffer, characters chosen from candidates
  (kiosk.ui.input.pinyin).

Each UI language starts on its own layout; the switch key goes through the others,
Latin always among them (layouts_for)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Method = Literal["plain", "hangul", "kana", "pinyin"]
DIGITS = "1234567890"
LATIN_PUNCTUATION = ".,;:?!'()/-"


@dataclass(frozen=True)
class Layout:
    name: str
    label: str  # on the switch key, in its own script
    rows: tuple[str, ...]
    method: Method = "plain"
    shifted_rows: tuple[str, ...] = ()  # Shift's rows when it is more than upper case
    punctuation: str = LATIN_PUNCTUATION

    @property
    def case_shift(self) -> bool:
        """Shift makes capitals (Latin and Cyrillic letters)."""
        return self.method == "plain"

    @property
    def has_shift(self) -> bool:
        return self.case_shift or bool(self.shifted_rows)

    def characters(self) -> set[str]:
        """Every character a key of this layout types (tests check the fields take them)."""
        keys = ("".join(self.rows) + "".join(self.shifted_rows) + self.punctuation).replace(" ", "")
        return set(keys) | ({c.upper() for c in keys} if self.case_shift else set())


KANA_GRID = (  # one row per vowel, one column per consonant (あ か さ ... わ)
    "あかさたなはまやらわ",
    "いきしちにひみ り ",
    "うくすつぬふむゆるを",
    "えけせてねへめ れ ",
    "おこそとのほもよろん",
)

LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (
    Layout("latin", "ABC", (DIGITS, "qwertyuiop", "asdfghjkl", "zxcvbnm")),
    Layout("fr", "ÀÉÇ", (DIGITS, "azertyuiop", "qsdfghjklm", "wxcvbn", "éèêàâçùûôîïœ")),
    Layout("de", "ÄÖÜ", (DIGITS, "qwertzuiopü", "asdfghjklöä", "yxcvbnmß")),
    Layout("es", "ÑÁÉ", (DIGITS, "qwertyuiop", "asdfghjklñ", "zxcvbnm", "áéíóúü¿¡")),
    Layout("ru", "АБВ", (DIGITS, "йцукенгшщзх", "фывапролджэ", "ячсмитьбюъё")),
    Layout("ko", "한글", (DIGITS, "ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔ", "ㅁㄴㅇㄹㅎㅗㅓㅏㅣ", "ㅋㅌㅊㅍㅠㅜㅡ"),
           method="hangul",
           shifted_rows=(DIGITS, "ㅃㅉㄸㄲㅆㅛㅕㅑㅒㅖ", "ㅁㄴㅇㄹㅎㅗㅓㅏㅣ", "ㅋㅌㅊㅍㅠㅜㅡ")),
    Layout("ja", "かな", KANA_GRID, method="kana", punctuation="、。ー「」？！"),
    Layout("zh", "拼音", (DIGITS, "qwertyuiop", "asdfghjkl", "zxcvbnm"), method="pinyin",
           punctuation="，。、？！：；（）"),
)}

OWN_LAYOUT = {"en": "latin", "fr": "fr", "de": "de", "es": "es", "ru": "ru", "ko": "ko",
              "ja": "ja", "zh-Hans": "zh"}
LATIN_BASED = frozenset({"latin", "fr", "de", "es"})
OTHER_SCRIPTS = ("ru", "ko", "ja", "zh")


def layouts_for(lang: str) -> tuple[Layout, ...]:
    """The layouts the switch key goes through in ``lang``: its own first, then Latin
    (when its own is not Latin already), then the other scripts."""
    own = OWN_LAYOUT.get(lang, "latin")
    names = [own]
    if own not in LATIN_BASED:
        names.append("latin")
    names.extend(name for name in OTHER_SCRIPTS if name != own)
    return tuple(LAYOUTS[name] for name in names)
