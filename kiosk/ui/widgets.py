"""The kiosk's building blocks: labels that wrap, big buttons and tiles, header and
footer bands, a numeric keypad, notices, the accessibility switches (larger text, high
contrast). Layout lives in widgets.kv; colours come from theme.palette."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.animation import Animation
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

from kiosk.ui.fitting import fitting_scale, natural_width, widest_unit
from kiosk.ui.i18n import N_
from kiosk.ui.icons import icon
from kiosk.ui.layouts import load_kv
from kiosk.ui.theme import palette

MIN_TEXT_SCALE = 0.6  # a caption never gets smaller than this part of its size


class KLabel(Label):
    pass


class FitLabel(Label):
    """A label that is never cut: its font shrinks from ``base_font_size`` until the text
    fits the label's box, first on one line (down to ``one_line_min_scale``), then
    wrapped (down to ``min_scale``). The layout gives the box; the text adapts to it."""

    base_font_size = NumericProperty(0.0)
    min_scale = NumericProperty(MIN_TEXT_SCALE)
    one_line_min_scale = NumericProperty(1.0)  # 1.0: wrap before shrinking
    # Large-text mode (kv: app.large_text): the person chose this size, so the text is
    # never drawn smaller; it wraps, and the widget holding it grows instead.
    keep_size = BooleanProperty(False)
    scale = NumericProperty(1.0)  # what the fit chose

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        for name in ("text", "size", "base_font_size", "min_scale", "one_line_min_scale",
                     "keep_size", "font_name", "bold", "padding"):
            self.fbind(name, self.fit)
        self.fit()

    @property
    def floor_scale(self) -> float:
        """The smallest part of ``base_font_size`` the text may be drawn at."""
        return 1.0 if self.keep_size else self.min_scale

    def fit(self, *_: object) -> None:
        """Choose the font size for the text and box as they are now (synchronously, so
        a frame never shows the text at a size that does not fit)."""
        if self.base_font_size <= 0:
            return
        self.scale = fitting_scale(self, self.base_font_size, self.width, self.height,
                                   min_scale=self.floor_scale,
                                   one_line_min_scale=max(self.one_line_min_scale,
                                                          self.floor_scale))
        self.font_size = self.base_font_size * self.scale


class IconLabel(Label):
    pass


class KButton(ButtonBehavior, BoxLayout):
    """A big button with an optional icon; its caption (a FitLabel) wraps and gets
    smaller to fit, never cut. ``fit``: as wide as icon and text on one line, unless a
    Footer has to share too little room among its buttons."""

    text = StringProperty("")
    icon = StringProperty("")
    primary = BooleanProperty(False)
    font = StringProperty("")  # a language's own font (language buttons); else the UI's
    fit = BooleanProperty(False)  # as wide as its icon and text (footer buttons), never wrapped
    compact = BooleanProperty(False)  # a button inside a list row: lower (ROW_BUTTON_HEIGHT)
    # Set by the kv rule from the theme and the state (kv's bindings follow a theme switch).
    text_color = ColorProperty(palette.TEXT)
    # The caption's scale as fitted (read-only in effect: the FitLabel decides it from
    # the room it has): "Oui, c'est bien elle" at title size takes two smaller lines on
    # a half-width button.
    text_scale = NumericProperty(1.0)
    font_unit = NumericProperty(1.0)  # app.fs (kv)
    # Icon, text on one line at full size, padding and spacing: what ``fit`` asks for.
    natural_width = NumericProperty(0.0)
    chrome_width = NumericProperty(0.0)  # padding, icon and spacing: all but the text
    # The narrowest the button may be: its widest word (or phrase) at the smallest size
    # its caption may take. A Footer puts buttons on a second row rather than below it.
    min_width = NumericProperty(0.0)

    def on_kv_post(self, _base_widget: object) -> None:
        label = self.ids.label
        label.fbind("scale", lambda *_: setattr(self, "text_scale", label.scale))
        # The caption decides its scale: a value set from outside is put back at once.
        self.fbind("text_scale", lambda *_: setattr(self, "text_scale", label.scale))
        self.text_scale = label.scale
        for name in ("text", "base_font_size", "font_name", "bold", "keep_size", "min_scale"):
            label.fbind(name, self._measure)
        self.ids.icon.fbind("width", self._measure)
        self.fbind("padding", self._measure)
        self.fbind("spacing", self._measure)
        self.fbind("natural_width", self._fit_width)
        self.fbind("fit", self._fit_width)
        self.fbind("parent", self._fit_width)
        self._measure()

    def _measure(self, *_: object) -> None:
        label = self.ids.label
        left, _top, right, _bottom = self.padding
        icon_width = self.ids.icon.width + self.spacing  # the box spaces an empty icon too
        text_width = natural_width(label, label.base_font_size) if label.text else 0.0
        self.chrome_width = left + right + icon_width
        self.natural_width = self.chrome_width + text_width + 2  # + rounding
        floor_size = label.base_font_size * label.floor_scale
        self.min_width = self.chrome_width + 2 + (
            widest_unit(label, floor_size) if label.text else 0.0)
        self._fit_width()

    def _fit_width(self, *_: object) -> None:
        if not self.fit or isinstance(self.parent, Footer):  # the footer shares its room
            return
        self.size_hint_x = None
        self.width = self.natural_width


class Tile(ButtonBehavior, BoxLayout):
    title = StringProperty("")
    subtitle = StringProperty("")
    icon = StringProperty("")
    key = StringProperty("")
    title_font = StringProperty("")
    subtitle_font = StringProperty("")
    subtitle_markup = BooleanProperty(False)  # several languages, a face each (in_faces)


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


class HelpButton(KButton):
    """The footer's Help on every service screen: opens the help of the step on screen
    (KioskApp.open_help, kiosk/ui/help_panel.py)."""

    help_label = N_("Help")
    help_icon = icon("help-circle-outline")


class Footer(BoxLayout):
    """The band of Back / Cancel / the primary action. A hidden button (opacity 0) takes
    no room. ``fit`` buttons get their natural width and the others share the rest by
    ``size_hint_x``; when that is too little for every caption on one line (German,
    Russian), every button gets a share in proportion to what it asks for, and the
    captions wrap and shrink inside (KButton). When even that leaves a button narrower
    than its widest word at the smallest size it may take (large text: the chosen size),
    the buttons go on as many rows as they need, the primary one last, and the band
    grows (``needed_height``)."""

    base_height = NumericProperty(0.0)  # kv: the band's height with one row
    needed_height = NumericProperty(0.0)  # what the rows take, padding included

    def add_widget(self, widget: Widget, *args: object, **kwargs: object) -> None:
        super().add_widget(widget, *args, **kwargs)
        widget.fbind("opacity", self._trigger_layout)
        if isinstance(widget, KButton):
            widget.fbind("natural_width", self._trigger_layout)
            widget.fbind("min_width", self._trigger_layout)
            widget.fbind("height", self._trigger_layout)
            widget.fbind("fit", self._trigger_layout)

    def remove_widget(self, widget: Widget, *args: object, **kwargs: object) -> None:
        widget.funbind("opacity", self._trigger_layout)
        if isinstance(widget, KButton):
            widget.funbind("natural_width", self._trigger_layout)
            widget.funbind("min_width", self._trigger_layout)
            widget.funbind("height", self._trigger_layout)
            widget.funbind("fit", self._trigger_layout)
        super().remove_widget(widget, *args, **kwargs)

    def do_layout(self, *_: object) -> None:
        left, top, right, bottom = self.padding
        shown = [c for c in reversed(self.children) if c.opacity > 0]
        for hidden in self.children:
            if hidden.opacity <= 0:
                hidden.width = 0
        if not shown:
            self.needed_height = 0.0
            return
        rows = _rows(shown, self.width - left - right, self.spacing)
        one_row_height = self.base_height - top - bottom
        heights = [max([one_row_height] + [c.height for c in row if c.size_hint_y is None])
                   for row in rows]
        self.needed_height = sum(heights) + self.spacing * (len(rows) - 1) + top + bottom
        row_top = self.top - top
        for row, row_height in zip(rows, heights, strict=True):
            room = self.width - left - right - self.spacing * (len(row) - 1)
            x = self.x + left
            for child, width in zip(row, _share(row, room), strict=True):
                child.width = width
                if child.size_hint_y is not None:
                    child.height = row_height * child.size_hint_y
                child.x = x
                child.y = row_top - row_height + (row_height - child.height) / 2
                x += width + self.spacing
            row_top -= row_height + self.spacing


def _rows(children: list[Widget], room: float, spacing: float) -> list[list[Widget]]:
    """The children in rows, in order, each row as many as fit at their least widths."""
    rows: list[list[Widget]] = [[]]
    used = 0.0
    for child in children:
        least = child.min_width if isinstance(child, KButton) else (
            child.width if child.size_hint_x is None else 0.0)
        if rows[-1] and used + spacing + least > room:
            rows.append([])
            used = 0.0
        used += (spacing if rows[-1] else 0.0) + least
        rows[-1].append(child)
    return rows


def _share(children: list[Widget], room: float) -> list[float]:
    """Footer widths: what each child asks for, the flexible ones sharing the rest."""
    asked = []
    flexible = []
    for child in children:
        wants = child.natural_width if isinstance(child, KButton) else 0.0
        is_fixed = (isinstance(child, KButton) and child.fit) or child.size_hint_x is None
        if is_fixed and not (isinstance(child, KButton) and child.fit):
            wants = child.width  # a fixed-width widget keeps its width
        asked.append(wants)
        flexible.append(not is_fixed)
    if sum(asked) > room:  # too little for everyone: the captions share what is left
        chrome = [min(wants, child.chrome_width) if isinstance(child, KButton) else 0.0
                  for child, wants in zip(children, asked, strict=True)]
        texts = [wants - fixed for wants, fixed in zip(asked, chrome, strict=True)]
        if sum(chrome) < room and sum(texts) > 0:
            share = (room - sum(chrome)) / sum(texts)
            return [fixed + text * share for fixed, text in zip(chrome, texts, strict=True)]
        return [wants * room / sum(asked) for wants in asked]
    weights = [(child.size_hint_x or 1.0) if flex else 0.0
               for child, flex in zip(children, flexible, strict=True)]
    left_over = room - sum(w for w, flex in zip(asked, flexible, strict=True) if not flex)
    if not any(weights):
        return asked
    # Flexible children share what is left by weight, each at least what it asks.
    widths = [left_over * weight / sum(weights) if flex else wants
              for wants, weight, flex in zip(asked, weights, flexible, strict=True)]
    short = [i for i, (w, a, flex) in enumerate(zip(widths, asked, flexible, strict=True))
             if flex and w < a]
    if short:
        spare = left_over - sum(asked[i] for i in short)
        rest = [i for i, flex in enumerate(flexible) if flex and i not in short]
        rest_weight = sum(weights[i] for i in rest)
        for i in short:
            widths[i] = asked[i]
        for i in rest:
            widths[i] = spare * weights[i] / rest_weight if rest_weight else 0.0
    return widths


class Notice(BoxLayout):
    text = StringProperty("")
    kind = OptionProperty("info", options=["info", "error", "success"])
    icon = StringProperty("")

    def on_kind(self, *_: object) -> None:
        self.icon = icon({"error": "alert-circle", "success": "check-circle"}.get(
            self.kind, "information"))

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.on_kind()


class KeypadKey(Button):
    key = StringProperty("")
    is_icon = BooleanProperty(False)


class Keypad(GridLayout):
    """Digits 0-9, clear (or a decimal point, for amounts) and backspace; dispatches
    on_key with "0".."9", "clear" or ".", "back"."""

    __events__ = ("on_key",)

    def __init__(self, decimal: bool = False, **kwargs: object) -> None:
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
    """A label and its value; with ``on_change``, a Change button at the end of the row
    (docs/ui-guide.md#check-your-answers)."""

    label = StringProperty("")
    value = StringProperty("")
    emphasis = BooleanProperty(False)
    button_height = NumericProperty(0.0)  # the Change button's: the row is as high

    def __init__(self, *, on_change: Callable[[], None] | None = None, change_text: str = "",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.change_button: KButton | None = None
        if on_change is not None:
            button = KButton(text=change_text, icon=icon("pencil"), fit=True, compact=True,
                             pos_hint={"center_y": 0.5})
            button.bind(on_release=lambda *_: on_change())
            button.fbind("height", lambda *_: setattr(self, "button_height", button.height))
            self.button_height = button.height
            self.add_widget(button)
            self.change_button = button


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


load_kv(__name__)
