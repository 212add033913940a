"""One font per UI language, so Chinese, Japanese and Korean each get their own glyph
forms (PLATFORM.md): the faces of Noto Sans CJK (PyPI noto-cjk-sans-otc) are extracted
once from the .ttc into the cache, because SDL2_ttf only opens face 0 of a collection.
The same faces cover Latin and Cyrillic. Icons come from Material Design Icons."""

from __future__ import annotations

import functools
import importlib.resources
import os
import threading
from pathlib import Path

from kiosk.paths import cache_dir

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


def register_fonts() -> None:
    """Register every face (and the icon font, if installed) with Kivy."""
    from kivy.core.text import LabelBase

    for face in FACE_INDEX:
        LabelBase.register(name=f"Kiosk-{face}", fn_regular=str(face_file(face)))
    icons = icon_font()
    if icons is not None:
        LabelBase.register(name="Icons", fn_regular=str(icons))
