"""Date, month and time pickers for the question screen (docs/ui-guide.md#dates-and-times):
one column per part, in the order the person's language writes it, each its name over
a big + over its value over a big -, and the choice in full above them ("Freitag, 31. Januar 2025").
A step the question's own check refuses (an entry date in the future) is not offered:
its button is greyed. The value is what the keypad made before (kiosk.ui.picking)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from kivy.uix.boxlayout import BoxLayout

from kiosk.services.forms import Kind
from kiosk.ui import picking, theme
from kiosk.ui.i18n import N_, _
from kiosk.ui.icons import icon
from kiosk.ui.widgets import KButton, KLabel


@dataclass(frozen=True)
class _Parts:
    """How one kind of answer is picked: its columns, steps and words."""

    columns: Callable[[str], tuple[str, ...]]
    step: Callable[[Any, str, int], Any]
    part: Callable[[Any, str, str], str]  # one column's value as shown
    whole: Callable[[Any, str], str]  # the choice in full


def _date_part(value: date, column: str, lang: str) -> str:
    if column == picking.MONTH:
        return picking.month_label(value.month, lang)
    return str(value.day if column == picking.DAY else value.year)


def _month_part(value: str, column: str, lang: str) -> str:
    year, month = value.split("-")
    return picking.month_label(int(month), lang) if column == picking.MONTH else year


def _time_part(value: time, column: str, _lang: str) -> str:
    return f"{value.hour:02d}" if column == picking.HOUR else f"{value.minute:02d}"


PARTS = {
    Kind.DATE: _Parts(picking.date_columns, picking.step_date, _date_part, picking.shown_date),
    Kind.MONTH: _Parts(picking.month_columns, picking.step_month, _month_part,
                       picking.shown_month),
    Kind.TIME: _Parts(lambda _lang: (picking.HOUR, picking.MINUTE), picking.step_time,
                      _time_part, picking.shown_time),
}
PICKED_KINDS = frozenset(PARTS)
CAPTIONS = {picking.DAY: N_("Day"), picking.MONTH: N_("Month"), picking.YEAR: N_("Year"),
            picking.HOUR: N_("Hours"), picking.MINUTE: N_("Minutes")}


class Picker(BoxLayout):
    """The picker of one answer. ``accepts`` is the question's check of a value; a step
    from an accepted value to a refused one is greyed out."""

    def __init__(self, kind: Kind, value: Any, lang: str, unit: float, font_unit: float,
                 accepts: Callable[[Any], bool], **kwargs: Any) -> None:
        super().__init__(orientation="vertical", size_hint_y=None,
                         spacing=unit * 24, **kwargs)
        self.kind = kind
        self.value = value
        self.lang = lang
        self._parts = PARTS[kind]
        self._accepts = accepts
        self._unit = unit
        self.whole = _label(font_unit * theme.TITLE, bold=True)
        self.add_widget(self.whole)
        self._row = BoxLayout(spacing=unit * 24, size_hint_y=None, height=unit * 480)
        self.add_widget(self._row)
        self.whole.bind(height=self._fit_height)
        # By column: its value, and its + and - buttons (the walks and tests touch these).
        self.values: dict[str, KLabel] = {}
        self.captions: dict[str, KLabel] = {}
        self.buttons: dict[tuple[str, int], KButton] = {}
        self._font_unit = font_unit
        self._build_columns()
        self._fit_height()

    def _fit_height(self, *_: object) -> None:
        self.height = self.whole.height + self.spacing + self._row.height

    def _build_columns(self) -> None:
        self._row.clear_widgets()
        self.values, self.buttons, self.captions = {}, {}, {}
        unit = self._unit
        for column in self._parts.columns(self.lang):
            box = BoxLayout(orientation="vertical", spacing=unit * 10)
            caption = _label(self._font_unit * theme.SMALL, color=theme.palette.TEXT_MUTED)
            self.captions[column] = caption
            box.add_widget(caption)
            for delta in (1, 0, -1):
                if delta == 0:
                    label = _label(self._font_unit * theme.HEADING, bold=True)
                    label.size_hint_y = 1
                    label.valign = "middle"
                    label.bind(size=lambda w, size: setattr(w, "text_size", size))
                    self.values[column] = label
                    box.add_widget(label)
                    continue
                glyph = icon("plus" if delta > 0 else "minus")
                if glyph:  # the icon alone, centred by the padding around it
                    button = KButton(icon=glyph)
                    button.ids.label.size_hint_x = None
                    button.ids.label.width = 0
                    button.spacing = 0
                    button.bind(width=_centre_icon)
                else:  # no icon font: the sign as the caption
                    button = KButton(text="+" if delta > 0 else "\u2212")
                button.picker_step = (column, delta)
                button.bind(on_release=lambda b: self.step(*b.picker_step))
                self.buttons[(column, delta)] = button
                box.add_widget(button)
            self._row.add_widget(box)
        self.show()

    def set_language(self, lang: str) -> None:
        """Another language: the columns may change order, the words change."""
        if lang != self.lang:
            self.lang = lang
            self._build_columns()

    def step(self, column: str, delta: int) -> None:
        self.value = self._parts.step(self.value, column, delta)
        self.show()

    def show(self) -> None:
        parts = self._parts
        for column, label in self.values.items():
            label.text = parts.part(self.value, column, self.lang)
            self.captions[column].text = _(CAPTIONS[column])
        self.whole.text = parts.whole(self.value, self.lang)
        here_ok = self._accepts(self.value)
        for (column, delta), button in self.buttons.items():
            refused = here_ok and not self._accepts(parts.step(self.value, column, delta))
            button.disabled = refused


def _label(font_size: float, **kwargs: Any) -> KLabel:
    """A centred label at ``font_size`` (set after the kv rule, which sets the body's)."""
    label = KLabel(halign="center", **kwargs)
    label.font_size = font_size
    return label


def _centre_icon(button: KButton, width: float) -> None:
    side = max(0.0, (width - button.ids.icon.width) / 2)
    button.padding = [side, button.padding[1], side, button.padding[3]]
