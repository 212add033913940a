"""The audio mode's eyes: the texts and button captions a person would see on a screen,
in reading order, for kiosk/ui/spoken.py to turn into one utterance."""

from __future__ import annotations

import re

from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.ui.widgets import IconLabel

_MARKUP = re.compile(r"\[/?[a-z_]+(=[^\]]*)?\]")
_OTHER_FACE = "[font="  # kiosk.ui.typesetting.in_faces: a text in other languages' faces
_ICONS = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd]")  # the icon font's code points


def visible_texts(root: Widget) -> tuple[list[str], list[str]]:
    """(texts, button captions) under ``root`` that a person can see, top to bottom and
    left to right. A button's caption is its labels' texts; icons are not read; texts
    written in other languages' faces (the language screen's prompt in 7 languages) are
    for other voices and left out."""
    texts: list[tuple[float, float, str]] = []
    buttons: list[tuple[float, float, str]] = []
    stack: list[Widget] = [root]
    while stack:
        widget = stack.pop()
        if widget.opacity <= 0 or widget.width <= 0 or widget.height <= 0:
            continue
        if isinstance(widget, ButtonBehavior):
            caption = caption_of(widget)
            if caption.strip() and not widget.disabled:
                buttons.append((*reading_place(widget), caption))
            continue
        if isinstance(widget, Label):
            text = _text(widget)
            if text:
                texts.append((*reading_place(widget), text))
        stack.extend(widget.children)
    return ([text for *_, text in sorted(texts)], [text for *_, text in sorted(buttons)])


def caption_of(button: Widget) -> str:
    """What a button says: its visible labels' texts, icons left out."""
    return " ".join(_text(label) for label in button.walk(restrict=True)
                    if isinstance(label, Label) and _visible_in(label, button)).strip()


def _text(label: Label) -> str:
    if isinstance(label, IconLabel):
        return ""
    text = str(label.text)
    if label.markup:
        if _OTHER_FACE in text:
            return ""
        text = _MARKUP.sub("", text)
    return " ".join(_ICONS.sub("", text).split())


def _visible_in(label: Widget, top: Widget) -> bool:
    node: Widget | None = label
    while node is not None and node is not top:
        if node.opacity <= 0 or node.width <= 0 or node.height <= 0:
            return False
        node = node.parent
    return True


def reading_place(widget: Widget) -> tuple[float, float]:
    """Sort key: higher on the screen first, then further left (rounded to a few pixels,
    so the labels of one row are read left to right)."""
    x, y = widget.to_window(widget.x, widget.top)
    return (-round(y / 8), x)
