"""hardware.document.Document -> ESC/POS bytes for one printer profile.

python-escpos (``Dummy``) produces the commands: ESC @, set() for alignment, bold and
size, native QR, raster images, feed and cut. Text bytes are written by
hardware.printer.encoding (code pages, FS & GB18030, or an image). Output is a pure
function of (document, profile): a JSON round trip of the document gives the same bytes,
so a stored job reprints identically.
"""

from __future__ import annotations

from PIL import Image

from hardware.document import Align, Block, Document, Feed, QRCode, Row, Rule, Text
from hardware.printer.encoding import (
    CHINESE_OFF,
    CodepageTable,
    RunEncoder,
    char_width,
    clean_text,
    split_runs,
)
from hardware.printer.escpos_import import Dummy
from hardware.printer.layout import pad_between, wrap
from hardware.printer.profile import PrinterProfile
from hardware.printer.raster import RasterFont, row_image, text_image

_MAX_FEED = 255
_QR_MODULE_RANGE = (1, 16)


def _dummy_for(profile: PrinterProfile) -> Dummy:
    """A python-escpos Dummy whose media width is our configured paper width (the
    capability database says 512 dots for a TM-T88V, and image() refuses wider images)."""
    printer = Dummy(profile=profile.escpos_profile)
    data = dict(printer.profile.profile_data)
    media = dict(data.get("media", {}))
    media["width"] = {**media.get("width", {}), "pixels": profile.width_dots}
    data["media"] = media
    printer.profile.profile_data = data  # instance attribute: the shared class is untouched
    return printer


class _SlipWriter:
    """Emits one slip, sending style commands only when the style changes."""

    def __init__(self, profile: PrinterProfile, language: str) -> None:
        self.profile = profile
        self.printer = _dummy_for(profile)
        self.table = CodepageTable(profile, self.printer.profile.get_code_pages())
        self.encoder = RunEncoder(self.table)
        font_path = profile.raster_font
        self.font = (RasterFont(font_path, profile.face_for(language), profile.cell_dots)
                     if font_path is not None else None)
        self._align: str | None = None
        self._bold: bool | None = None
        self._size: int | None = None

    # --- state -----------------------------------------------------------------------

    def begin(self) -> None:
        self.printer.hw("INIT")  # ESC @
        if self.profile.chinese_mode:
            # Chinese printer models may start in Chinese mode; single-byte code pages
            # need it off. Each GB18030 run turns it on and off again.
            self.printer._raw(CHINESE_OFF)

    def end(self) -> bytes:
        self.printer.cut()
        return bytes(self.printer.output)

    def _style(self, align: Align, bold: bool, size: int) -> None:
        if size != self._size:
            if size == 2:
                self.printer.set(double_width=True, double_height=True)
            else:
                self.printer.set(normal_textsize=True)
            self._size = size
            self._bold = None  # ESC ! also switched emphasis off: say it again
        if bold != self._bold:
            self.printer.set(bold=bold)
            self._bold = bold
        if align.value != self._align:
            self.printer.set(align=align.value)
            self._align = align.value

    # --- lines -----------------------------------------------------------------------

    def needs_raster(self, text: str) -> bool:
        return self.profile.raster_everything or split_runs(text, self.table) is None

    def line(self, text: str, align: Align, bold: bool = False, size: int = 1) -> None:
        """One printed line: as text when every character has a run, else as an image."""
        runs = None if self.profile.raster_everything else split_runs(text, self.table)
        if runs is None and self.font is None:
            runs = split_runs(self._replace_unprintable(text), self.table)
        if runs is not None:
            self._style(align, bold, size)
            self.printer._raw(self.encoder.encode(runs) + b"\n")
            return
        assert self.font is not None
        width = self.profile.width_dots
        self.image(text_image(text, self.font, size=size, bold=bold, max_width=width), align)

    def image(self, image: Image.Image, align: Align) -> None:
        self._style(align, self._bold or False, self._size or 1)
        self.printer.image(image, impl="bitImageRaster", center=False)

    def _replace_unprintable(self, text: str) -> str:
        return "".join(ch if split_runs(ch, self.table) is not None else "?" for ch in text)

    # --- blocks ----------------------------------------------------------------------

    def text(self, block: Text) -> None:
        columns = self.profile.chars_per_line // block.size
        for line in wrap(clean_text(block.text, keep_breaks=True), columns):
            self.line(line, block.align, block.bold, block.size)

    def row(self, block: Row) -> None:
        columns = self.profile.chars_per_line
        label = clean_text(block.label).replace("\n", " ").strip()
        value = clean_text(block.value).replace("\n", " ").strip()
        label_raster, value_raster = self.needs_raster(label), self.needs_raster(value)
        joined = pad_between(label, value, columns)
        if joined is not None and not label_raster and not value_raster:
            self.line(joined, Align.LEFT, block.bold)
            return
        if joined is not None and value_raster and self.font is not None:
            width = self.profile.width_dots
            self.image(row_image(label, value, self.font, bold=block.bold, width=width),
                       Align.LEFT)
            return
        # Label on its own line(s), value right-aligned under it: a raster label never
        # drags an amount, reference or code into an image.
        for line in wrap(clean_text(block.label, keep_breaks=True).replace("\n", " ").strip(),
                         columns):
            self.line(line, Align.LEFT, block.bold)
        for line in wrap(clean_text(block.value, keep_breaks=True).replace("\n", " ").strip(),
                         columns):
            self.line(line, Align.RIGHT, block.bold)

    def rule(self, block: Rule) -> None:
        char = clean_text(block.char).replace("\n", "")[:1] or "-"
        count = self.profile.chars_per_line // max(char_width(char), 1)
        self.line(char * count, Align.LEFT)

    def qr(self, block: QRCode) -> None:
        if not block.data:
            return
        low, high = _QR_MODULE_RANGE
        self._style(block.align, self._bold or False, self._size or 1)
        self.printer.qr(block.data, native=True, size=min(max(block.module, low), high))

    def feed(self, block: Feed) -> None:
        remaining = block.lines
        while remaining > 0:
            step = min(remaining, _MAX_FEED)
            self.printer.print_and_feed(step)
            remaining -= step

    def block(self, block: Block) -> None:
        if isinstance(block, Text):
            self.text(block)
        elif isinstance(block, Row):
            self.row(block)
        elif isinstance(block, Rule):
            self.rule(block)
        elif isinstance(block, QRCode):
            self.qr(block)
        elif isinstance(block, Feed):
            self.feed(block)
        else:  # pragma: no cover - Block is a closed union
            raise TypeError(f"unknown block {type(block).__name__}")


def render_document(document: Document, profile: PrinterProfile) -> bytes:
    """The ESC/POS bytes of one slip: ESC @ first, a cut at the end."""
    writer = _SlipWriter(profile, document.language)
    writer.begin()
    for block in document.blocks:
        writer.block(block)
    return writer.end()


__all__ = ["render_document"]
