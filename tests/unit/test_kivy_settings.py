"""Screen rotation and touch calibration settings (config ui.rotation, [touch]) as the
Kivy configuration the kiosk starts with (kiosk/ui/kivy_env.py). Pure: no Kivy import."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.errors import ConfigError
from kiosk.ui.kivy_env import TouchInput, kivy_settings


def site(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def settings_for(tmp_path: Path, text: str, *, headless: bool = False) -> dict[str, dict[str, str]]:
    config = load_config(site(tmp_path, text))
    return kivy_settings(width=config.ui.width, height=config.ui.height,
                         fullscreen=config.ui.fullscreen, headless=headless,
                         rotation=config.ui.rotation,
                         touch=TouchInput(**config.touch.model_dump()))


def test_defaults_take_the_display_servers_pointer_only(tmp_path: Path) -> None:
    """GIVEN a site file that says nothing of the screen or touch
    WHEN its Kivy settings are made
    THEN the UI is not rotated, the cursor shows (a desktop), and touches come from the
    display server's pointer alone: no probing of /dev/input that would count a touch twice."""
    kivy = settings_for(tmp_path, "")
    assert kivy["graphics"]["rotation"] == "0"
    assert kivy["graphics"]["show_cursor"] == "1"
    assert kivy["input"] == {"mouse": "mouse,disable_multitouch"}


def test_a_kiosk_screen_is_full_screen_rotated_and_has_no_cursor(tmp_path: Path) -> None:
    """GIVEN a portrait UI on a landscape panel: ui.fullscreen and ui.rotation = 90
    WHEN its Kivy settings are made
    THEN the window opens full screen, turned 90 degrees, with no cursor drawn, and its
    unturned size is the landscape one, so the UI inside is the portrait 1080x1920."""
    kivy = settings_for(tmp_path, "[ui]\nfullscreen = true\nrotation = 90\n")
    assert kivy["graphics"]["fullscreen"] == "auto"
    assert (kivy["graphics"]["width"], kivy["graphics"]["height"]) == ("1920", "1080")
    assert kivy["graphics"]["rotation"] == "90"
    assert kivy["graphics"]["show_cursor"] == "0"


def test_a_panel_read_directly_gets_its_rotation_inversion_and_range(tmp_path: Path) -> None:
    """GIVEN touch.provider = "mtdev" with a device name, rotation 270, x inverted and a
    calibrated raw range
    WHEN its Kivy settings are made
    THEN one probesysfs line hands mtdev exactly those parameters (both inversions named,
    so the meaning does not hang on a provider's own default), and the pointer is not used."""
    kivy = settings_for(tmp_path, """
[touch]
provider = "mtdev"
device_match = "eGalax"
rotation = 270
invert_x = true
min_x = 120
max_x = 3960
min_y = 200
max_y = 3900
""")
    assert kivy["input"] == {
        "touch_%(name)s": "probesysfs,provider=mtdev,match=eGalax,param=rotation=270,"
                          "param=invert_x=1,param=invert_y=0,param=min_position_x=120,"
                          "param=max_position_x=3960,param=min_position_y=200,"
                          "param=max_position_y=3900"}


def test_hidinput_states_invert_y_as_the_setting_says(tmp_path: Path) -> None:
    """GIVEN touch.provider = "hidinput" (whose own default inverts y) and no inversion
    WHEN its Kivy settings are made
    THEN invert_y=0 is passed explicitly and no calibration range is set."""
    kivy = settings_for(tmp_path, '[touch]\nprovider = "hidinput"\n')
    assert kivy["input"] == {"touch_%(name)s": "probesysfs,provider=hidinput,param=rotation=0,"
                                               "param=invert_x=0,param=invert_y=0"}


def test_headless_probes_no_touch_device(tmp_path: Path) -> None:
    """GIVEN a site file reading the panel with mtdev
    WHEN the kiosk runs headless (offscreen)
    THEN only the pointer provider is configured: nothing is there to touch."""
    kivy = settings_for(tmp_path, '[touch]\nprovider = "mtdev"\n', headless=True)
    assert kivy["input"] == {"mouse": "mouse,disable_multitouch"}
    assert kivy["graphics"]["resizable"] == "0"


@pytest.mark.parametrize(("text", "key", "reason"), [
    ("[ui]\nrotation = 45\n", "ui.rotation", "90"),
    ("[touch]\ninvert_x = true\n", "touch", "mtdev"),
    ('[touch]\nprovider = "mtdev"\nmin_x = 5\nmax_x = 5\n', "touch", "equal"),
    ('[touch]\nprovider = "mtdev"\ndevice_match = "a,b"\n', "touch.device_match", "pattern"),
    ('[touch]\nprovider = "evdev"\n', "touch.provider", "mouse"),
])
def test_a_setting_kivy_cannot_take_stops_start_up(tmp_path: Path, text: str, key: str,
                                                     reason: str) -> None:
    """GIVEN a rotation Kivy cannot draw, a calibration for the pointer provider, an empty
    range, a device name that would split Kivy's option line, or an unknown provider
    WHEN the configuration is loaded
    THEN start-up stops naming the key and why."""
    with pytest.raises(ConfigError) as caught:
        load_config(site(tmp_path, text))
    assert caught.value.key == key
    assert reason in caught.value.reason


@pytest.mark.parametrize(("headless", "antialias", "samples"), [
    (False, None, "2"), (True, None, "0"), (True, True, "2"), (False, False, "0")])
def test_shape_edges_are_smoothed_on_a_display_and_offscreen_only_when_asked(
        headless: bool, antialias: bool | None, samples: str) -> None:
    """GIVEN a kiosk with a display, or an offscreen run (tests, the headless demo) drawn by
    Mesa's software renderer, or the documentation's screenshots
    WHEN Kivy's settings are made
    THEN multisampling is Kivy's 2x on a display and for the screenshots, and off
    offscreen otherwise (it cost about 40% of a walk's time there)."""
    kivy = kivy_settings(width=1080, height=1920, fullscreen=False, headless=headless,
                         antialias=antialias)
    assert kivy["graphics"]["multisamples"] == samples
