"""The kiosk's building blocks: labels that wrap, big buttons and tiles, header and
footer bands, a numeric keypad, notices, the accessibility switches (larger text, high
contrast). Layout lives in widgets.kv; colours come from theme.palette."""

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
from kivy.uix.modalview import ModalView
from kivy.uix.widget import Widget

from kiosk.ui.i18n import N_
from kiosk.ui.icons import icon
from kiosk.ui.theme import palette

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
    # Set by the kv rule from the theme and the state (kv's bindings follow a theme switch).
    text_color = ColorProperty(palette.TEXT)
    # A wrapped text taller than the button gets a smaller font, step by step, never
    # cut: "Oui, c'est bien elle" at title size takes two lines on a half-width button.
    text_scale = NumericProperty(1.0)
    font_unit = NumericProperty(1.0)  # app.fs (kv): a new text size starts unshrunk again

    def on_kv_post(self, _base_widget: Any) -> None:
        self.fbind("font_unit", self._reset_scale)
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
        icon_width = self.ids.icon.width + self.spacing  # the box spaces an empty icon too
        self.size_hint_x = None
        self.width = left + right + icon_width + self.ids.label.texture_size[0]


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


class AccessibilityButton(ButtonBehavior, BoxLayout):
    """In the header of every screen (an icon and a word): opens the accessibility switches.
    kv draws ``in_language(app.lang, root.label)`` so the word follows a language change."""

    label = N_("Accessibility")
    icon = StringProperty(icon("human"))


class AccessibilitySwitches(BoxLayout):
    """Larger text and high contrast, each a big button with a checkbox icon and a word
    (the state is never shown by colour alone). On the language screen and in the
    accessibility dialog; both switch the whole UI at once."""

    large_text_label = N_("Larger text")
    high_contrast_label = N_("High contrast")
    checked_icon = icon("checkbox-marked")
    unchecked_icon = icon("checkbox-blank-outline")


class AccessibilityDialog(ModalView):
    """The header button's dialog: the switches and a button to close it."""

    title_label = N_("Make the screen easier to read")
    close_label = N_("Done")
    close_icon = icon("check")

    @property
    def switches(self) -> AccessibilitySwitches:
        switches: AccessibilitySwitches = self.ids.switches
        return switches


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
