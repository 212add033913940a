"""Kivy's environment, set before Kivy is first imported
(docs/platform.md#kivy-without-a-screen): no argv parsing, no ~/.kivy, no file log, Python
logging left alone, window size, and offscreen rendering when there is no display. Import
this module first; it imports nothing of Kivy."""

from __future__ import annotations

import logging
import os

from kiosk.paths import cache_dir

_configured = False


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def configure(*, headless: bool, width: int, height: int, fullscreen: bool = False,
              driven: bool = False, antialias: bool | None = None) -> None:
    """Prepare Kivy for a window of ``width`` x ``height`` pixels. Idempotent per process:
    Kivy opens one window per process. ``driven``: frames are pumped by hand
    (kiosk.ui.driver: tests, walks, the headless demo), so Kivy's 60 fps cap would only
    add a sleep to every frame; an App running its own loop keeps the cap.
    ``antialias``: Kivy's 2x multisampling of shape edges (text is smoothed either way).
    By default on with a display (a GPU draws it for free) and off offscreen, where Mesa's
    software renderer spends about 40% of a walk's time on it (docs/platform.md); the
    documentation's screenshots ask for it."""
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

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "resizable", "0" if headless else "1")
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "multisamples", "2" if (not headless if antialias is None
                                                   else antialias) else "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "dock")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    if driven:
        Config.set("graphics", "maxfps", "0")
    if headless:
        # No touch devices to probe offscreen (and no libmtdev needed).
        for option in list(Config.options("input")):
            if option != "mouse":
                Config.remove_option("input", option)
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
