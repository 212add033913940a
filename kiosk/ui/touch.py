"""A simulated finger for driving the real UI (kiosk.ui.driver, the walkthroughs).

Kivy's own (kivy.tests.common.UnitTestTouch) imports pytest, which an installed kiosk
does not have: `kiosk demo --headless` must run from the wheel alone. Same behaviour:
a MotionEvent at window coordinates, dispatched through the event loop as a touch
screen's would be."""

from __future__ import annotations

from kivy.base import EventLoop
from kivy.input.motionevent import MotionEvent


class SimulatedTouch(MotionEvent):
    """One finger at window position (x, y): touch_down(), move_to() while it slides,
    then touch_up()."""

    def __init__(self, x: float, y: float) -> None:
        window = EventLoop.window
        super().__init__(self.__class__.__name__, 99,
                         {"x": x / (window.width - 1.0), "y": y / (window.height - 1.0)},
                         is_touch=True, type_id="touch")
        self.profile = ["pos"]

    def depack(self, args: dict[str, float]) -> None:
        # Relative to the window (0..1), as a touch device reports it.
        self.sx = args["x"]
        self.sy = args["y"]
        super().depack(args)

    def move_to(self, x: float, y: float) -> None:
        """The finger slides to window position (x, y)."""
        window = EventLoop.window
        self.move({"x": x / (window.width - 1.0), "y": y / (window.height - 1.0)})
        EventLoop.post_dispatch_input("update", self)

    def touch_down(self) -> None:
        EventLoop.post_dispatch_input("begin", self)

    def touch_up(self) -> None:
        EventLoop.post_dispatch_input("end", self)
