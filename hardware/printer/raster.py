"""Lines no printer font holds (kana, Hangul...) drawn as 1-bit images with Pillow.

Pure black and white by thresholding (no dithering) so text stays crisp; the image is
as wide as the text (rounded up to a byte) and the printer aligns it with ESC a, which
keeps the bytes sent small. Deterministic: the same text gives the same pixels.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

_THRESHOLD = 128


@lru_cache(maxsize=32)
def load_font(path: str, face: int, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, px, index=face)


class RasterFont:
    """One face of the raster font at the size of a normal (size 1) printed line."""

    def __init__(self, path: Path, face: int, cell_dots: int) -> None:
        self.path = str(path)
        self.face = face
        self.px = 2 * cell_dots  # a wide character fills two columns, like the printer font

    def font(self, size: int) -> ImageFont.FreeTypeFont:
        return load_font(self.path, self.face, self.px * size)

    def line_height(self, size: int) -> int:
        return (self.px * size * 5 + 3) // 4

    def text_width(self, text: str, size: int, bold: bool) -> int:
        extra = 2 if bold else 0
        return int(self.font(size).getlength(text) + 0.999) + extra


def _to_one_bit(image: Image.Image) -> Image.Image:
    return image.point(lambda value: 255 if value >= _THRESHOLD else 0).convert(
        "1", dither=Image.Dither.NONE)


def _draw(canvas: Image.Image, x: int, text: str, font: RasterFont, size: int,
          bold: bool) -> None:
    draw = ImageDraw.Draw(canvas)
    baseline = font.px * size  # leaves a quarter em below for descenders
    draw.text((x, baseline), text, font=font.font(size), fill=0, anchor="ls",
              stroke_width=1 if bold else 0, stroke_fill=0)


def text_image(text: str, font: RasterFont, *, size: int, bold: bool,
               max_width: int) -> Image.Image:
    """``text`` on one line, as narrow as it can be (multiple of 8 dots), squeezed
    horizontally if it would be wider than ``max_width``."""
    natural = max(font.text_width(text, size, bold), 1)
    canvas = Image.new("L", (natural + 1, font.line_height(size)), 255)
    _draw(canvas, 0, text, font, size, bold)
    if canvas.width > max_width:
        canvas = canvas.resize((max_width, canvas.height), Image.Resampling.LANCZOS)
    width = min(((canvas.width + 7) // 8) * 8, max_width - max_width % 8)
    padded = Image.new("L", (width, canvas.height), 255)
    padded.paste(canvas, (0, 0))
    return _to_one_bit(padded)


def row_image(label: str, value: str, font: RasterFont, *, bold: bool,
              width: int) -> Image.Image:
    """Label on the left and value on the right of one full-width line."""
    canvas = Image.new("L", (width, font.line_height(1)), 255)
    _draw(canvas, 0, label, font, 1, bold)
    _draw(canvas, width - font.text_width(value, 1, bold), value, font, 1, bold)
    return _to_one_bit(canvas)
