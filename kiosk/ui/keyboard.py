"""The kiosk's own on-screen keyboards, docked in the content band below the field they
type into (so they never cover it): Latin capitals for names and codes, a full Latin
layout with digits and punctuation for free text. Keys are big (at least 60x60 px at
the reference size) and typed by touch; there is no system keyboard to summon.
Text the authority takes in any script has the person's own script instead
(kiosk.ui.script_keyboard)."""

from __future__ import annotations

from kivy.properties import BooleanProperty, ObjectProperty, OptionProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.ui.icons import icon
from kiosk.ui.theme import palette
from kiosk.ui.widgets import KeypadKey

ROWS_NAME = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")
ROWS_TEXT = ("1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")
PUNCTUATION = ".,;:?!'()/-"
ICON_KEYS = {"back": "backspace", "shift": "keyboard-shift", "enter": "keyboard-return"}
FALLBACK = {"back": "<-", "shift": "^", "enter": "Enter"}


class LatinKeyboard(BoxLayout):
    """Types into ``target`` (a TextInput). ``mode`` "name": capitals, space, hyphen and
    apostrophe; "code": capitals and digits; "text": shift, digits, punctuation, Enter."""

    target = ObjectProperty(None, allownone=True)
    mode = OptionProperty("name", options=["name", "code", "text"])
    shifted = BooleanProperty(False)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(orientation="vertical", **kwargs)
        self.fbind("mode", self._build)
        self.fbind("shifted", self._relabel)
        self._build()

    def _build(self, *_: object) -> None:
        self.clear_widgets()
        rows = ROWS_NAME if self.mode == "name" else ROWS_TEXT
        for row in rows:
            self._row([(ch, ch) for ch in row])
        if self.mode == "name":
            self._row([("-", "-"), ("'", "'"), ("space", " "), ("back", "back")])
        elif self.mode == "code":
            self._row([("-", "-"), ("/", "/"), ("back", "back")])
        else:
            self._row([(p, p) for p in PUNCTUATION])
            self._row([("shift", "shift"), ("space", " "), ("enter", "\n"), ("back", "back")])
        self._relabel()

    def _row(self, keys: list[tuple[str, str]]) -> None:
        row = BoxLayout(spacing=self.spacing)
        for label, value in keys:
            key = KeypadKey(key=value, is_icon=label in ICON_KEYS and bool(icon(ICON_KEYS[label])))
            key.label_name = label
            if label in ("space", "shift", "enter"):
                key.size_hint_x = 3 if label == "space" else 1.6
            key.bind(on_release=lambda k: self.press(k.key))
            row.add_widget(key)
        self.add_widget(row)

    def _relabel(self, *_: object) -> None:
        for row in self.children:
            for key in row.children:
                name = getattr(key, "label_name", "")
                if name in ICON_KEYS:
                    key.text = icon(ICON_KEYS[name]) or FALLBACK[name]
                    shifted = name == "shift" and self.shifted
                    key.color = palette.ACCENT if shifted else palette.TEXT
                elif name == "space":
                    key.text = "␣"
                elif len(name) == 1 and name.isalpha():
                    lower = self.mode == "text" and not self.shifted
                    key.text = name.lower() if lower else name
                else:
                    key.text = name  # digits and punctuation

    def key_for(self, char: str) -> KeypadKey:
        """The key that types ``char`` (tests and the walkthrough type by touch)."""
        wanted = {" ": " ", "\n": "\n"}.get(char, char.upper() if char.isalpha() else char)
        for row in self.children:
            for key in row.children:
                if key.key == wanted:
                    found: KeypadKey = key  # Kivy's children are untyped
                    return found
        raise KeyError(char)

    def keys_for(self, char: str) -> list[KeypadKey]:
        """The touches that type ``char``: Shift first for a capital in free text."""
        key = self.key_for(char)
        return [self.shift_key, key] if self.mode == "text" and char.isupper() else [key]

    @property
    def shift_key(self) -> KeypadKey:
        shift: KeypadKey = next(k for row in self.children for k in row.children
                                if getattr(k, "label_name", "") == "shift")
        return shift

    def press(self, value: str) -> None:
        target = self.target
        if target is None:
            return
        if value == "back":
            target.do_backspace()
        elif value == "shift":
            self.shifted = not self.shifted
            return
        else:
            text = value
            if value.isalpha() and self.mode == "text" and not self.shifted:
                text = value.lower()
            target.insert_text(text)
        if self.shifted and value != "shift":
            self.shifted = False  # one capital, like a phone keyboard
