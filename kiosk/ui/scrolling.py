"""Scroll physics that a long frame cannot throw off.

Kivy's DampedScrollEffect (every ScrollView's default) moves its spring and friction
forward in one explicit step of the frame's dt. The step is stable only for short
frames: from about 0.6 s on, each frame's correction overshoots more than the last
(a content 40 px past its edge, 10 frames of 1 s each: 12,000 px away; of 3 s each:
14 million). A kiosk's main loop does stall that long now and then (a loaded machine,
a screen built in one go, a frozen-loop test), and a list bouncing back from its edge
at that moment was thrown so far that its buttons left the window: touches on the home
screen's tiles met nothing until the effect came back. Long frames are integrated here
in steps of at most MAX_STEP_S, so the motion follows the same curve whatever the frame
rate (widgets.kv makes this every ScrollView's effect).
"""

from __future__ import annotations

import math

from kivy.effects.dampedscroll import DampedScrollEffect
from kivy.factory import Factory

MAX_STEP_S = 1 / 60  # Kivy's own std_dt: the step its constants are tuned for
MAX_STEPS = 600  # a frame of 10 s at the most is followed; past that the rest is dropped


class SteadyScrollEffect(DampedScrollEffect):
    def update_velocity(self, dt: float) -> None:
        steps = min(max(1, math.ceil(dt / MAX_STEP_S)), MAX_STEPS)
        step = min(dt / steps, MAX_STEP_S)
        for _ in range(steps):
            super().update_velocity(step)
            if self.velocity == 0 and self.overscroll == 0:
                return  # settled: Kivy's own step rounded the value and stopped


Factory.register("SteadyScrollEffect", cls=SteadyScrollEffect)
