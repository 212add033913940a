"""How large a text may be drawn so that it fits a box, measured with Kivy's own text
layout (the same SDL2_ttf metrics the label will draw with), never by guessing.

The rule (issue 6, "Text fits"): a text is never cut or shortened. It first gets smaller
on one line (down to ``one_line_min_scale``), then wraps, still getting smaller down to
``min_scale``. No unit of the language's line breaking (kiosk.domain.linebreak: a word,
a Korean word, a Japanese phrase) is broken inside: the text gets smaller until the
longest unit fits a line (Kivy would break a word wider than the line anywhere)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from kiosk.domain.linebreak import units
from kiosk.ui.typesetting import language_hint

if TYPE_CHECKING:
    from kivy.uix.label import Label

SCALE_STEP = 0.05
# Options that change how big a text is drawn (colours and alignment do not).
_SIZE_OPTIONS = ("font_name", "font_family", "font_context", "font_features", "bold",
                 "italic", "padding", "outline_width", "line_height", "strip",
                 "split_str", "font_hinting", "font_kerning", "font_script_name",
                 "font_direction", "base_direction", "text_language")


def fitting_scale(label: Label, base_font_size: float, width: float, height: float, *,
                  min_scale: float, one_line_min_scale: float = 1.0) -> float:
    """The largest scale of ``base_font_size`` (a multiple of SCALE_STEP, not below
    ``min_scale``) at which ``label``'s text fits ``width`` x ``height``: on one line
    down to ``one_line_min_scale``, wrapped below that (and at full size first).
    ``min_scale`` if nothing fits: the text-fit check then reports it."""
    text = str(label.text)
    if not text.strip() or width <= 0 or height <= 0 or base_font_size <= 0:
        return 1.0
    options = _options(label)
    scales = _scales(min_scale)
    for scale in scales:
        if scale < one_line_min_scale - 1e-9:
            break
        one_w, one_h = measure(text, base_font_size * scale, None, options)
        if one_w <= width and one_h <= height:
            return scale
    words = _unbreakable(text, language_hint(str(label.font_name)))
    for scale in scales:
        size = base_font_size * scale
        if any(measure(word, size, None, options)[0] > width for word in words):
            continue
        if measure(text, size, width, options)[1] <= height:
            return scale
    return scales[-1]


def widest_unit(label: Label, font_size: float) -> float:
    """The width of the widest unit of ``label``'s text (a word, a Japanese phrase, a
    character) at ``font_size``: the narrowest line that holds the text unbroken."""
    text = str(label.text)
    found = _unbreakable(text, language_hint(str(label.font_name))) or tuple(text.split())
    options = _options(label)
    return max((measure(unit, font_size, None, options)[0] for unit in found), default=0.0)


def natural_width(label: Label, font_size: float) -> float:
    """The width of ``label``'s text on one line at ``font_size``."""
    return measure(str(label.text), font_size, None, _options(label))[0]


def _scales(min_scale: float) -> list[float]:
    steps = round((1.0 - min_scale) / SCALE_STEP)
    return [round(1.0 - i * SCALE_STEP, 4) for i in range(steps + 1)]


@lru_cache(maxsize=1024)
def _unbreakable(text: str, hint: str | None) -> tuple[str, ...]:
    """The units of ``text`` that a line must hold whole (single characters aside: a
    line holds one at any size the check allows)."""
    found = dict.fromkeys(unit.strip() for paragraph in text.split("\n")
                          for unit in units(paragraph, hint))
    return tuple(unit for unit in found if len(unit) > 1)


def _options(label: Label) -> tuple[tuple[str, object], ...]:
    values = []
    for name in _SIZE_OPTIONS:
        value = getattr(label, name, None)
        values.append((name, tuple(value) if isinstance(value, list) else value))
    return tuple(values)


@lru_cache(maxsize=4096)
def measure(text: str, font_size: float, width: float | None,
            options: tuple[tuple[str, object], ...]) -> tuple[float, float]:
    """The size Kivy draws ``text`` at: on one line (``width`` None) or wrapped."""
    from kivy.core.text import Label as CoreLabel

    core = CoreLabel(text=text, font_size=font_size, text_size=(width, None),
                     shorten=False, max_lines=0, **{k: v for k, v in options if v is not None})
    core.resolve_font_name()
    drawn_w, drawn_h = core.render()
    return float(drawn_w), float(drawn_h)
