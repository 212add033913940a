"""The free-text keyboards' input methods (kiosk.ui.input): Hangul syllables composed
as jamo are typed, kana marks and small kana, pinyin candidates from the packaged
table, and the layouts each language reaches."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from kiosk.services.forms import Kind, parse
from kiosk.ui.input.edit import Edit
from kiosk.ui.input.hangul import HangulComposer, compose, keystrokes
from kiosk.ui.input.kana import DAKUTEN, HANDAKUTEN, katakana, toggle_small, with_mark
from kiosk.ui.input.layouts import LAYOUTS, layouts_for
from kiosk.ui.input.pinyin import PinyinInput, candidates


def typed(composer: HangulComposer, jamo: str, text: str = "") -> str:
    for key in jamo:
        text = composer.type(key).apply(text)
    return text


@pytest.mark.parametrize(("jamo", "expected"), [
    ("ㅎㅏㄴㄱㅡㄹ", "한글"),
    ("ㅎㅏㄴㅏ", "하나"),  # the final moves to the next syllable before a vowel
    ("ㄷㅏㄹㄱ", "닭"),  # two consonants make one final
    ("ㄷㅏㄹㄱㅣ", "달기"),  # ... and the second moves on before a vowel
    ("ㅇㅗㅏ", "와"),  # two vowels make one
    ("ㄱㅗㅏㄴㄹㅣ", "관리"),
    ("ㅅㅏㄸㅏ", "사따"),  # ㄸ is never a final
    ("ㅏㅏ", "ㅏㅏ"),  # vowels alone stay jamo
])
def test_jamo_compose_into_syllables(jamo: str, expected: str) -> None:
    """GIVEN the Korean keyboard's composer
    WHEN jamo are typed one by one
    THEN the text holds the syllables they make, as a Korean keyboard writes them."""
    assert typed(HangulComposer(), jamo) == expected


SYLLABLES = st.integers(0xAC00, 0xD7A3).map(chr)


@given(st.lists(st.one_of(SYLLABLES, st.just(" ")), max_size=12).map("".join))
def test_any_hangul_text_is_typed_back_from_its_keys(text: str) -> None:
    """GIVEN any text of Hangul syllables and spaces
    WHEN its 2-set keystrokes are typed, the syllable finished at each space
    THEN the text comes out as it was (a final moved on is moved back by the vowel)."""
    composer = HangulComposer()
    typed_text = ""
    for key in keystrokes(text):
        if key == " ":
            composer.finish()
            typed_text += key
        else:
            typed_text = composer.type(key).apply(typed_text)
    assert typed_text == text
    assert keystrokes("한글 닭") == "ㅎㅏㄴㄱㅡㄹ ㄷㅏㄹㄱ"


def test_backspace_takes_back_one_jamo() -> None:
    """GIVEN 한글 typed as jamo
    WHEN Backspace is touched three times
    THEN each takes back one keystroke (한글 -> 한그 -> 한ㄱ -> 한), then the syllable is
    done and Backspace is the field's own."""
    composer = HangulComposer()
    text = typed(composer, "ㅎㅏㄴㄱㅡㄹ")
    seen = []
    for _ in range(3):
        edit = composer.backspace()
        assert edit is not None
        text = edit.apply(text)
        seen.append(text)
    assert seen == ["한그", "한ㄱ", "한"]
    assert composer.backspace() is None


def test_a_finished_syllable_is_not_recomposed() -> None:
    """GIVEN 한 typed, then the syllable finished (a space, another key)
    WHEN ㅏ is typed
    THEN it starts a new block and 한 keeps its final."""
    composer = HangulComposer()
    text = typed(composer, "ㅎㅏㄴ")
    composer.finish()
    assert typed(composer, "ㅏ", text) == "한ㅏ"


def test_compose_refuses_what_is_not_one_block() -> None:
    """GIVEN keystrokes that make no single Hangul block
    WHEN composed
    THEN there is no block (the composer starts a new one)."""
    assert compose(list("ㄱㅅ")) is None
    assert compose(list("ㅎㅏㄴㄱ")) is None
    assert compose(list("ㅎㅏㅏ")) is None


@pytest.mark.parametrize(("kana", "mark", "expected"), [
    ("か", DAKUTEN, "が"), ("は", HANDAKUTEN, "ぱ"), ("う", DAKUTEN, "ゔ"),
    ("が", DAKUTEN, "か"),  # the same mark again takes it off
    ("ば", HANDAKUTEN, "ぱ"),  # the other mark replaces it
    ("カ", DAKUTEN, "ガ"), ("ホ", HANDAKUTEN, "ポ"),
    ("あ", DAKUTEN, None), ("か", HANDAKUTEN, None),
])
def test_voicing_marks(kana: str, mark: str, expected: str | None) -> None:
    """GIVEN a kana just typed
    WHEN the ゛ or ゜ key is touched
    THEN the kana takes the mark (か + ゛ = が), loses it, or stays as it is."""
    assert with_mark(kana, mark) == expected


def test_small_kana_and_katakana() -> None:
    """GIVEN the kana keyboard
    WHEN 小 is touched after つ, and the katakana toggle is on
    THEN っ is typed (and つ again after a second touch); the keys type katakana."""
    assert toggle_small("つ") == "っ"
    assert toggle_small("っ") == "つ"
    assert toggle_small("ヨ") == "ョ"
    assert toggle_small("か") == "ゕ"
    assert toggle_small("ん") is None
    assert katakana("きゃんせる、") == "キャンセル、"


def test_pinyin_candidates_most_frequent_first() -> None:
    """GIVEN the packaged pinyin table
    WHEN zhong, shi and de are typed
    THEN 中, 是 and 的 come first (frequency order), and lü is typed as lv."""
    assert candidates("zhong")[0].text == "中"
    assert candidates("shi")[0].text == "是"
    assert candidates("de")[0].text == "的"
    assert "绿" in [c.text for c in candidates("lv")[:5]]


def test_pinyin_words_then_characters() -> None:
    """GIVEN zhongguo typed
    WHEN the candidates are shown and 中 is chosen rather than the word
    THEN 中国 comes first, then the characters of zhong; choosing 中 leaves guo, whose
    candidates (guo: 过, 国...) come next."""
    method = PinyinInput()
    for letter in "zhongguo":
        method.type(letter)
    shown = [c.text for c in method.shown()]
    assert shown[:2] == ["中国", "中"]
    assert method.choose(method.shown()[1]) == "中"
    assert method.buffer == "guo"
    guo = [c.text for c in method.shown()]
    assert "国" in guo[:3]
    assert method.choose(method.shown()[guo.index("国")]) == "国"
    assert method.buffer == "" and method.shown() == []


def test_pinyin_backspace_and_pages() -> None:
    """GIVEN shi typed
    WHEN the next page of candidates is asked for, and Backspace touched
    THEN another eight characters are shown; Backspace takes a letter off the buffer, and
    with the buffer empty it is the field's own."""
    method = PinyinInput(page_size=8)
    for letter in "shi":
        method.type(letter)
    first = [c.text for c in method.shown()]
    method.next_page()
    second = [c.text for c in method.shown()]
    assert len(second) == 8 and not set(first) & set(second)
    assert method.backspace() and method.buffer == "sh"
    method.clear()
    assert not method.backspace()


@pytest.mark.parametrize(("lang", "first", "then"), [
    ("ru", "ru", "latin"), ("ko", "ko", "latin"), ("ja", "ja", "latin"),
    ("zh-Hans", "zh", "latin"), ("fr", "fr", "ru"), ("de", "de", "ru"), ("es", "es", "ru"),
    ("en", "latin", "ru"),
])
def test_each_language_starts_on_its_own_layout(lang: str, first: str, then: str) -> None:
    """GIVEN a UI language
    WHEN the free-text keyboard's layouts are listed
    THEN its own comes first, Latin is reachable, and each layout is there once."""
    names = [layout.name for layout in layouts_for(lang)]
    assert names[:2] == [first, then]
    assert len(names) == len(set(names)) == 5
    assert any(name in ("latin", "fr", "de", "es") for name in names)


def test_accents_and_scripts_on_the_keys() -> None:
    """GIVEN the layouts
    WHEN their characters are listed
    THEN ä, é, ñ, ß, Cyrillic and Hangul jamo are there, and a free text takes them all."""
    assert {"ä", "ö", "ü", "ß"} <= LAYOUTS["de"].characters()
    assert {"é", "è", "ç", "É"} <= LAYOUTS["fr"].characters()
    assert {"ñ", "Ñ", "¿"} <= LAYOUTS["es"].characters()
    assert {"ж", "Ж", "ё"} <= LAYOUTS["ru"].characters()
    assert {"ㄲ", "ㅖ"} <= LAYOUTS["ko"].characters()
    for layout in LAYOUTS.values():
        text = "".join(sorted(layout.characters()))
        assert parse(Kind.LONG_TEXT, text) == text.strip()


def test_edit_applies_before_the_cursor() -> None:
    """GIVEN text and an input method's edit
    WHEN applied
    THEN it replaces the last characters."""
    assert Edit(1, "한").apply("하하") == "하한"
    assert Edit(0, "a").apply("") == "a"
