"""One font per UI language, so Chinese, Japanese and Korean each get their own glyph
forms (docs/platform.md#fonts): the faces of Noto Sans CJK (PyPI noto-cjk-sans-otc) are extracted
once from the .ttc into the cache, because SDL2_ttf only opens face 0 of a collection.
The same faces cover Latin and Cyrillic. Icons come from Material Design Icons."""

from __future__ import annotations

import functools
import importlib.resources
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.paths import cache_dir

if TYPE_CHECKING:  # Kivy's text core is imported when the fonts are registered
    from kivy.core.text import LabelBase

TTC_NAME = "NotoSansCJK-Regular.ttc"
FACE_INDEX = {"ja": 0, "ko": 1, "zh-Hans": 2}  # face order inside the .ttc
LATIN_FACE = "zh-Hans"  # Latin and Cyrillic look the same in every face
ICON_FONT_PATHS = (
    Path("/usr/share/fonts/truetype/materialdesignicons-webfont/materialdesignicons-webfont.ttf"),
)
_lock = threading.Lock()


def noto_collection() -> Path:
    return Path(str(importlib.resources.files("noto_cjk_sans_otc") / TTC_NAME))


def face_for(lang: str) -> str:
    return lang if lang in FACE_INDEX else LATIN_FACE


def face_file(face: str) -> Path:
    """The extracted face as its own font file (extracted on first use, ~0.5 s)."""
    target = cache_dir() / "fonts" / f"NotoSansCJK-{face}.otf"
    if target.exists():
        return target
    with _lock:
        if not target.exists():
            from fontTools.ttLib import TTCollection

            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(f".tmp{os.getpid()}")
            TTCollection(str(noto_collection()), lazy=True).fonts[FACE_INDEX[face]].save(str(tmp))
            tmp.replace(target)
    return target


def font_name(lang: str) -> str:
    """The registered Kivy font name for a UI language."""
    return f"Kiosk-{face_for(lang)}"


@functools.cache
def icon_font() -> Path | None:
    return next((p for p in ICON_FONT_PATHS if p.exists()), None)


FONT_ID_OPTIONS = ("font_size", "font_name_r", "bold", "italic", "underline", "strikethrough")


def font_id(label: LabelBase) -> str:
    """Kivy's key for an open SDL2_ttf font, with the size as the whole pixels SDL2_ttf
    opens it at. Kivy keys by str(font_size), so 35.2 and 35.199999 (a shrunk caption,
    a scaled window) each opened the same face again: about 2.5 MB a Noto Sans CJK face,
    up to the 64 fonts Kivy keeps open."""
    options = label.options
    return "|".join(str(int(options[key])) if key == "font_size" else str(options[key])
                    for key in FONT_ID_OPTIONS)


def share_open_fonts() -> None:
    """Make Kivy's SDL2 text provider share one open font per face and whole-pixel size."""
    try:
        from kivy.core.text.text_sdl2 import LabelSDL2
    except ImportError:  # another text provider: nothing to share
        return
    LabelSDL2._get_font_id = font_id


def register_fonts() -> None:
    """Register every face (and the icon font, if installed) with Kivy."""
    from kivy.core.text import LabelBase

    share_open_fonts()

    for face in FACE_INDEX:
        LabelBase.register(name=f"Kiosk-{face}", fn_regular=str(face_file(face)))
    icons = icon_font()
    if icons is not None:
        LabelBase.register(name="Icons", fn_regular=str(icons))
