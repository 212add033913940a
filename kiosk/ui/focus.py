"""Focus navigation for the tactile keypad (docs/accessibility.md#tactile-keypad).

A visible focus ring (a thick outline in the theme's accent) moves through every control
a person could touch on the screen in front (or the dialog open over it), in reading
order: down and right to the next, up and left to the previous, round at the ends.
Select does what a touch on the control does (its on_press and on_release, the handlers
a tap reaches), back is the screen's Back, help the footer's Help. In the audio mode the
focused control's caption is said.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, InstructionGroup, Line
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.modalview import ModalView
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.services.ports import KeyInput
from kiosk.ui import theme
from kiosk.ui.audio import caption_of, reading_place
from kiosk.ui.i18n import N_, _

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp

NEXT_KEYS = frozenset({"down", "right"})
PREVIOUS_KEYS = frozenset({"up", "left"})
VOLUME_STEP = 20  # espeak-ng's amplitude, 0 to 200 (ports.DEFAULT_SPEECH_VOLUME is 100)
VOLUME_RANGE = (20, 200)  # never silent: a person who turned it all down hears nothing
RING_WIDTH = 8  # reference pixels: seen from a step back, and by a low-vision person
# What an icon-only control is called when focused, by its id on the screen.
ICON_NAMES = {"back": N_("Back"), "cancel": N_("Cancel"), "help": N_("Help")}


class FocusRing:
    """The outline drawn over the focused widget's own canvas, following its moves."""

    def __init__(self, widget: Widget, width: float) -> None:
        self.widget = widget
        self._width = width
        self._group = InstructionGroup()
        self._group.add(Color(rgba=theme.palette.ACCENT))
        self._line = Line(width=width)
        self._group.add(self._line)
        widget.canvas.after.add(self._group)
        widget.bind(pos=self._follow, size=self._follow)
        self._follow()

    def _follow(self, *_: object) -> None:
        w, (x, y), (width, height) = self._width, self.widget.pos, self.widget.size
        self._line.rectangle = (x + w, y + w, max(width - 2 * w, 1), max(height - 2 * w, 1))

    def remove(self) -> None:
        self.widget.unbind(pos=self._follow, size=self._follow)
        self.widget.canvas.after.remove(self._group)


class FocusManager:
    def __init__(self, app: KioskApp) -> None:
        self.app = app
        self._ring: FocusRing | None = None
        # Dialogs whose closing has begun: they fade out still on the window, but the
        # focus moves on to what is under them.
        self._closing: weakref.WeakSet[ModalView] = weakref.WeakSet()
        self._watched: weakref.WeakSet[ModalView] = weakref.WeakSet()
        self._listener: KeyListener | None = None
        self.keys_handled = 0  # how many keys the UI has acted on (tests wait on it)

    def listen(self, keys: KeyInput | None) -> None:
        """Wait for ``keys`` on a thread of their own from now on (None: stop)."""
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        if keys is not None:
            self._listener = KeyListener(keys, self.press)
            self._listener.start()

    def press(self, key: str) -> None:
        """A key of the tactile keypad, on the UI thread. On the attract screen any key
        starts, as a touch does, with the audio mode on (unless no service works: then
        none does); elsewhere it is handled."""
        app = self.app
        app.last_touch = time.monotonic()  # a key is someone there, as a touch is
        if app.root is not None and app.root.current == "attract":
            if app.no_service_works():  # closed: no key starts, as no touch does
                self.keys_handled += 1
                return
            app.set_audio(True)
            app.show_screen("language")  # what a touch there does (AttractScreen.start)
        else:
            self.handle(key)
        self.keys_handled += 1

    @property
    def focused(self) -> Widget | None:
        return self._ring.widget if self._ring is not None else None

    def clear(self) -> None:
        if self._ring is not None:
            self._ring.remove()
            self._ring = None

    def handle(self, key: str) -> None:
        """One key of the keypad, on the UI thread."""
        if key in NEXT_KEYS or key in PREVIOUS_KEYS:
            self.move(1 if key in NEXT_KEYS else -1)
        elif key == "select":
            focused = self.focused
            if focused is not None and focused in self.actionable():
                _activate(focused)
        elif key == "back":
            self._back()
        elif key == "help":
            self._press_by_id("help")
        elif key in ("volume_up", "volume_down"):
            step = VOLUME_STEP if key == "volume_up" else -VOLUME_STEP
            low, high = VOLUME_RANGE
            self.app.speech_volume = min(high, max(low, self.app.speech_volume + step))
            focused = self.focused
            if focused is not None:  # said again, at the new volume
                self.app.say(self.name_of(focused))

    def move(self, step: int) -> None:
        """The focus to the next (1) or previous (-1) control, round at the ends."""
        controls = self.actionable()
        if not controls:
            self.clear()
            return
        focused = self.focused
        if focused in controls:
            target = controls[(controls.index(focused) + step) % len(controls)]
        else:
            target = controls[0] if step > 0 else controls[-1]
        self.focus(target)

    def focus(self, widget: Widget) -> None:
        self.clear()
        _scroll_into_view(widget)
        self._ring = FocusRing(widget, max(3.0, self.app.u * RING_WIDTH))
        self.app.keep_screen_unsaid()
        self.app.say(self.name_of(widget))

    def actionable(self) -> list[Widget]:
        """The controls of the dialog on top, else of the screen, in reading order."""
        found: list[Widget] = []
        stack: list[Widget] = [self._front()]
        while stack:
            widget = stack.pop()
            if widget.opacity <= 0 or widget.width <= 0 or widget.height <= 0 \
                    or widget.disabled:
                continue
            if isinstance(widget, ButtonBehavior):
                found.append(widget)
                continue
            stack.extend(widget.children)
        return sorted(found, key=reading_place)

    def name_of(self, widget: Widget) -> str:
        caption = caption_of(widget)
        if caption:
            return caption
        ids = getattr(self.app.current_screen, "ids", {})
        # ids hold weak proxies: == compares the widgets behind them
        name = next((ICON_NAMES[key] for key, value in ids.items()
                     if key in ICON_NAMES and value == widget), None)
        return _(name) if name is not None else ""

    def _front(self) -> Widget:
        for widget in Window.children:  # the topmost first
            if not isinstance(widget, ModalView):
                break
            if widget not in self._watched:
                self._watched.add(widget)
                widget.fbind("on_pre_dismiss", self._closing.add)
                # Opened again. Not on_open: Kivy sends it when the fade-in ends, which
                # comes after a dismissal made during the fade-in (Help, then back at
                # once), and the fading dialog would take the keys again.
                widget.fbind("on_pre_open", self._closing.discard)
            if widget not in self._closing:
                return widget
        return self.app.current_screen

    def _back(self) -> None:
        front = self._front()
        if isinstance(front, ModalView):
            front.dismiss()  # Help, Leave the service?...: back closes it
            return
        self._press_by_id("back")

    def _press_by_id(self, name: str) -> None:
        proxy = self.app.current_screen.ids.get(name)
        if proxy is None:
            return
        widget = next((control for control in self.actionable() if control == proxy), None)
        if widget is not None:  # there, shown and enabled
            _activate(widget)


def _activate(widget: Widget) -> None:
    """What a tap does to a control: pressed, then released, at once."""
    assert isinstance(widget, ButtonBehavior)
    widget.trigger_action(duration=0)


def _scroll_into_view(widget: Widget) -> None:
    node = widget.parent
    while node is not None and node is not node.parent:
        if isinstance(node, ScrollView):
            node.scroll_to(widget, padding=10, animate=False)
            return
        node = node.parent


class KeyListener:
    """Waits for the keypad's keys on its own thread (the UI never blocks) and hands
    each to the UI thread, in the order pressed."""

    POLL_S = 0.25  # how long one wait lasts: bounds how late stop() is noticed

    def __init__(self, keys: KeyInput, on_key: Callable[[str], None]) -> None:
        self._keys = keys
        self._on_key = on_key
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="keypad", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2 * self.POLL_S + 1)

    def _run(self) -> None:
        while not self._stop.is_set():
            key = self._keys.next_key(self.POLL_S)
            if key is not None and not self._stop.is_set():
                Clock.schedule_once(lambda _dt, key=key: self._on_key(key))
