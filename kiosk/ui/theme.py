"""Colours and sizes (UI-GUIDE.md): dark text on light surfaces, one accent for the
primary action; sizes in reference pixels of a 1080x1920 portrait screen, scaled by the
App's unit so other window sizes keep the proportions."""

from __future__ import annotations

REFERENCE_HEIGHT = 1920

BACKGROUND = (0.957, 0.965, 0.973, 1)  # #F4F6F8
SURFACE = (1, 1, 1, 1)
TEXT = (0.102, 0.137, 0.188, 1)  # #1A2330: 14.6:1 on BACKGROUND
TEXT_MUTED = (0.29, 0.333, 0.396, 1)  # #4A5565: 7.2:1 on BACKGROUND
ACCENT = (0.043, 0.361, 0.678, 1)  # #0B5CAD primary action; white text 6.6:1
ACCENT_TEXT = (1, 1, 1, 1)
DISABLED = (0.82, 0.84, 0.87, 1)
DISABLED_TEXT = (0.33, 0.36, 0.41, 1)
ERROR = (0.702, 0.149, 0.118, 1)  # #B3261E: 5.9:1 on white
ERROR_SURFACE = (0.988, 0.933, 0.929, 1)
SUCCESS = (0.118, 0.478, 0.235, 1)  # #1E7A3C
SUCCESS_SURFACE = (0.914, 0.965, 0.925, 1)
BORDER = (0.74, 0.77, 0.81, 1)
HEADER = (0.078, 0.2, 0.337, 1)  # #143356 with white text
HEADER_TEXT = (1, 1, 1, 1)

BODY = 34
SMALL = 26
HEADING = 56
TITLE = 44
BUTTON_HEIGHT = 130
TOUCH_MIN = 60
