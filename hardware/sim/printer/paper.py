"""What the simulated printer put on paper, and how it is shown: text and PNG.

Text: one string per printed line, alignment applied by padding to the line's columns,
QR codes as "[QR] <data>", raster images as "[IMAGE WxH]". PNG: white paper, black ink,
characters drawn cell by cell with Noto Sans Mono CJK SC (Latin, Cyrillic, Chinese),
bold and double size honoured, QR codes drawn from their data with the qrcode library,
raster images blitted at their size, alignment honoured.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT = 0, 1, 2
MONO_SC_FACE = 7  # Noto Sans Mono CJK SC in NotoSansCJK-Regular.ttc
BASE_LINE_HEIGHT = 30  # dots per text line at size 1 (1/6 inch at 180 dpi)
BASE_FONT_PX = 24  # font A: 12 x 24 dots
MARGIN = 12

_QR_ERROR_LEVELS = {48: qrcode.constants.ERROR_CORRECT_L, 49: qrcode.constants.ERROR_CORRECT_M,
                    50: qrcode.constants.ERROR_CORRECT_Q, 51: qrcode.constants.ERROR_CORRECT_H}


@dataclass(frozen=True)
class Glyph:
    char: str
    columns: int  # 1 for a single-byte character, 2 for a GB18030 one
    bold: bool = False
    underline: bool = False
    width: int = 1  # character size multipliers (GS ! / ESC !)
    height: int = 1


@dataclass
class TextLine:
    glyphs: list[Glyph] = field(default_factory=list)
    align: int = ALIGN_LEFT

    @property
    def columns(self) -> int:
        return sum(g.columns * g.width for g in self.glyphs)

    @property
    def text(self) -> str:
        return "".join(g.char for g in self.glyphs)


@dataclass(frozen=True)
class QRItem:
    data: str
    module: int
    error_level: int  # 48-51: L, M, Q, H
    align: int


@dataclass(frozen=True)
class ImageItem:
    image: Image.Image  # mode "1", black ink = 0
    align: int

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size


Item = TextLine | QRItem | ImageItem


def item_text(item: Item, chars_per_line: int) -> str:
    if isinstance(item, QRItem):
        return f"[QR] {item.data}"
    if isinstance(item, ImageItem):
        width, height = item.size
        return f"[IMAGE {width}x{height}]"
    free = max(chars_per_line - item.columns, 0)
    pad = {ALIGN_CENTER: free // 2, ALIGN_RIGHT: free}.get(item.align, 0)
    return (" " * pad + item.text).rstrip()


def find_font() -> Path | None:
    spec = importlib.util.find_spec("noto_cjk_sans_otc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / "NotoSansCJK-Regular.ttc"
        if candidate.is_file():
            return candidate
    return None


class PaperRenderer:
    """Draws items on a paper roll ``width_dots`` wide."""

    def __init__(self, width_dots: int, font: Path | None) -> None:
        self.width = width_dots
        self.cell = width_dots // (width_dots // 12)
        font = font or find_font()
        self._font: ImageFont.FreeTypeFont | ImageFont.ImageFont
        if font is not None:
            self._font = ImageFont.truetype(str(font), BASE_FONT_PX, index=MONO_SC_FACE)
        else:
            self._font = ImageFont.load_default()

    @lru_cache(maxsize=2048)  # noqa: B019 - one renderer per simulator, bounded cache
    def _glyph(self, char: str, columns: int, bold: bool) -> Image.Image:
        """One character in its cell(s) at size 1, squeezed if the font draws it wider."""
        cell_width = self.cell * columns
        draw_width = max(int(self._font.getlength(char)) + 2, cell_width)
        canvas = Image.new("L", (draw_width, BASE_LINE_HEIGHT), 255)
        ImageDraw.Draw(canvas).text((0, BASE_FONT_PX), char, font=self._font, fill=0,
                                    anchor="ls", stroke_width=1 if bold else 0,
                                    stroke_fill=0)
        if draw_width > cell_width:
            canvas = canvas.resize((cell_width, BASE_LINE_HEIGHT), Image.Resampling.LANCZOS)
        return canvas

    def _x(self, width: int, align: int) -> int:
        free = max(self.width - width, 0)
        return {ALIGN_CENTER: free // 2, ALIGN_RIGHT: free}.get(align, 0)

    def _text_strip(self, line: TextLine) -> Image.Image:
        height = BASE_LINE_HEIGHT * max((g.height for g in line.glyphs), default=1)
        strip = Image.new("L", (self.width, height), 255)
        x = self._x(line.columns * self.cell, line.align)
        for glyph in line.glyphs:
            image = self._glyph(glyph.char, glyph.columns, glyph.bold)
            if glyph.width > 1 or glyph.height > 1:
                image = image.resize((image.width * glyph.width, image.height * glyph.height),
                                     Image.Resampling.NEAREST)
            strip.paste(image, (x, height - image.height))
            if glyph.underline:
                ImageDraw.Draw(strip).line((x, height - 2, x + image.width, height - 2), 0, 2)
            x += image.width
        return strip

    def _qr_strip(self, item: QRItem) -> Image.Image:
        code = qrcode.QRCode(box_size=max(item.module, 1), border=0,
                             error_correction=_QR_ERROR_LEVELS.get(item.error_level,
                                                                   qrcode.constants.ERROR_CORRECT_L))
        code.add_data(item.data.encode("utf-8"))
        code.make(fit=True)
        symbol = code.make_image().get_image().convert("L")
        if symbol.width > self.width:
            symbol = symbol.resize((self.width, self.width), Image.Resampling.NEAREST)
        strip = Image.new("L", (self.width, symbol.height + 8), 255)
        strip.paste(symbol, (self._x(symbol.width, item.align), 4))
        return strip

    def _image_strip(self, item: ImageItem) -> Image.Image:
        image = item.image.convert("L")
        if image.width > self.width:
            image = image.crop((0, 0, self.width, image.height))
        strip = Image.new("L", (self.width, image.height), 255)
        strip.paste(image, (self._x(image.width, item.align), 0))
        return strip

    def render(self, items: list[Item]) -> Image.Image:
        strips: list[Image.Image] = []
        for item in items:
            if isinstance(item, QRItem):
                strips.append(self._qr_strip(item))
            elif isinstance(item, ImageItem):
                strips.append(self._image_strip(item))
            else:
                strips.append(self._text_strip(item))
        height = 2 * MARGIN + sum(s.height for s in strips)
        paper = Image.new("L", (self.width, height), 255)
        y = MARGIN
        for strip in strips:
            paper.paste(strip, (0, y))
            y += strip.height
        return paper
