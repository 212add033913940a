"""Kivy's environment, set before Kivy is first imported
(docs/platform.md#kivy-without-a-screen): no argv parsing, no ~/.kivy, no file log, Python
logging left alone, window size, and offscreen rendering when there is no display. Import
this module first; it imports nothing of Kivy."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from kiosk.paths import cache_dir

_configured = False


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@dataclass(frozen=True)
class TouchInput:
    """Where touches come from and how the panel's axes map to the screen: the config's
    [touch] section (kiosk/config.py says what each means)."""

    provider: str = "mouse"
    device_match: str = ""
    rotation: int = 0
    invert_x: bool = False
    invert_y: bool = False
    min_x: int | None = None
    max_x: int | None = None
    min_y: int | None = None
    max_y: int | None = None


# The display server's pointer (X makes one of a touchscreen); one finger, no emulated
# multitouch (a right click would leave a red dot).
POINTER_ONLY = {"mouse": "mouse,disable_multitouch"}


def kivy_settings(*, width: int, height: int, fullscreen: bool, headless: bool,
                  rotation: int = 0, touch: TouchInput | None = None,
                  driven: bool = False,
                  antialias: bool | None = None) -> dict[str, dict[str, str]]:
    """The Kivy Config values the kiosk sets, by section and option; [input] is replaced
    whole. A pure function of the settings, so the mapping is tested without Kivy.
    ``antialias``: Kivy's 2x multisampling of shape edges (text is smoothed either way).
    By default on with a display (a GPU draws it for free) and off offscreen, where Mesa's
    software renderer spends about 40% of a walk's time on it (docs/platform.md); the
    documentation's screenshots ask for it."""
    touch = touch or TouchInput()
    if rotation in (90, 270):
        # Kivy's width and height are the window's before turning: the UI inside keeps
        # the logical width x height.
        width, height = height, width
    graphics = {
        "width": str(width), "height": str(height),
        "resizable": "0" if headless else "1",
        "fullscreen": "auto" if fullscreen else "0",
        "rotation": str(rotation),
        # A kiosk shows no pointer (its X server draws none either); a desktop window does.
        "show_cursor": "0" if fullscreen else "1",
        "multisamples": "2" if (not headless if antialias is None else antialias) else "0",
    }
    if driven:
        graphics["maxfps"] = "0"
    kivy = {"exit_on_escape": "0", "keyboard_mode": "dock"}
    if headless or touch.provider == "mouse":
        # Offscreen there is nothing to probe (and no libmtdev needed).
        return {"graphics": graphics, "kivy": kivy, "input": dict(POINTER_ONLY)}
    # The panel read directly (Kivy's probesysfs finds it and hands it to mtdev or
    # hidinput). Both inversions are always named: hidinput's own default inverts y.
    line = [f"probesysfs,provider={touch.provider}"]
    if touch.device_match:
        line.append(f"match={touch.device_match}")
    line += [f"param=rotation={touch.rotation}", f"param=invert_x={int(touch.invert_x)}",
             f"param=invert_y={int(touch.invert_y)}"]
    for axis in ("x", "y"):
        for end in ("min", "max"):
            value = getattr(touch, f"{end}_{axis}")
            if value is not None:
                line.append(f"param={end}_position_{axis}={value}")
    # No pointer provider: X's pointer from the same panel would count each touch twice.
    return {"graphics": graphics, "kivy": kivy, "input": {"touch_%(name)s": ",".join(line)}}


def configure(*, headless: bool, width: int, height: int, fullscreen: bool = False,
              driven: bool = False, rotation: int = 0, touch: TouchInput | None = None,
              antialias: bool | None = None) -> None:
    """Prepare Kivy for a window of ``width`` x ``height`` pixels, turned by ``rotation``
    degrees, with touches as ``touch`` says. Idempotent per process: Kivy opens one
    window per process. ``driven``: frames are pumped by hand (kiosk.ui.driver: tests,
    walks, the headless demo), so Kivy's 60 fps cap would only add a sleep to every
    frame; an App running its own loop keeps the cap. ``antialias``: see kivy_settings."""
    global _configured
    if _configured:
        return
    home = cache_dir() / "kivy"
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_HOME", str(home))
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KCFG_KIVY_LOG_LEVEL", "warning")  # Kivy's start-up banner is noise
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")
    if headless:
        os.environ.pop("DISPLAY", None)
        os.environ.pop("WAYLAND_DISPLAY", None)
        os.environ["SDL_VIDEODRIVER"] = "offscreen"

    import kivy  # first Kivy import, after the environment is set
    from kivy.config import Config

    # The X selection ("cut buffer") needs xclip or xsel; a touch kiosk never pastes, so
    # Kivy is told not to probe for them (it would log a CRITICAL with two tracebacks).
    kivy.kivy_options["cutbuffer"] = ()
    logging.getLogger("kivy").addFilter(_NoCutbufferComplaint())

    settings = kivy_settings(width=width, height=height, fullscreen=fullscreen,
                             headless=headless, rotation=rotation, touch=touch, driven=driven,
                             antialias=antialias)
    # Kivy's own config.ini (in KIVY_HOME) probes every touch device by default: the
    # kiosk's [input] replaces it whole.
    for option in list(Config.options("input")):
        Config.remove_option("input", option)
    for section, values in settings.items():
        for option, value in values.items():
            Config.set(section, option, value)
    _configured = True


class _NoCutbufferComplaint(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Cutbuffer: Unable to find")


def fit_window_to_display(width: int, height: int, margin: float = 0.92) -> None:
    """Scale the open window so a ``width`` x ``height`` screen fits the display, keeping
    its proportions (a portrait kiosk screen on a landscape desktop). Asks SDL, which Kivy
    has already loaded, for the usable display area; leaves the window alone if it cannot."""
    import ctypes

    from kivy.core.window import Window

    class _Rect(ctypes.Structure):
        _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("w", ctypes.c_int),
                    ("h", ctypes.c_int)]

    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            sdl = next(line.split()[-1] for line in maps if "libSDL2-2" in line)
        library = ctypes.CDLL(sdl)
        rect = _Rect()
        if library.SDL_GetDisplayUsableBounds(0, ctypes.byref(rect)) != 0 or rect.h <= 0:
            return
    except (OSError, StopIteration, AttributeError):
        return
    scale = min(rect.w * margin / width, rect.h * margin / height, 1.0)
    Window.size = (int(width * scale), int(height * scale))
    logging.getLogger(__name__).info("window %dx%d fits the display's %dx%d",
                                     *Window.size, rect.w, rect.h)
