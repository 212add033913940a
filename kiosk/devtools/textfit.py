"""Text-fit check: does every visible text on the kiosk's screen fit where it is drawn?

For each visible Label (button captions included) on the current screen and any open
dialog, the rendered texture (``texture_size`` after ``texture_update()``) must fit the
label's box in width and height; a label that Kivy shortened ("Abc...") or cut at
``max_lines`` counts as cut by the width (or height) its full text would need; and the
label's box must lie inside its parent's box and inside the window (unless it sits in a
ScrollView, whose content is meant to extend past the viewport).

    python -m kiosk.devtools.textfit [--lang de ru ja ...] [--scale 1.0]

walks every screen in every language, the same walk as ``python -m kiosk.devtools.screens``
(which runs it with ``--check textfit``), without writing PNGs, and prints the problems;
exit status 1 if there are any.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Kivy is imported late: `python -m` must configure it first
    from kivy.uix.label import Label
    from kivy.uix.widget import Widget

TOLERANCE_PX = 1.0  # sub-pixel layout rounding is not an overflow
TEXT_HEAD = 40


@dataclass(frozen=True)
class FitProblem:
    """One text that does not fit: where, which, what and by how many pixels."""

    screen: str
    lang: str
    widget: str  # the kv id, or a path from the nearest widget with an id
    text: str  # the first characters of the text
    kind: str  # width, height, shortened, lines, parent, window
    overflow_px: float

    def __str__(self) -> str:
        return (f"{self.screen} [{self.lang}] {self.widget}: {self.kind} "
                f"+{self.overflow_px:.0f} px {self.text!r}")


def check_window(screen: str, lang: str, roots: Iterable[Widget] | None = None) -> list[FitProblem]:
    """The problems of every visible label under ``roots`` (by default everything in the
    window: the current screen and any open dialog)."""
    from kivy.core.window import Window

    tops = list(roots) if roots is not None else list(reversed(Window.children))
    names = _id_names(tops)
    problems: list[FitProblem] = []
    for top in tops:
        for label in _visible_labels(top):
            problems.extend(check_label(label, screen, lang, names.get(id(label)) or
                                        _path(label, names)))
    return problems


def check_label(label: Label, screen: str = "", lang: str = "",
                name: str | None = None) -> list[FitProblem]:
    """The ways ``label`` does not fit: its own box, its shortening, its parent, the window."""
    label.texture_update()
    where = name or type(label).__name__
    head = " ".join(str(label.text).split())[:TEXT_HEAD]
    found: list[tuple[str, float]] = []
    texture_w, texture_h = label.texture_size
    found.append(("width", texture_w - label.width))
    found.append(("height", texture_h - label.height))
    if label.shorten or label.max_lines:
        full_w, full_h = _unclipped_size(label)
        available_w = label.text_size[0] if label.text_size[0] is not None else label.width
        if label.shorten and label.text_size[0] is not None:
            found.append(("shortened", full_w - available_w))
        if label.max_lines:
            found.append(("lines", full_h - texture_h))
    found.extend(_outside(label))
    return [FitProblem(screen, lang, where, head, kind, round(px, 1))
            for kind, px in found if px > TOLERANCE_PX]


def _unclipped_size(label: Label) -> tuple[float, float]:
    """The size the label's text needs when Kivy may neither shorten nor drop lines:
    one line without shortening (what the width was cut from), and the wrapped height
    with every line (what ``max_lines`` cut)."""
    from kivy.core.text import Label as CoreLabel
    from kivy.core.text.markup import MarkupLabel as CoreMarkupLabel
    from kivy.uix.label import Label

    options = {prop: getattr(label, prop) for prop in Label._font_properties}
    options.pop("markup")
    options.update(shorten=False, max_lines=0)
    core_type = CoreMarkupLabel if label.markup else CoreLabel
    one_line = core_type(**{**options, "text_size": (None, None)})
    one_line.resolve_font_name()
    full_w = one_line.render()[0]
    wrapped = core_type(**options)
    wrapped.resolve_font_name()
    full_h = wrapped.render()[1]
    return float(full_w), float(full_h)


def _outside(label: Label) -> list[tuple[str, float]]:
    """How far the label's box sticks out of its parent's box and out of the window."""
    from kivy.core.window import Window
    from kivy.uix.widget import Widget

    if _in_scrollview(label):
        return []
    x0, y0 = label.to_window(label.x, label.y)
    x1, y1 = label.to_window(label.right, label.top)
    found: list[tuple[str, float]] = []
    parent = label.parent
    if isinstance(parent, Widget) and parent is not Window and parent.width and parent.height:
        px0, py0 = parent.to_window(parent.x, parent.y)
        px1, py1 = parent.to_window(parent.right, parent.top)
        found.append(("parent", max(px0 - x0, py0 - y0, x1 - px1, y1 - py1)))
    found.append(("window", max(-x0, -y0, x1 - Window.width, y1 - Window.height)))
    return found


def _in_scrollview(widget: Widget) -> bool:
    from kivy.uix.scrollview import ScrollView
    from kivy.uix.widget import Widget

    node = widget.parent
    while isinstance(node, Widget):
        if isinstance(node, ScrollView):
            return True
        node = node.parent
    return False


def _visible_labels(root: Widget) -> Iterator[Label]:
    """Labels a person can see: with text, a size, and no invisible ancestor."""
    from kivy.uix.label import Label

    stack: list[Widget] = [root]
    while stack:
        widget = stack.pop()
        if widget.opacity <= 0 or widget.width <= 0 or widget.height <= 0:
            continue
        if isinstance(widget, Label) and str(widget.text).strip():
            yield widget
        stack.extend(widget.children)


def _id_names(tops: Iterable[Widget]) -> dict[int, str]:
    """Every widget that has a kv id, by identity: its id, prefixed with the ids of the
    rules it sits in (``next.label``: the caption of the button with id ``next``)."""
    from kivy.uix.screenmanager import Screen
    from kivy.uix.widget import Widget

    own: dict[int, str] = {}
    owner_of: dict[int, Widget] = {}
    for top in tops:
        for widget in top.walk(restrict=True):
            ids: Any = getattr(widget, "ids", {})
            for key, value in ids.items():
                target = getattr(value, "__self__", value)  # kv ids hold weak proxies
                if isinstance(target, Widget) and id(target) not in own:
                    own[id(target)] = key
                    owner_of[id(target)] = widget
    names: dict[int, str] = {}
    for widget_id, key in own.items():
        name, owner = key, owner_of[widget_id]
        while id(owner) in own and not isinstance(owner, Screen) and name.count(".") < 3:
            name = f"{own[id(owner)]}.{name}"
            owner = owner_of[id(owner)]
        names[widget_id] = name
    return names


def _path(widget: Widget, names: dict[int, str]) -> str:
    """``nearest_id/Class[i]/Class[j]``: from the nearest ancestor with an id (or the
    screen) down to the widget, children counted in drawing order."""
    from kivy.core.window import Window
    from kivy.uix.widget import Widget

    parts: list[str] = []
    node: Any = widget
    while isinstance(node, Widget) and id(node) not in names and node.parent is not Window:
        parent = node.parent
        index = list(reversed(parent.children)).index(node) if isinstance(parent, Widget) else 0
        parts.append(f"{type(node).__name__}[{index}]")
        if getattr(node, "name", "") and type(node).__name__.endswith("Screen"):
            break
        node = parent
    if isinstance(node, Widget) and id(node) in names:
        parts.append(names[id(node)])
    return "/".join(reversed(parts))


class TextFitCheck:
    """The walk's hook: checks the screen at every screenshot, gathers unique problems."""

    def __init__(self) -> None:
        self.problems: list[FitProblem] = []
        self._seen: set[tuple[str, str, str, str]] = set()
        self.screens_checked = 0

    def __call__(self, screen: str, lang: str) -> None:
        self.screens_checked += 1
        for problem in check_window(screen, lang):
            key = (problem.screen, problem.lang, problem.widget, problem.kind)
            if key not in self._seen:
                self._seen.add(key)
                self.problems.append(problem)

    def report(self) -> str:
        """One line per problem; siblings with the same problem (the keys of a keyboard)
        on one line, with how many and their texts."""
        groups: dict[tuple[str, str, str, str, float], list[FitProblem]] = {}
        for problem in self.problems:
            parent_path = re.sub(r"\[\d+\]$", "[*]", problem.widget)
            key = (problem.screen, problem.lang, parent_path, problem.kind, problem.overflow_px)
            groups.setdefault(key, []).append(problem)
        lines = []
        for (screen, lang, where, kind, px), group in groups.items():
            if len(group) == 1:
                lines.append(str(group[0]))
            else:
                texts = " ".join(p.text for p in group)[:TEXT_HEAD]
                lines.append(f"{screen} [{lang}] {where} (x{len(group)}): {kind} +{px:.0f} px "
                             f"{texts!r}")
        lines.append(f"text fit: {len(self.problems)} problem(s) on {self.screens_checked} "
                     "screens checked")
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from kiosk.devtools import screens

    parser = argparse.ArgumentParser(prog="python -m kiosk.devtools.textfit",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", nargs="*", default=None)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="of the 1080x1920 reference screen (the guide checks at 1.0)")
    args = parser.parse_args(argv)
    forwarded = ["--check", "textfit", "--no-png", "--scale", str(args.scale)]
    if args.lang:
        forwarded += ["--lang", *args.lang]
    return screens.main(forwarded)


if __name__ == "__main__":
    sys.exit(main())
