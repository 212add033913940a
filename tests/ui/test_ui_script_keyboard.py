"""The free-text keyboard on its own, in the real (offscreen) window of the session App:
touches on its keys, into a real TextInput."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.textinput import TextInput

from kiosk.ui.driver import Driver
from kiosk.ui.script_keyboard import ScriptKeyboard
from kiosk.ui.walkthrough import press

pytestmark = pytest.mark.ui


@pytest.fixture
def typing(driver: Driver) -> Iterator[tuple[ScriptKeyboard, TextInput]]:
    """A field and the keyboard under it, filling the window."""
    box = BoxLayout(orientation="vertical")
    field = TextInput(multiline=True, keyboard_mode="managed", font_name=driver.app.font_name)
    keyboard = ScriptKeyboard(lang="ja", spacing=10, size_hint_y=None, height=560)
    keyboard.target = field
    box.add_widget(field)
    box.add_widget(keyboard)
    Window.add_widget(box)
    try:
        driver.pump(2)
        yield keyboard, field
    finally:
        keyboard.target = None
        Window.remove_widget(box)


def touch(keyboard: ScriptKeyboard, *keys: str) -> None:
    """Touch the keys labelled so on the layout shown (by label: ゛, 中...)."""
    for label in keys:
        found = [k for row in keyboard.children[0].children for k in row.children
                 if getattr(k, "text", None) == label]
        assert found, f"no key labelled {label!r} on {keyboard.layout.name}"
        press(found[0])


def test_kana_marks_small_kana_and_katakana_by_touch(typing: tuple[ScriptKeyboard, TextInput],
                                                      driver: Driver) -> None:
    """GIVEN the keyboard in Japanese, on the kana grid
    WHEN か ゛, は ゜, つ 小, then カナ and か ゛ are touched
    THEN the field says がぱっガ; the switch key names Latin next (ABC)."""
    keyboard, field = typing
    assert keyboard.layout.name == "ja" and keyboard.switch_key.text == "ABC"
    touch(keyboard, "か", "゛", "は", "゜", "つ", "小", "カナ", "カ", "゛")
    assert field.text == "がぱっガ"


def test_pinyin_candidates_by_touch(typing: tuple[ScriptKeyboard, TextInput],
                                    driver: Driver) -> None:
    """GIVEN the keyboard in Chinese
    WHEN z h o n g g u o are touched, then the candidate 中, then Space, then ren and 。
    THEN the letters wait above the keys (nothing in the field) with 中国 and 中 first;
    中 types 中 and leaves guo, whose first candidate Space types; 。 types the first
    candidate of ren (人), then itself."""
    keyboard, field = typing
    keyboard.lang = "zh-Hans"
    touch(keyboard, *"zhongguo")
    assert field.text == "" and keyboard.buffer == "zhongguo"
    assert [k.text for k in keyboard.candidate_keys][:2] == ["中国", "中"]
    press(keyboard.candidate_keys[1])
    assert field.text == "中" and keyboard.buffer == "guo"
    guo = [k.text for k in keyboard.candidate_keys]
    touch(keyboard, "␣")
    assert field.text == "中" + guo[0] and keyboard.buffer == ""
    touch(keyboard, *"ren", "。")
    assert field.text == "中" + guo[0] + "人。"


def test_hangul_composes_and_backspace_takes_back_a_jamo(
        typing: tuple[ScriptKeyboard, TextInput], driver: Driver) -> None:
    """GIVEN the keyboard in Korean
    WHEN ㅎ ㅏ ㄴ ㄱ ㅡ ㄹ are touched, then Backspace, then Shift and ㅅ, then ㅏ
    THEN 한글 is composed, Backspace leaves 한그, Shift gives ㅆ as the final (한긌), and
    the vowel takes it on to the next syllable (한그싸)."""
    keyboard, field = typing
    keyboard.lang = "ko"
    touch(keyboard, *"ㅎㅏㄴㄱㅡㄹ")
    assert field.text == "한글"
    press(next(k for row in keyboard.children[0].children for k in row.children
               if getattr(k, "key", "") == "back"))
    assert field.text == "한그"
    press(keyboard.shift_key)
    touch(keyboard, "ㅆ", "ㅏ")
    assert field.text == "한그싸"


def test_accents_capitals_and_switching(typing: tuple[ScriptKeyboard, TextInput],
                                        driver: Driver) -> None:
    """GIVEN the keyboard in German
    WHEN Shift and ü, then ß, are touched, and the switch key four times
    THEN the field says Üß; the layouts go QWERTZ, then Cyrillic, Hangul, kana and pinyin,
    each key naming the next."""
    keyboard, field = typing
    keyboard.lang = "de"
    press(keyboard.shift_key)
    touch(keyboard, "Ü", "ß")
    assert field.text == "Üß"
    seen = [keyboard.layout.name]
    for _ in range(4):
        press(keyboard.switch_key)
        seen.append(keyboard.layout.name)
    assert seen == ["de", "ru", "ko", "ja", "zh"]
