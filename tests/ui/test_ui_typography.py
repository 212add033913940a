"""Typography on the real screens (docs/ui-guide.md, "Type"): lines broken by the
language's rules, each script in its own face, and large text that is never shrunk."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kivy.core.window import Window
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.devtools.loopback import System
from kiosk.domain.linebreak import NO_LINE_END, NO_LINE_START
from kiosk.ui import theme
from kiosk.ui.driver import Driver
from kiosk.ui.fitting import widest_unit
from kiosk.ui.fonts import LATIN_FILES, font_name
from kiosk.ui.icons import icon
from kiosk.ui.walkthrough import start_service
from kiosk.ui.widgets import Footer, KButton

pytestmark = pytest.mark.ui

PHRASES = ("キャンセル", "はい、本人です")  # issue 15's examples, never split across lines
NARROW = (1.0, 0.6, 0.4)  # each label as laid out, and squeezed to these parts of its width


def visible_labels(root: Widget) -> Iterator[Label]:
    for widget in root.walk(restrict=True):
        if isinstance(widget, Label) and str(widget.text).strip() and widget.opacity > 0 \
                and widget.width > 0:
            yield widget


def drawn_lines(label: Label) -> list[str]:
    """The lines Kivy drew for ``label`` (after its texture is up to date)."""
    label.texture_update()
    return ["".join(word.text for word in line.words) for line in label._label._cached_lines]


def breaking_problems(label: Label) -> list[str]:
    """How ``label``'s lines break the rules, as laid out and squeezed narrower (as far
    as a line still holds its longest phrase, which the fitting makes sure of)."""
    problems = []
    width, text_size = label.width, label.text_size
    try:
        for part in NARROW:
            if part < 1.0 and widest_unit(label, label.font_size) > width * part:
                continue  # no line holds its longest phrase: the fitting shrinks it first
            label.text_size = (width * part, None)
            lines = [line for line in drawn_lines(label) if line]
            for line in lines[1:]:
                if line[0] in NO_LINE_START:
                    problems.append(f"{label.text!r} at {part}: line starts with {line[0]}")
            for line in lines[:-1]:
                if line[-1] in NO_LINE_END:
                    problems.append(f"{label.text!r} at {part}: line ends with {line[-1]}")
            for phrase in PHRASES:
                longest = max(len(line) for line in lines)
                if phrase in label.text and longest >= len(phrase) and \
                        not any(phrase in line for line in lines):
                    problems.append(f"{phrase} split at {part}: {lines}")
    finally:
        label.text_size = text_size
        label.texture_update()
    return problems


def test_japanese_lines_break_between_phrases_on_the_real_screens(driver: Driver,
                                                                   system: System) -> None:
    """GIVEN the kiosk in Japanese, on the attract, language, home, document and identity
    screens (the footer's キャンセル, the identity's はい、本人です)
    WHEN every visible label is drawn as laid out, and squeezed to 60% and 40% of its width
    THEN no drawn line starts with closing punctuation (。、」…) or ends with an opening
    one, and キャンセル and はい、本人です are never split across lines"""
    app = driver.app
    problems: list[str] = []

    def check(screen: str) -> None:
        driver.settle(0.2)
        for label in visible_labels(app.screen(screen)):
            problems.extend(f"{screen}: {p}" for p in breaking_problems(label))

    app.screen("attract").show_language("ja")
    check("attract")
    start_service(driver, "ja", "tax_record")
    driver.wait_for_screen("document")
    check("document")
    cancel = app.screen("document").ids.cancel
    assert cancel.text == "キャンセル"
    system.reader.present("td3-valid")
    driver.wait_for_screen("identity", timeout=20)
    check("identity")
    assert app.screen("identity").ids.confirm.text == "はい、本人です"
    assert problems == []


def test_a_caption_keeps_its_japanese_phrase_whole_in_a_narrow_button(driver: Driver) -> None:
    """GIVEN はい、本人です on a button too narrow for it on one line
    WHEN the caption is fitted
    THEN it breaks after はい、 (between phrases) or gets smaller, never inside 本人です"""
    button = KButton(text="はい、本人です", primary=True, font=font_name("ja"),
                     size_hint=(None, None), width=Window.width / 4.5)
    Window.add_widget(button)
    try:
        driver.settle(0.3)
        lines = drawn_lines(button.ids.label)
        assert lines in (["はい、本人です"], ["はい、", "本人です"]), lines
    finally:
        Window.remove_widget(button)


def test_latin_text_in_the_chinese_ui_is_drawn_with_the_latin_face(driver: Driver) -> None:
    """GIVEN the Chinese UI, and a label in its font holding French with a typographic
    apostrophe, one holding Chinese, and one mixing a Latin name into Chinese
    WHEN they are drawn
    THEN the French is drawn with the Latin face (its apostrophe narrow, as in French),
    the Chinese and the mixed text with the Chinese face"""
    app = driver.app
    app.set_language("zh-Hans")
    driver.settle(0.1)
    labels = {text: Label(text=text, font_name=app.font_name, font_size=40)
              for text in ("Valable jusqu’à 23 h", "请保留本凭条", "MÜLLER 先生")}
    for label in labels.values():
        label.texture_update()
    drawn = {text: label._label.options["font_name_r"] for text, label in labels.items()}
    assert drawn["Valable jusqu’à 23 h"].endswith(LATIN_FILES[0])
    assert drawn["请保留本凭条"].endswith("NotoSansCJK-zh-Hans.otf")
    assert drawn["MÜLLER 先生"].endswith("NotoSansCJK-zh-Hans.otf")
    apostrophe = Label(text="’", font_name=app.font_name, font_size=40)
    apostrophe.texture_update()
    assert apostrophe.texture_size[0] < 20  # the CJK face's is 40 px, full width


def test_japanese_on_the_attract_and_language_screens_uses_the_japanese_face(
        driver: Driver) -> None:
    """GIVEN the attract screen showing Chinese (its tiles list two more languages, one
    Japanese) and the language screen (every language's prompt on one line)
    WHEN they are drawn
    THEN the Japanese runs are set in the Japanese face, the Korean in the Korean one"""
    app = driver.app
    attract = app.screen("attract")
    attract.show_language("zh-Hans")
    driver.settle(0.1)
    subtitles = [tile.ids.subtitle for tile in attract.ids.services.children]
    assert all(label.markup for label in subtitles)
    assert any(f"[font={font_name('ja')}]" in label.text for label in subtitles)
    driver.tap(attract.ids.start)
    driver.wait_for_screen("language")
    others = app.screen("language").ids.prompt_others
    assert others.markup
    assert f"[font={font_name('ja')}]" in others.text
    assert f"[font={font_name('ko')}]" in others.text


def test_large_text_captions_keep_their_size(driver: Driver) -> None:
    """GIVEN large-text mode, a footer of German captions that do not fit one row at that
    size (Back, Cancel, Skip and a long primary action), and a quarter-width button whose
    caption takes three lines at that size
    WHEN they are laid out
    THEN every caption keeps the large size (none shrinks) and fits its button, wrapped
    between words; the footer's buttons go on more rows and the footer grows to hold
    them; the narrow button grows to hold its three lines"""
    app = driver.app
    app.set_large_text(True)
    narrow = KButton(text="Beleg erneut drucken", size_hint=(None, None),
                     width=Window.width / 4)
    footer = Footer(size_hint=(None, None), width=Window.width)
    buttons = [KButton(text=text, fit=(text != "Zahlungsbestätigung drucken"),
                       primary=(text == "Zahlungsbestätigung drucken"),
                       icon=icon("arrow-left") if text == "Zurück" else "")
               for text in ("Zurück", "Abbrechen", "Überspringen",
                            "Zahlungsbestätigung drucken")]
    for button in buttons:
        footer.add_widget(button)
    Window.add_widget(footer)
    Window.add_widget(narrow)
    try:
        driver.settle(0.3)
        assert len(drawn_lines(narrow.ids.label)) == 3
        assert narrow.height > app.u * theme.BUTTON_HEIGHT
        for button in [*buttons, narrow]:
            label = button.ids.label
            assert button.text_scale == 1.0, button.text
            size = theme.TITLE if button.primary else theme.BODY
            assert label.font_size == pytest.approx(app.fs * size)
            _left, top, _right, bottom = button.padding
            assert label.texture_size[1] <= button.height - top - bottom + 1, button.text
            assert label.texture_size[0] <= label.width + 1, button.text
        for button in buttons:
            assert footer.x <= button.x and button.right <= footer.right + 1
            assert footer.y <= button.y and button.top <= footer.top + 1
        assert len({round(button.y) for button in buttons}) >= 2  # more than one row
        assert footer.height > app.u * 190
    finally:
        Window.remove_widget(footer)
        Window.remove_widget(narrow)
        app.set_large_text(False)
