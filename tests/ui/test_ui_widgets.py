"""Widgets on their own, in the real (offscreen) window of the session App."""

from __future__ import annotations

import pytest
from kivy.core.text import Label as CoreLabel
from kivy.core.window import Window

from kiosk.ui.driver import Driver
from kiosk.ui.icons import icon
from kiosk.ui.widgets import MIN_TEXT_SCALE, Footer, Header, KButton

pytestmark = pytest.mark.ui


def test_a_long_primary_label_shrinks_to_fit_its_button_and_grows_back(driver: Driver) -> None:
    """GIVEN a primary button a third of the screen wide
    WHEN its text needs three lines at title size (French "yes, that is her, I confirm")
    THEN the font gets smaller until the text fits inside the button's padding, never
    below MIN_TEXT_SCALE; a short text afterwards is drawn at full size again."""
    button = KButton(text="Oui, c'est bien elle, je confirme", primary=True,
                     size_hint=(None, None),
                     width=Window.width / 3)
    Window.add_widget(button)
    try:
        driver.settle(0.3)
        label = button.ids.label
        _left, top, _right, bottom = button.padding
        assert MIN_TEXT_SCALE <= button.text_scale < 1.0
        assert label.texture_size[1] <= button.height - top - bottom
        assert label.text == "Oui, c'est bien elle, je confirme"  # nothing cut
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


def test_a_footer_gives_a_hidden_button_no_room_and_shares_too_little_room_fairly(
        driver: Driver) -> None:
    """GIVEN a footer with Back, Cancel, a hidden Skip and a primary Next (German words)
    WHEN it is laid out at the reference width, then with Skip shown as well
    THEN the hidden button takes no width; with every button shown each caption fits
    inside its button (wrapped or smaller, never cut) and no button is under 60 px."""
    footer = Footer(size_hint=(None, None), width=Window.width)
    icons = {"Zurück": icon("arrow-left"), "Abbrechen": icon("close")}
    buttons = [KButton(text=t, fit=(t != "Weiter"), primary=(t == "Weiter"),
                       icon=icons.get(t, ""))
               for t in ("Zurück", "Abbrechen", "Überspringen", "Weiter")]
    for button in buttons:
        footer.add_widget(button)
    skip = buttons[2]
    skip.opacity = 0
    Window.add_widget(footer)
    try:
        driver.settle(0.3)
        assert skip.width == 0
        assert buttons[3].width >= buttons[3].natural_width - 1
        skip.opacity = 1  # now the four German captions need more than the footer has
        driver.settle(0.3)
        assert sum(b.natural_width for b in buttons) > footer.width - 72 - 3 * 24
        for button in buttons:
            label = button.ids.label
            _left, top, _right, bottom = button.padding
            assert button.width >= 60
            assert label.texture_size[1] <= button.height - top - bottom
            assert label.texture_size[0] <= label.width + 1
    finally:
        Window.remove_widget(footer)


def test_a_long_header_title_shrinks_then_wraps_and_is_never_shortened(driver: Driver) -> None:
    """GIVEN the header of a screen
    WHEN its title is a long service name (Russian)
    THEN the title is drawn whole: smaller and on two lines, inside its box"""
    header = Header(size_hint=(None, None), width=Window.width, step_text="Шаг 1 из 6",
                    title="Регистрация по месту пребывания иностранного гражданина и ещё "
                          "немного")
    Window.add_widget(header)
    try:
        driver.settle(0.3)
        title = header.ids.title
        assert not title.shorten
        assert title.scale < 1.0
        assert title.texture_size[1] <= title.height
        assert title.texture_size[0] <= title.width + 1
    finally:
        Window.remove_widget(header)
