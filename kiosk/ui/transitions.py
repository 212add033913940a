"""The fade between screens, drawn with the new screen's canvas opacity.

Kivy's FadeTransition is a shader transition: each screen change allocates two
offscreen buffers the size of the window (each with a stencil buffer), compiles a
shader, and draws both screens into the buffers on every frame of the fade; the new
screen joins the widget tree only when the fade ends. With software rendering (Mesa's
llvmpipe, what a kiosk without a working GPU driver draws with) that is more work than
the 0.12 s fade has time for (bench/ui_screen_change.py).

Every screen paints its own opaque background, so the new screen drawn over the old one
at a rising opacity (the old one whole beneath) is the same cross-fade, drawn straight
into the window: no buffer, no shader, the same 0.12 s (docs/ui-guide.md). The new
screen is in the widget tree from the first frame, so it is laid out before it shows.
Touches during the fade are still dropped by Kivy's ScreenManager, as they were.
"""

from __future__ import annotations

from kivy.properties import NumericProperty
from kivy.uix.screenmanager import TransitionBase

FADE_S = 0.12


class CrossFade(TransitionBase):
    duration = NumericProperty(FADE_S)

    # The canvas's opacity, not the widget's: what reads the screen (the keypad's focus,
    # the spoken description, the checks) counts a widget of opacity 0 as hidden, and a
    # screen fading in is shown; Kivy's Widget.opacity only sets its canvas's.
    def on_progress(self, progression: float) -> None:
        self.screen_in.canvas.opacity = progression * self.screen_in.opacity

    def on_complete(self) -> None:
        self.screen_in.canvas.opacity = self.screen_in.opacity  # also a fade cut short
        super().on_complete()
