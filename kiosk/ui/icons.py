"""Material Design Icons code points (Debian's fonts-materialdesignicons-webfont 1.6.50).
When the font is missing the icons are left out, never drawn as boxes."""

from __future__ import annotations

from kiosk.ui.fonts import icon_font

_CODEPOINTS = {
    "water": 0xF58C, "flash": 0xF241, "fire": 0xF238, "cellphone": 0xF11C,
    "translate": 0xF5CA, "web": 0xF59F, "arrow-left": 0xF04D, "close": 0xF156,
    "help-circle-outline": 0xF625,
    "check-circle": 0xF5E0, "alert-circle": 0xF028, "credit-card": 0xF19B,
    "credit-card-scan": 0xF19D, "printer": 0xF42A, "receipt": 0xF449, "home": 0xF2DC,
    "file-document": 0xF219, "gavel": 0xF29B, "home-map-marker": 0xF5F8,
    "calculator": 0xF0EC, "backspace": 0xF06E, "information": 0xF2FC, "timer": 0xF51B,
    "lock": 0xF33E, "cash": 0xF114, "hand-pointing-right": 0xF2C7, "refresh": 0xF450,
    "alert": 0xF026, "nfc": 0xF396, "arrow-down-bold": 0xF046, "printer-alert": 0xF42C,
    "keyboard-shift": 0xF636, "keyboard-return": 0xF311, "check": 0xF12C,
    "chevron-right": 0xF142, "chevron-down": 0xF140, "arrow-right": 0xF054,
    "account-card-details": 0xF5D2,
    "calendar": 0xF0ED, "clock": 0xF150, "map-marker": 0xF34E, "city": 0xF146,
    "scale-balance": 0xF5D1, "briefcase": 0xF0D6, "qrcode": 0xF432, "barcode-scan": 0xF072,
    "message-text": 0xF369, "school": 0xF474, "star": 0xF4CE, "plus-circle": 0xF417,
    "delete": 0xF1C0, "information-outline": 0xF2FD, "pencil": 0xF3EB,
    "human": 0xF2E6, "checkbox-marked": 0xF132, "checkbox-blank-outline": 0xF131,
    "headphones": 0xF2CB, "plus": 0xF415, "minus": 0xF374,
}
BILLER_ICONS = {"WATER": "water", "ELECTRICITY": "flash", "GAS": "fire", "TELECOM": "cellphone"}


def icon(name: str) -> str:
    """The icon's character, or "" when the icon font is not installed."""
    return chr(_CODEPOINTS[name]) if icon_font() is not None else ""
