"""How large a text may be drawn so that it fits a box, measured with Kivy's own text
layout (the same SDL2_ttf metrics the label will draw with), never by guessing.

The rule (issue 6, "Text fits"): a text is never cut or shortened. It first gets smaller
on one line (down to ``one_line_min_scale``), then wraps, still getting smaller down to
``min_scale``. A Latin word is never broken inside (Kivy breaks a word that is wider
than the line); Chinese, Japanese and Korean text may break between any two characters,
as it does in print."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kivy.uix.label import Label

SCALE_STEP = 0.05
# Options that change how big a text is drawn (colours and alignment do not).
_SIZE_OPTIONS = ("font_name", "font_family", "font_context", "font_features", "bold",
                 "italic", "padding", "outline_width", "line_height", "strip",
                 "split_str", "font_hinting", "font_kerning", "font_script_name",
                 "font_direction", "base_direction", "text_language")
_CJK_FROM = 0x2E80  # CJK radicals onward: scripts that break between characters


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
    words = tuple(word for word in text.split() if not _breakable(word))
    for scale in scales:
        size = base_font_size * scale
        if any(measure(word, size, None, options)[0] > width for word in words):
            continue
        if measure(text, size, width, options)[1] <= height:
            return scale
    return scales[-1]


def natural_width(label: Label, font_size: float) -> float:
    """The width of ``label``'s text on one line at ``font_size``."""
    return measure(str(label.text), font_size, None, _options(label))[0]


def _scales(min_scale: float) -> list[float]:
    steps = round((1.0 - min_scale) / SCALE_STEP)
    return [round(1.0 - i * SCALE_STEP, 4) for i in range(steps + 1)]


def _breakable(word: str) -> bool:
    return any(ord(char) >= _CJK_FROM for char in word)


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
