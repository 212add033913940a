"""How every label of the kiosk sets its text (docs/ui-guide.md, "Type"): each script in
its own face, and lines broken by the language's rules. Both are taught to Kivy's SDL2
text provider once, at start-up, so every label gets them (kv or Python, button caption
or keypad key) and so do the measurements of kiosk.ui.fitting and the text-fit check,
which lay text out with the same provider.

- **Face per label.** A label drawn in one of the kiosk's faces whose text the Latin face
  holds entirely (Latin, Cyrillic, digits) is drawn in the Latin face, whatever the UI
  language: the CJK faces' punctuation is full width ("jusqu’à" with a wide apostrophe).
  A label in the Latin face whose text the Latin face does not hold (a Chinese biller
  name in the French UI) is drawn in a CJK face chosen by its script: kana Japanese,
  Hangul Korean, else Chinese. A label that mixes Latin and CJK text stays in its CJK
  face, which holds both. Texts in several languages at once (the attract and language
  screens) are markup with a face per language (``in_faces``).
- **Line breaks.** Kivy breaks lines at spaces, and inside a word only when it does not
  fit, at any character: Japanese split mid-phrase, a line starting with 。. A text with
  Chinese or Japanese in it is broken here first (kiosk.domain.linebreak, measured with
  the label's own font) into lines that each fit, and Kivy lays out those lines as
  they are. Korean and Latin need nothing: they are written with spaces, and a word
  never has to be cut because kiosk.ui.fitting shrinks a caption until its longest
  unit fits.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from kivy.utils import escape_markup

from kiosk.domain.linebreak import break_lines, has_break_rules, is_han, is_hangul, is_kana
from kiosk.ui.fonts import CJK_FACES, LATIN_FONT, font_name, latin_covers

_BROKEN_CACHE_SIZE = 2048
_broken: OrderedDict[tuple[str, float, str, str | None], str] = OrderedDict()
_installed = False


def face_for_text(text: str, requested: str) -> str:
    """The registered font a label asking for ``requested`` draws ``text`` with."""
    if requested != LATIN_FONT and requested not in CJK_FACES:
        return requested  # the icon font, or a font file: not the kiosk's to choose
    if latin_covers(text):
        return LATIN_FONT
    if requested != LATIN_FONT:
        return requested
    if any(is_kana(char) for char in text):
        return font_name("ja")
    if any(is_hangul(char) for char in text) and not any(is_han(char) for char in text):
        return font_name("ko")
    return font_name("zh-Hans")


def language_hint(requested: str) -> str | None:
    """The language a label's face stands for: Han in the Japanese face is Japanese."""
    return CJK_FACES.get(requested)


def break_for_layout(text: str, width: float, font_key: str, hint: str | None,
                     extents: Callable[[str], tuple[float, float]]) -> str:
    """``text`` with a newline wherever the language breaks its lines at ``width``
    (measured by ``extents``, the label's own font); unchanged when it has no Chinese or
    Japanese (Kivy's breaks at spaces are the right ones)."""
    if width <= 0 or not has_break_rules(text):
        return text
    key = (text, round(width, 1), font_key, hint)
    broken = _broken.get(key)
    if broken is None:
        def fits(line: str) -> bool:
            return extents(line)[0] <= width

        broken = "\n".join(line for paragraph in text.split("\n")
                           for line in break_lines(paragraph, fits, hint))
        _broken[key] = broken
        if len(_broken) > _BROKEN_CACHE_SIZE:
            _broken.popitem(last=False)
    else:
        _broken.move_to_end(key)
    return broken


def in_faces(parts: Iterable[tuple[str, str]], separator: str = "  ·  ") -> str:
    """Texts in several languages on one label, each in its language's face: Kivy
    markup (the label needs ``markup: True``) from (language, text) pairs."""
    return str(escape_markup(separator)).join(
        f"[font={font_name(lang)}]{escape_markup(text)}[/font]" for lang, text in parts)


def install() -> None:
    """Teach Kivy's SDL2 text provider the face per label and the line breaks."""
    global _installed
    try:
        from kivy.core.text.markup import MarkupLabel
        from kivy.core.text.text_sdl2 import LabelSDL2
    except ImportError:  # another text provider: Kivy's own behaviour
        return
    if _installed:
        return
    _installed = True
    resolve = LabelSDL2.resolve_font_name
    render = LabelSDL2.render

    def resolve_font_name(self: Any) -> None:
        options = self.options
        requested = options["font_name"]
        chosen = requested if isinstance(self, MarkupLabel) else face_for_text(
            str(self.text), requested)
        if chosen == requested:
            resolve(self)
            return
        options["font_name"] = chosen
        try:
            resolve(self)
        finally:
            options["font_name"] = requested

    def render_broken(self: Any, real: bool = False) -> Any:
        text = self._text
        width = self._text_size[0]
        if real or width is None or not text or isinstance(self, MarkupLabel):
            return render(self, real)
        options = self.options
        left, _top, right, _bottom = options["padding"]
        broken = break_for_layout(text, width - left - right, self._get_font_id(),
                                  language_hint(options["font_name"]),
                                  self.get_cached_extents())
        if broken == text:
            return render(self, real)
        self._text = broken
        try:
            return render(self, real)
        finally:
            self._text = text

    LabelSDL2.resolve_font_name = resolve_font_name
    LabelSDL2.render = render_broken
