"""Colours and sizes (docs/ui-guide.md#type-and-colour): dark text on light surfaces, one
accent for the primary action; sizes in reference pixels of a 1080x1920 portrait screen,
scaled by the App's unit so other window sizes keep the proportions.

Two palettes: STANDARD (text at least 4.5:1 on what it is drawn on) and HIGH_CONTRAST
(near-black surfaces, white and yellow text, at least 7:1). The colours the UI draws
come from ``palette``, an EventDispatcher with one ColorProperty per colour, so a kv
rule such as ``color: theme.TEXT`` re-binds when the user switches theme: every kv file
imports it as ``#:import theme kiosk.ui.theme.palette``. ``palette`` also answers the
size constants (``theme.BODY``), which never change with the theme.

The module constants below (TEXT, BACKGROUND...) are the standard palette, kept for
code that needs a fixed colour; anything on screen should read ``palette``."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ColorProperty

REFERENCE_HEIGHT = 1920

BODY = 34
SMALL = 26
HEADING = 56
TITLE = 44
BUTTON_HEIGHT = 130
ROW_BUTTON_HEIGHT = 88  # a button inside a list row (a summary's Change)
TOUCH_MIN = 60
LARGE_TEXT_SCALE = 1.4  # docs/ui-guide.md#type-and-colour: every font size x1.4

RGBA = tuple[float, float, float, float]


def hex_rgba(code: str) -> RGBA:
    code = code.lstrip("#")
    r, g, b = (int(code[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, 1.0)


@dataclass(frozen=True)
class Colours:
    """One complete palette. Text colours are declared with the surfaces they sit on in
    TEXT_PAIRS; tests/unit/test_ui_contrast.py checks every pair with the WCAG formula."""

    BACKGROUND: RGBA
    SURFACE: RGBA
    TEXT: RGBA
    TEXT_MUTED: RGBA
    ACCENT: RGBA  # the primary action's fill, and icons
    ACCENT_TEXT: RGBA  # text on ACCENT
    DISABLED: RGBA
    DISABLED_TEXT: RGBA  # text on DISABLED (an unavailable service still says why)
    ERROR: RGBA
    ERROR_SURFACE: RGBA
    SUCCESS: RGBA
    SUCCESS_SURFACE: RGBA  # also the pressed state of tiles and keys
    BORDER: RGBA
    HEADER: RGBA
    HEADER_TEXT: RGBA


STANDARD = Colours(
    BACKGROUND=hex_rgba("#F4F6F8"),
    SURFACE=hex_rgba("#FFFFFF"),
    TEXT=hex_rgba("#1A2330"),  # 14.6:1 on BACKGROUND
    TEXT_MUTED=hex_rgba("#4A5565"),  # 7.0:1 on BACKGROUND
    ACCENT=hex_rgba("#0B5CAD"),  # white text 6.7:1
    ACCENT_TEXT=hex_rgba("#FFFFFF"),
    DISABLED=hex_rgba("#D1D6DE"),
    DISABLED_TEXT=hex_rgba("#545C69"),
    ERROR=hex_rgba("#B3261E"),  # 5.9:1 on white
    ERROR_SURFACE=hex_rgba("#FCEEED"),
    SUCCESS=hex_rgba("#1E7A3C"),
    SUCCESS_SURFACE=hex_rgba("#E9F6EC"),
    BORDER=hex_rgba("#BDC4CE"),
    HEADER=hex_rgba("#143356"),  # white text 12.6:1
    HEADER_TEXT=hex_rgba("#FFFFFF"),
)

HIGH_CONTRAST = Colours(
    BACKGROUND=hex_rgba("#000000"),
    SURFACE=hex_rgba("#141414"),
    TEXT=hex_rgba("#FFFFFF"),
    TEXT_MUTED=hex_rgba("#FFE866"),  # yellow: still 15:1, and set apart from white
    ACCENT=hex_rgba("#FFD400"),  # a yellow fill with black text for the primary action
    ACCENT_TEXT=hex_rgba("#000000"),
    DISABLED=hex_rgba("#262626"),
    DISABLED_TEXT=hex_rgba("#CFCFCF"),
    ERROR=hex_rgba("#FF9E94"),
    ERROR_SURFACE=hex_rgba("#2E0A08"),
    SUCCESS=hex_rgba("#7EF0A0"),
    SUCCESS_SURFACE=hex_rgba("#0A2A14"),
    BORDER=hex_rgba("#FFFFFF"),
    HEADER=hex_rgba("#000000"),
    HEADER_TEXT=hex_rgba("#FFFFFF"),
)

# (text colour, the surfaces it is drawn on): what the kv files actually combine.
TEXT_PAIRS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("TEXT", ("BACKGROUND", "SURFACE", "ERROR_SURFACE", "SUCCESS_SURFACE")),
    ("TEXT_MUTED", ("BACKGROUND", "SURFACE")),
    ("ACCENT", ("BACKGROUND", "SURFACE")),
    ("ACCENT_TEXT", ("ACCENT",)),
    ("DISABLED_TEXT", ("DISABLED",)),
    ("ERROR", ("BACKGROUND", "SURFACE", "ERROR_SURFACE")),
    ("SUCCESS", ("BACKGROUND", "SURFACE", "SUCCESS_SURFACE")),
    ("HEADER_TEXT", ("HEADER",)),
)


def relative_luminance(rgba: tuple[float, ...]) -> float:
    """WCAG 2.x relative luminance of an sRGB colour (components 0..1)."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: tuple[float, ...], second: tuple[float, ...]) -> float:
    """WCAG contrast ratio, 1 (none) to 21 (black on white); order does not matter."""
    a, b = relative_luminance(first), relative_luminance(second)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


class Palette(EventDispatcher):
    """The colours on screen now. ``apply`` switches every colour at once; kv rules bound
    to them redraw by themselves."""

    BACKGROUND = ColorProperty(STANDARD.BACKGROUND)
    SURFACE = ColorProperty(STANDARD.SURFACE)
    TEXT = ColorProperty(STANDARD.TEXT)
    TEXT_MUTED = ColorProperty(STANDARD.TEXT_MUTED)
    ACCENT = ColorProperty(STANDARD.ACCENT)
    ACCENT_TEXT = ColorProperty(STANDARD.ACCENT_TEXT)
    DISABLED = ColorProperty(STANDARD.DISABLED)
    DISABLED_TEXT = ColorProperty(STANDARD.DISABLED_TEXT)
    ERROR = ColorProperty(STANDARD.ERROR)
    ERROR_SURFACE = ColorProperty(STANDARD.ERROR_SURFACE)
    SUCCESS = ColorProperty(STANDARD.SUCCESS)
    SUCCESS_SURFACE = ColorProperty(STANDARD.SUCCESS_SURFACE)
    BORDER = ColorProperty(STANDARD.BORDER)
    HEADER = ColorProperty(STANDARD.HEADER)
    HEADER_TEXT = ColorProperty(STANDARD.HEADER_TEXT)
    high_contrast = BooleanProperty(False)

    # Sizes do not change with the theme: plain attributes, so kv reads ``theme.BODY``.
    REFERENCE_HEIGHT = REFERENCE_HEIGHT
    BODY = BODY
    SMALL = SMALL
    HEADING = HEADING
    TITLE = TITLE
    BUTTON_HEIGHT = BUTTON_HEIGHT
    ROW_BUTTON_HEIGHT = ROW_BUTTON_HEIGHT
    TOUCH_MIN = TOUCH_MIN

    def apply(self, high_contrast: bool) -> None:
        colours = HIGH_CONTRAST if high_contrast else STANDARD
        values: dict[str, object] = asdict(colours)
        for name, value in values.items():
            setattr(self, name, value)
        # Class rules default a label to TEXT; instance rules override that with another
        # colour. Both are bound, so whichever fires last wins: re-fire every colour but
        # TEXT (a colour equal in both palettes would not fire at all) so the instance
        # rules come after the class defaults.
        for name in values:
            if name != "TEXT":
                self.property(name).dispatch(self)
        self.high_contrast = high_contrast


palette = Palette()

# The standard palette as module constants (fixed colours, older imports).
BACKGROUND = STANDARD.BACKGROUND
SURFACE = STANDARD.SURFACE
TEXT = STANDARD.TEXT
TEXT_MUTED = STANDARD.TEXT_MUTED
ACCENT = STANDARD.ACCENT
ACCENT_TEXT = STANDARD.ACCENT_TEXT
DISABLED = STANDARD.DISABLED
DISABLED_TEXT = STANDARD.DISABLED_TEXT
ERROR = STANDARD.ERROR
ERROR_SURFACE = STANDARD.ERROR_SURFACE
SUCCESS = STANDARD.SUCCESS
SUCCESS_SURFACE = STANDARD.SUCCESS_SURFACE
BORDER = STANDARD.BORDER
HEADER = STANDARD.HEADER
HEADER_TEXT = STANDARD.HEADER_TEXT
