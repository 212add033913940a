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


def test_sizes_within_one_pixel_share_one_open_font_and_draw_alike(driver: Driver) -> None:
    """GIVEN the kiosk's Chinese face, which SDL2_ttf opens at whole-pixel sizes
    WHEN texts are drawn at 35.0, 35.2, 35.199999 (a shrunk caption) and 36 px
    THEN the first three share one open font (Kivy would open the 2.5 MB face three
    times) and draw exactly alike; 36 px is a font of its own and draws larger."""
    from kivy.core.text import Label as CoreLabel

    labels = []
    for size in (35.0, 35.2, 35.199999, 36.0):
        label = CoreLabel(text="Pay 缴费", font_size=size, font_name="Kiosk-zh-Hans")
        label.refresh()
        labels.append(label)
    ids = [label._get_font_id() for label in labels]
    assert ids[0] == ids[1] == ids[2] != ids[3]
    sizes = [tuple(label.texture.size) for label in labels]
    assert sizes[0] == sizes[1] == sizes[2]
    assert sizes[3][0] > sizes[0][0]
