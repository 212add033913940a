"""The text-fit checker on hand-built Kivy labels: it catches text that overflows its
label, its parent or the window, and text Kivy shortened; it passes text that fits."""

from __future__ import annotations

import pytest

from kiosk.ui import kivy_env

kivy_env.configure(headless=True, width=1080, height=1920)

from kivy.uix.floatlayout import FloatLayout  # noqa: E402
from kivy.uix.label import Label  # noqa: E402
from kivy.uix.widget import Widget  # noqa: E402

from kiosk.devtools.textfit import check_label, check_window  # noqa: E402

LONG = "Zahlungsbestätigung für Ihre Stromrechnung"


def _in_parent(label: Label, size: tuple[int, int] = (1000, 600)) -> Label:
    parent = FloatLayout(size_hint=(None, None), size=size, pos=(0, 0))
    parent.add_widget(label)
    label.pos = (0, 0)
    return label


def _kinds(label: Label) -> dict[str, float]:
    return {p.kind: p.overflow_px for p in check_label(label, "unit", "de")}


def test_a_fitting_label_passes() -> None:
    """GIVEN a one-line label with room to spare inside its parent
    WHEN it is checked
    THEN there is no problem"""
    label = _in_parent(Label(text="Bezahlen", font_size=34, size_hint=(None, None),
                             size=(400, 100)))
    assert check_label(label) == []


def test_a_too_narrow_label_is_caught_by_how_much() -> None:
    """GIVEN a one-line label narrower than its text
    WHEN it is checked
    THEN a width problem says by how many pixels the text is wider"""
    label = _in_parent(Label(text=LONG, font_size=34, size_hint=(None, None), size=(200, 60)))
    label.texture_update()
    kinds = _kinds(label)
    assert kinds["width"] == pytest.approx(label.texture_size[0] - 200, abs=0.1)
    assert kinds["width"] > 300


def test_wrapped_text_taller_than_its_label_is_caught() -> None:
    """GIVEN a wrapping label (text_size set) whose lines need more height than it has
    WHEN it is checked
    THEN a height problem is reported, and no width problem"""
    label = _in_parent(Label(text=LONG, font_size=34, size_hint=(None, None), size=(240, 50),
                             text_size=(240, None)))
    kinds = _kinds(label)
    assert kinds["height"] > 50
    assert "width" not in kinds


def test_shortened_text_counts_as_cut() -> None:
    """GIVEN a label that Kivy shortens with an ellipsis to fit its width
    WHEN it is checked
    THEN it is reported as shortened by the width its full text would need"""
    label = _in_parent(Label(text=LONG, font_size=34, size_hint=(None, None), size=(240, 60),
                             text_size=(240, None), shorten=True))
    kinds = _kinds(label)
    assert label.is_shortened
    assert kinds["shortened"] > 300
    assert "width" not in kinds  # the texture itself fits: it is the text that was cut


def test_short_text_with_shorten_on_is_not_cut() -> None:
    """GIVEN shorten=True on a label whose text fits anyway
    WHEN it is checked
    THEN there is no problem"""
    label = _in_parent(Label(text="Ja", font_size=34, size_hint=(None, None), size=(240, 60),
                             text_size=(240, None), shorten=True))
    assert check_label(label) == []


def test_a_label_sticking_out_of_its_parent_and_the_window_is_caught() -> None:
    """GIVEN a fitting label placed partly outside its parent, left of the window
    WHEN it is checked
    THEN a parent and a window problem are reported by the overhang"""
    label = _in_parent(Label(text="Zurück", font_size=34, size_hint=(None, None),
                             size=(300, 80)), size=(400, 400))
    label.pos = (-50, 350)
    kinds = _kinds(label)
    assert kinds["parent"] == pytest.approx(50)
    assert kinds["window"] == pytest.approx(50)


def test_the_window_walk_skips_invisible_labels_and_names_the_culprit() -> None:
    """GIVEN a tree with an overflowing visible label and an overflowing invisible one
    WHEN the tree is checked
    THEN only the visible one is reported, with its path and text head"""
    root = FloatLayout(size_hint=(None, None), size=(1000, 600))
    hidden = Label(text=LONG, size_hint=(None, None), size=(10, 10), opacity=0)
    shown = Label(text=LONG, size_hint=(None, None), size=(10, 10))
    holder = Widget(size=(1000, 600))
    for widget in (hidden, shown):
        root.add_widget(widget)
    root.add_widget(holder)
    problems = check_window("unit", "de", roots=[root])
    assert {p.widget for p in problems} == {"FloatLayout[0]/Label[1]"}
    assert problems[0].text == LONG[:40]
    assert "unit [de] FloatLayout[0]/Label[1]: width" in str(problems[0])
