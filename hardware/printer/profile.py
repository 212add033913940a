"""What the renderer needs to know about one printer model and its paper.

Built by kiosk.bootstrap from the [printer] config section; nothing here does I/O except
``find_noto_cjk_font``, which only looks a file up.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

NOTO_CJK_PACKAGE = "noto_cjk_sans_otc"
NOTO_CJK_FILE = "NotoSansCJK-Regular.ttc"

# Face order of NotoSansCJK-Regular.ttc (PyPI noto-cjk-sans-otc): proportional faces
# 0 JP, 1 KR, 2 SC, 3 TC, 4 HK, then the Mono faces 5-9 in the same order.
FACE_JP, FACE_KR, FACE_SC, FACE_TC, FACE_HK = 0, 1, 2, 3, 4
FACE_MONO_SC = 7


def _default_faces() -> dict[str, int]:
    return {"ja": FACE_JP, "ko": FACE_KR, "zh-Hans": FACE_SC, "zh-Hant": FACE_TC}


@dataclass(frozen=True)
class PrinterProfile:
    """A printer model as the renderer sees it.

    ``chinese_mode``: the printer has a GB18030 font, so Han characters go out as text
    inside FS & ... FS . instead of as raster images. ``codepages``: single-byte code
    pages (python-escpos names) tried in order for non-ASCII characters; each must be in
    the escpos profile's code page table. ``raster_font``: a Noto Sans CJK .ttc used to
    draw lines no printer font holds (kana, Hangul); ``raster_faces`` picks its face per
    document language so each language gets its own glyph forms. It defaults to the
    installed noto-cjk-sans-otc font; None means no raster text at all (characters no
    printer font holds print as '?'). ``raster_everything``: draw every text line as an
    image, as a printer without usable fonts needs (many more bytes; QR codes stay
    native); needs ``raster_font``.
    """

    escpos_profile: str = "TM-T88V"
    chinese_mode: bool = True
    width_dots: int = 576
    chars_per_line: int = 48
    raster_font: Path | None = field(default_factory=lambda: find_noto_cjk_font())
    raster_faces: dict[str, int] = field(default_factory=_default_faces)
    codepages: tuple[str, ...] = ("CP1252", "CP866")
    raster_everything: bool = False

    def __post_init__(self) -> None:
        if self.raster_everything and self.raster_font is None:
            raise ValueError("printer profile: raster_everything needs a raster font")
        if self.width_dots < 64 or self.chars_per_line < 8:
            raise ValueError("printer profile: paper too narrow")
        if self.width_dots // self.chars_per_line < 6:
            raise ValueError("printer profile: fewer than 6 dots per character")

    @property
    def cell_dots(self) -> int:
        """Width in dots of one half-width character column (12 on 80 mm paper)."""
        return self.width_dots // self.chars_per_line

    def face_for(self, language: str) -> int:
        """The .ttc face for raster text of a document in ``language`` (SC by default:
        slips are Chinese plus the reader's language)."""
        return self.raster_faces.get(language, self.raster_faces.get("zh-Hans", FACE_SC))


def find_noto_cjk_font() -> Path | None:
    """Path of NotoSansCJK-Regular.ttc from the installed noto-cjk-sans-otc package,
    or None when the package is missing. Found through importlib, not a fixed path."""
    spec = importlib.util.find_spec(NOTO_CJK_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / NOTO_CJK_FILE
        if candidate.is_file():
            return candidate
    return None
