"""Drive the real Kivy UI without a person: simulated touches on real widgets, frames
pumped by hand, screenshots of the real window. Used by the headless demo walkthrough,
the screenshot script and the UI tests (docs/platform.md#driving-the-app-in-a-test)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.uix.widget import Widget

from kiosk.ui.app import KioskApp
from kiosk.ui.touch import SimulatedTouch


class UiTimeout(AssertionError):
    pass


# How long a step waits for what the UI should show at once (a screen after a touch, a
# device's answer): generous, since waiting longer never slows a walk that works, and a
# loaded machine (a full test run beside other work, load 12) took over 15 s.
PATIENCE_S = 30.0


# How often an offscreen window no one watches is drawn while a walk drives it (the UI
# tests, the headless demo, the screenshot script): 4 frames a second shows every state
# that lasts, and a screenshot is always drawn first.
UNWATCHED_DRAW_EVERY_S = 0.25


class _DrawBudget:
    """Draws the pumped frames at most ``every_s`` apart (see draw_at_most_every)."""

    def __init__(self) -> None:
        self.every_s = 0.0
        self.forced = False
        self._last = 0.0
        Window.bind(on_draw=self._draw_or_skip)

    def _draw_or_skip(self, *_args: object) -> bool | None:
        now = time.monotonic()
        if self.forced or now - self._last >= self.every_s:
            self._last = now
            return None  # Window.on_draw draws
        return True  # not drawn: the canvas stays to be drawn at a later frame


_budget: _DrawBudget | None = None


def draw_at_most_every(seconds: float) -> None:
    """Draw the window at most every ``seconds`` while frames are pumped (0: every frame
    that changed, as the kiosk does). Each pumped frame still runs Kivy's clock, input,
    layout and animations; only the pixels are drawn less often, since drawing a
    1080x1920 window in software is most of what a walk costs
    (docs/platform.md#driving-the-app-in-a-test). A screenshot is always drawn first,
    and a changed window is drawn within ``seconds``."""
    global _budget
    if _budget is None:
        _budget = _DrawBudget()
    _budget.every_s = seconds


def _draw_now() -> None:
    if _budget is None:
        Window.dispatch("on_draw")
        return
    _budget.forced = True
    try:
        Window.dispatch("on_draw")
    finally:
        _budget.forced = False


class Driver:
    def __init__(self, app: KioskApp) -> None:
        self.app = app
        self._started = False
        self._last_tap: tuple[str, float, float] | None = None  # what, where: for timeouts

    def start(self) -> None:
        if not self._started:
            self.app._run_prepare()  # builds the App and opens (or reuses) the window
            self._started = True
        self.pump(3)

    def stop(self) -> None:
        """Stop the App (no frames are pumped after: kv rules would find no App)."""
        if self._started:
            self.app.stop()
            self._started = False

    def pump(self, frames: int = 1) -> None:
        for _ in range(frames):
            EventLoop.idle()

    def settle(self, seconds: float = 0.3) -> None:
        """Pump frames for a while: lets transitions and scheduled callbacks finish."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            EventLoop.idle()
            time.sleep(1 / 30)

    def wait_until(self, condition: Callable[[], bool], timeout: float = PATIENCE_S,
                   what: str = "condition") -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            EventLoop.idle()
            if condition():
                return
            time.sleep(1 / 30)
        raise UiTimeout(f"timed out after {timeout:.0f} s waiting for {what} "
                        f"(screen {self.app.root.current}{self._flow_error()}; "
                        f"{self._state()})")

    def _state(self) -> str:
        """What a timeout needs to be understood without a replay: whether a session
        runs, what the last tap was meant for and what a touch there reaches now."""
        app = self.app
        parts = [f"session {'yes' if app.session is not None else 'none'}",
                 f"flow {type(app.flow).__name__ if app.flow is not None else 'none'}"]
        if self._last_tap is not None:
            meant, x, y = self._last_tap
            parts.append(f"last tap meant for {meant} at ({x:.0f}, {y:.0f}) "
                         f"reaches {topmost_at(x, y)}")
        return ", ".join(parts)

    def _flow_error(self) -> str:
        """The error the service shows, by code and reason only (never what was typed)."""
        flow = self.app.flow
        error = flow.error if flow is not None else None
        if error is None:
            return ""
        reason = error.detail.get("reason", "")
        return f", {error.code.value}" + (f" {reason}" if reason else "")

    def wait_for_screen(self, name: str, timeout: float = PATIENCE_S) -> None:
        manager = self.app.root
        self.wait_until(lambda: manager.current == name and not manager.transition.is_active,
                        timeout, f"screen {name!r}")
        self.pump(2)

    def _after_fade(self) -> None:
        """Wait for a screen's fade to end: Kivy's ScreenManager drops every touch during
        one, and a finger touches a screen once it is there (a walk pumps frames faster
        than a person reads, so it would touch in the fade)."""
        manager = self.app.root
        if manager is not None and manager.transition.is_active:
            self.wait_until(lambda: not manager.transition.is_active, PATIENCE_S,
                            f"the fade to screen {manager.current!r}")

    def tap(self, widget: Widget) -> None:
        """Touch down and up at the widget's centre, as a finger would."""
        if widget.disabled:
            raise AssertionError(f"tapping a disabled widget: {widget!r}")
        self._after_fade()
        x, y = widget.to_window(*widget.center)
        self._last_tap = (type(widget).__name__, x, y)
        touch = SimulatedTouch(x, y)
        touch.touch_down()
        self.pump(1)
        touch.touch_up()
        self.pump(2)

    def tap_at(self, x: float, y: float) -> None:
        self._after_fade()
        self._last_tap = ("a point", x, y)
        touch = SimulatedTouch(x, y)
        touch.touch_down()
        self.pump(1)
        touch.touch_up()
        self.pump(2)

    def swipe(self, widget: Widget, fraction: float, steps: int = 10) -> None:
        """A finger slides up over ``widget`` by ``fraction`` of its height (a negative
        fraction slides down) at a finger's pace, a step per 60th of a second, and rests
        a moment before it lifts: a list scrolls that far and does not fly on (its
        speed is measured from the touch's times)."""
        self._after_fade()
        x, y = widget.to_window(*widget.center)
        distance = widget.height * fraction
        touch = SimulatedTouch(x, y - distance / 2)
        touch.touch_down()
        self.pump(1)
        for step in range(1, steps + 1):
            time.sleep(1 / 60)
            touch.move_to(x, y - distance / 2 + distance * step / steps)
            self.pump(1)
        self.settle(0.15)
        touch.touch_up()
        self.pump(2)

    def tap_quickly(self, x: float, y: float, times: int) -> None:
        """``times`` taps at one spot with no frame drawn between them, as a quick finger
        does (a gesture counted in seconds must not depend on how fast frames draw)."""
        self._after_fade()
        for _ in range(times):
            touch = SimulatedTouch(x, y)
            touch.touch_down()
            touch.touch_up()
        self.pump(2)

    def screenshot(self, path: Path) -> Path:
        """A PNG of the whole window as it is now."""
        self.pump(2)
        _draw_now()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        written = Window.screenshot(name=str(path.resolve()))  # Kivy inserts a counter
        Path(written).replace(path)
        return path

    def find(self, screen: str, widget_id: str) -> Widget:
        return self.app.screen(screen).ids[widget_id]


def topmost_at(x: float, y: float) -> str:
    """The widget a touch at window position (x, y) meets first, by the order Kivy
    dispatches in (the window's last child first, a parent's last child first), with the
    chain of its parents' types; disabled widgets are named so."""
    def walk(widget: Widget) -> list[Widget]:
        for child in reversed(widget.children):
            if child.collide_point(*child.to_widget(x, y)):  # in the child's parent's space
                return [child, *walk(child)]
        return []

    chain = walk(Window)
    names = [type(w).__name__ + (" (disabled)" if w.disabled else "") for w in chain]
    return " > ".join(names[-4:]) if names else "nothing"
