"""The kiosk's building blocks: labels that wrap, big buttons and tiles, header and
footer bands, a numeric keypad, notices. Layout lives in widgets.kv."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.animation import Animation
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    NumericProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.ui import theme
from kiosk.ui.icons import icon

class KLabel(Label):
    pass


class IconLabel(Label):
    pass


MIN_TEXT_SCALE = 0.6


class KButton(ButtonBehavior, BoxLayout):
    text = StringProperty("")
    icon = StringProperty("")
    primary = BooleanProperty(False)
    font = StringProperty("")  # a language's own font (language buttons); else the UI's
    fit = BooleanProperty(False)  # as wide as its icon and text (footer buttons), never wrapped
    text_color = ColorProperty(theme.TEXT)
    # A wrapped text taller than the button gets a smaller font, step by step, never
    # cut: "Oui, c'est bien elle" at title size takes two lines on a half-width button.
    text_scale = NumericProperty(1.0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fbind("primary", self._recolor)
        self.fbind("disabled", self._recolor)
        self._recolor()

    def on_kv_post(self, _base_widget: Any) -> None:
        self.ids.label.fbind("texture_size", self._fit_width)
        self.fbind("fit", self._fit_width)
        self._fit_width()
        self.ids.label.fbind("texture_size", self._fit_height)
        self.fbind("height", self._fit_height)
        self.fbind("text", self._reset_scale)

    def _reset_scale(self, *_: Any) -> None:
        self.text_scale = 1.0

    def _fit_height(self, *_: Any) -> None:
        _left, top, _right, bottom = self.padding
        if self.fit or self.ids.label.texture_size[1] <= self.height - top - bottom:
            return
        if self.text_scale > MIN_TEXT_SCALE:
            self.text_scale = max(MIN_TEXT_SCALE, self.text_scale - 0.1)

    def _fit_width(self, *_: Any) -> None:
        if not self.fit:
            return
        left, _top, right, _bottom = self.padding
        icon_width = self.ids.icon.width + self.spacing if self.icon else 0
        self.size_hint_x = None
        self.width = left + right + icon_width + self.ids.label.texture_size[0]

    def _recolor(self, *_: Any) -> None:
        if self.disabled:
            self.text_color = theme.DISABLED_TEXT
        elif self.primary:
            self.text_color = theme.ACCENT_TEXT
        else:
            self.text_color = theme.TEXT


class Tile(ButtonBehavior, BoxLayout):
    title = StringProperty("")
    subtitle = StringProperty("")
    icon = StringProperty("")
    key = StringProperty("")
    title_font = StringProperty("")
    subtitle_font = StringProperty("")


class LanguageButton(ButtonBehavior, BoxLayout):
    text = StringProperty("")
    icon = StringProperty(icon("translate"))


class Header(BoxLayout):
    title = StringProperty("")
    step_text = StringProperty("")
    language_text = StringProperty("")


class Footer(BoxLayout):
    pass


class Notice(BoxLayout):
    text = StringProperty("")
    kind = OptionProperty("info", options=["info", "error", "success"])
    icon = StringProperty("")

    def on_kind(self, *_: Any) -> None:
        self.icon = icon({"error": "alert-circle", "success": "check-circle"}.get(
            self.kind, "information"))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_kind()


class KeypadKey(Button):
    key = StringProperty("")
    is_icon = BooleanProperty(False)


class Keypad(GridLayout):
    """Digits 0-9, clear (or a decimal point, for amounts) and backspace; dispatches
    on_key with "0".."9", "clear" or ".", "back"."""

    __events__ = ("on_key",)

    def __init__(self, decimal: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        corner = "." if decimal else "clear"
        for key in ("1", "2", "3", "4", "5", "6", "7", "8", "9", corner, "0", "back"):
            label = {"clear": "C", "back": icon("backspace") or "<"}.get(key, key)
            button = KeypadKey(text=label, key=key, is_icon=(key == "back" and label != "<"))
            button.bind(on_release=lambda b: self.dispatch("on_key", b.key))
            self.add_widget(button)

    def key_widget(self, key: str) -> KeypadKey:
        return next(c for c in self.children if isinstance(c, KeypadKey) and c.key == key)

    def on_key(self, key: str) -> None:
        pass


class EntryField(BoxLayout):
    value = StringProperty("")  # what is shown (formatted)
    raw = StringProperty("")  # what was typed (digits), when the two differ
    placeholder = StringProperty("")
    invalid = BooleanProperty(False)
    max_length = NumericProperty(20)

    def apply_key(self, key: str) -> None:
        if key == "clear":
            self.value = ""
        elif key == "back":
            self.value = self.value[:-1]
        elif key == "." and "." in self.value:
            return
        elif len(self.value) < self.max_length:
            self.value += key
        self.invalid = False


class SummaryRow(BoxLayout):
    label = StringProperty("")
    value = StringProperty("")
    emphasis = BooleanProperty(False)


class BusySpinner(Widget):
    angle = NumericProperty(0)

    def start(self) -> None:
        Animation.cancel_all(self)
        self.opacity = 1
        self.angle = 0
        anim = Animation(angle=360, duration=1.0)
        anim.bind(on_complete=lambda *_: self.start())
        anim.start(self)

    def stop(self) -> None:
        Animation.cancel_all(self)
        self.opacity = 0


Builder.load_file(str(Path(__file__).with_name("widgets.kv")))
