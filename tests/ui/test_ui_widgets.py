"""Widgets on their own, in the real (offscreen) window of the session App."""

from __future__ import annotations

import pytest
from kivy.core.window import Window

from kiosk.ui.driver import Driver
from kiosk.ui.widgets import MIN_TEXT_SCALE, KButton

pytestmark = pytest.mark.ui


def test_a_long_primary_label_shrinks_to_fit_its_button_and_grows_back(driver: Driver) -> None:
    """GIVEN a primary button a third of the screen wide
    WHEN its text needs two lines at title size (French "yes, that is her")
    THEN the font gets smaller until the text fits inside the button's padding, never
    below MIN_TEXT_SCALE; a short text afterwards is drawn at full size again."""
    button = KButton(text="Oui, c'est bien elle", primary=True, size_hint=(None, None),
                     width=Window.width / 3)
    Window.add_widget(button)
    try:
        driver.settle(0.3)
        label = button.ids.label
        _left, top, _right, bottom = button.padding
        assert MIN_TEXT_SCALE <= button.text_scale < 1.0
        assert label.texture_size[1] <= button.height - top - bottom
        assert label.text == "Oui, c'est bien elle"  # nothing cut
        button.text = "Oui"
        driver.settle(0.3)
        assert button.text_scale == 1.0
        assert label.texture_size[1] <= button.height - top - bottom
    finally:
        Window.remove_widget(button)
