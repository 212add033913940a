"""The kiosk's faces (docs/platform.md#fonts): one Noto Sans CJK face per CJK language,
so Chinese, Japanese and Korean each get their own glyph forms, and a Latin face for
Latin and Cyrillic. The CJK faces of Noto Sans CJK (PyPI noto-cjk-sans-otc) are
extracted once from the .ttc into the cache, because SDL2_ttf only opens face 0 of a
collection. The Latin face is Roboto, which Kivy ships (its own default font): the CJK
faces draw quotes and apostrophes full width. Which face a label uses for its text is
kiosk.ui.typesetting's rule. Icons come from Material Design Icons."""

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
LATIN_FACE = "Latin"
LATIN_FONT = f"Kiosk-{LATIN_FACE}"
CJK_FACES = {f"Kiosk-{face}": face for face in FACE_INDEX}  # registered name -> language
LATIN_FILES = ("Roboto-Regular.ttf", "Roboto-Bold.ttf")  # in Kivy's data/fonts
ICON_FONT_PATHS = (
    Path("/usr/share/fonts/truetype/materialdesignicons-webfont/materialdesignicons-webfont.ttf"),
)
_lock = threading.Lock()


def latin_files() -> tuple[Path, Path]:
    """Kivy's own Roboto, regular and bold (Latin, Cyrillic and Greek, 896 characters)."""
    import kivy

    fonts = Path(kivy.kivy_data_dir) / "fonts"
    regular, bold = (fonts / name for name in LATIN_FILES)
    return regular, bold


@functools.cache
def latin_characters() -> frozenset[int]:
    """The code points the Latin face draws (read once from its cmap)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(latin_files()[0]), lazy=True) as font:
        return frozenset(font.getBestCmap())


def latin_covers(text: str) -> bool:
    """True when the Latin face draws every character of ``text`` (line breaks and
    other control characters aside)."""
    characters = latin_characters()
    return all(ord(char) in characters for char in text if char.isprintable())


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
    """Register every face (and the icon font, if installed) with Kivy, and teach its
    text provider the kiosk's typesetting (kiosk.ui.typesetting)."""
    from kivy.core.text import LabelBase

    from kiosk.ui import typesetting

    share_open_fonts()
    typesetting.install()

    for face in FACE_INDEX:
        LabelBase.register(name=f"Kiosk-{face}", fn_regular=str(face_file(face)))
    regular, bold = latin_files()
    LabelBase.register(name=LATIN_FONT, fn_regular=str(regular), fn_bold=str(bold))
    icons = icon_font()
    if icons is not None:
        LabelBase.register(name="Icons", fn_regular=str(icons))
