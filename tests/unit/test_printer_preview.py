"""Receipt previews: the document's ESC/POS bytes run through the simulator's interpreter
and paper renderer in-process, so the picture is what the printer prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageOps

from hardware.document import Align, Document, Feed, QRCode, Row, Text
from hardware.printer.profile import PrinterProfile, find_noto_cjk_font
from hardware.sim.printer.paper import BASE_LINE_HEIGHT, MARGIN, ImageItem, QRItem
from hardware.sim.printer.preview import preview_items, render_preview, save_preview

WIDTH = 576


@pytest.fixture(scope="module")
def profile() -> PrinterProfile:
    font = find_noto_cjk_font()
    assert font is not None, "noto-cjk-sans-otc must be installed"
    return PrinterProfile(raster_font=font)


def ink_box(image: Image.Image, top: int, bottom: int) -> tuple[int, int, int, int] | None:
    """Bounding box of the dark pixels between two heights, None when blank."""
    band = ImageOps.invert(image.crop((0, top, image.width, bottom)))
    return band.point(lambda v: 255 if v > 128 else 0).getbbox()


def line_band(index: int) -> tuple[int, int]:
    top = MARGIN + index * BASE_LINE_HEIGHT
    return top, top + BASE_LINE_HEIGHT


def test_bilingual_receipt_has_ink_where_its_text_is(profile: PrinterProfile) -> None:
    """GIVEN a zh-Hans + English receipt: a centred title, a label/amount row, then a
    feed WHEN previewed THEN a 576-px greyscale slip with ink centred on the title's line,
    at both ends of the row's line and nothing in the row's middle or on the fed lines."""
    document = Document(blocks=(
        Text("缴费凭证 Receipt", align=Align.CENTER),
        Row("金额 Amount", "128.50 CNY"),
        Feed(3),
    ), language="en")
    image = render_preview(document, profile)
    assert image.mode == "L" and image.width == WIDTH

    title = ink_box(image, *line_band(0))
    assert title is not None
    left_margin, right_margin = title[0], WIDTH - title[2]
    assert left_margin > 150 and abs(left_margin - right_margin) <= 24  # centred

    row = ink_box(image, *line_band(1))
    assert row is not None and row[0] < 12 and row[2] > WIDTH - 12  # label left, amount right
    assert ink_box(image.crop((200, 0, 376, image.height)), *line_band(1)) is None

    top, _ = line_band(2)
    assert ink_box(image, top, top + 2 * BASE_LINE_HEIGHT) is None  # fed lines are blank


def test_korean_lines_are_images_and_the_qr_is_native(profile: PrinterProfile) -> None:
    """GIVEN a zh-Hans + Korean receipt with a QR WHEN its paper items are previewed
    THEN the Hangul line is an image and the QR carries its data, as the printer gets it."""
    document = Document(blocks=(Text("缴费凭证"), Text("납부 영수증"),
                                QRCode("https://kiosk.example.cn/r/1")), language="ko")
    items = preview_items(document, profile)
    assert sum(isinstance(item, ImageItem) for item in items) == 1
    assert [item.data for item in items if isinstance(item, QRItem)] == [
        "https://kiosk.example.cn/r/1"]
    image = render_preview(document, profile)
    assert image.width == WIDTH and image.height > 3 * BASE_LINE_HEIGHT


def test_save_preview_writes_a_png(profile: PrinterProfile, tmp_path: Path) -> None:
    """GIVEN a receipt WHEN saved as a preview THEN a PNG of the same pixels exists."""
    document = Document(blocks=(Text("谢谢 Thank you"),))
    path = save_preview(document, profile, tmp_path / "slip.png")
    with Image.open(path) as png:
        assert png.format == "PNG" and png.size == render_preview(document, profile).size
