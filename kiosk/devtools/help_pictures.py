"""Draw the Help panel's pictures (docs/ui-guide.md#help): where a number is on a
passport, a visa, an entry stamp, a labour contract, a work permit and a bill. Simple,
original drawings (no photo, no copied image), written as PNG into kiosk/data/help:

    python -m kiosk.devtools.help_pictures

Each is a grey sketch of the paper with the place to look ringed in the accent colour.
The sample values are made up. Run again after changing a drawing; the PNGs are
package data the kiosk shows as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from kiosk.services.help import (
    BILL_ACCOUNT,
    CONTRACT_USCC,
    ENTRY_STAMP,
    PASSPORT_PAGE,
    VISA,
    WORK_PERMIT,
)
from kiosk.ui.fonts import FACE_INDEX, noto_collection

SIZE = (720, 480)
PAPER = (250, 248, 240)
INK = (90, 90, 100)
FAINT = (200, 200, 205)
RING = (214, 92, 0)  # the place to look
OUT = Path(__file__).resolve().parents[1] / "data" / "help"

Font = ImageFont.FreeTypeFont


def _font(size: int) -> Font:
    return ImageFont.truetype(str(noto_collection()), size, index=FACE_INDEX["zh-Hans"])


def _paper(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    draw.rounded_rectangle(box, radius=18, fill=PAPER, outline=INK, width=4)


def _lines(draw: ImageDraw.ImageDraw, x: int, y: int, width: int, count: int,
           gap: int = 26) -> None:
    for i in range(count):
        draw.rounded_rectangle((x, y + i * gap, x + width - (i % 3) * 40, y + i * gap + 10),
                               radius=5, fill=FAINT)


def _ring(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    draw.rounded_rectangle((x0 - 10, y0 - 10, x1 + 10, y1 + 10), radius=14, outline=RING,
                           width=8)


def _photo(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    x0, y0, x1, y1 = box
    draw.rectangle(box, fill=(225, 228, 235), outline=INK, width=2)
    cx = (x0 + x1) // 2
    draw.ellipse((cx - 28, y0 + 22, cx + 28, y0 + 82), fill=FAINT)
    draw.pieslice((x0 + 14, y0 + 90, x1 - 14, y1 + 60), 180, 360, fill=FAINT)


def passport_page(draw: ImageDraw.ImageDraw) -> None:
    _paper(draw, (40, 40, 680, 440))
    _photo(draw, (70, 80, 220, 270))
    _lines(draw, 250, 90, 380, 7)
    mono = _font(25)
    lines = ("P<CHEDOE<<JANE<<<<<<<<<<<<<<<<<<<<<<<<<", "X1234567<8CHE9001015F3001019<<<<<<<<<<<04")
    for i, line in enumerate(lines):
        draw.text((64, 330 + i * 42), line[:36], font=mono, fill=INK)
    _ring(draw, (60, 325, 660, 410))


def visa(draw: ImageDraw.ImageDraw) -> None:
    _paper(draw, (40, 40, 680, 440))
    draw.rounded_rectangle((70, 70, 650, 410), radius=10, fill=(236, 242, 250),
                           outline=INK, width=2)
    _photo(draw, (90, 110, 210, 270))
    small, big = _font(24), _font(34)
    draw.text((240, 90), "VISA  签证", font=big, fill=INK)
    draw.text((470, 90), "No. A1234567", font=_font(22), fill=(180, 30, 30))
    rows = (("Category 种类", "Z"), ("Entries 入境次数", "M"),
            ("Enter before", "2027-01-31"), ("Duration of each stay", "030"))
    for i, (label, value) in enumerate(rows):
        draw.text((240, 150 + i * 48), label, font=small, fill=INK)
        draw.text((500, 150 + i * 48), value, font=small, fill=INK)
    _ring(draw, (465, 88, 630, 118))
    _ring(draw, (232, 148, 640, 330))
    _lines(draw, 90, 360, 540, 2, 22)


def entry_stamp(draw: ImageDraw.ImageDraw) -> None:
    _paper(draw, (40, 40, 680, 440))
    draw.rounded_rectangle((80, 90, 300, 230), radius=12, outline=FAINT, width=5)
    draw.ellipse((440, 290, 600, 420), outline=FAINT, width=5)
    stamp = (330, 120, 630, 300)
    draw.rectangle(stamp, outline=(30, 80, 160), width=5)
    small, big = _font(24), _font(34)
    blue = (30, 80, 160)
    draw.text((350, 130), "中国边检 CHINA", font=small, fill=blue)
    draw.text((350, 170), "入境 ENTRY  ▶", font=big, fill=blue)
    draw.text((350, 220), "2026.03.14", font=big, fill=blue)
    draw.text((350, 262), "浦东 PUDONG (0123)", font=small, fill=blue)
    _ring(draw, (343, 165, 620, 260))


def contract_uscc(draw: ImageDraw.ImageDraw) -> None:
    draw.polygon(((170, 20), (560, 20), (560, 470), (170, 470)), fill=PAPER, outline=INK)
    big, small = _font(34), _font(22)
    draw.text((230, 40), "劳动合同书", font=big, fill=INK)
    draw.text((190, 110), "甲方（用人单位）：某某有限公司", font=small, fill=INK)
    draw.text((190, 150), "统一社会信用代码：", font=small, fill=INK)
    draw.text((190, 180), "91310000MA1FL0AB1C", font=_font(28), fill=INK)
    _ring(draw, (186, 148, 515, 218))
    draw.text((190, 240), "乙方（劳动者）：", font=small, fill=INK)
    _lines(draw, 190, 290, 340, 6)


def work_permit(draw: ImageDraw.ImageDraw) -> None:
    draw.rounded_rectangle((60, 70, 660, 420), radius=26, fill=(235, 240, 248), outline=INK,
                           width=4)
    small = _font(26)
    draw.text((90, 90), "外国人工作许可证  Foreigner's Work Permit", font=small, fill=INK)
    _photo(draw, (90, 150, 240, 340))
    _lines(draw, 270, 160, 340, 4, 34)
    draw.text((270, 320), "No. 156000012345678901", font=_font(30), fill=INK)
    _ring(draw, (265, 318, 640, 362))


def bill_account(draw: ImageDraw.ImageDraw) -> None:
    _paper(draw, (110, 20, 610, 465))
    big, small = _font(32), _font(24)
    draw.text((140, 40), "电费账单  Electricity bill", font=big, fill=INK)
    draw.text((140, 100), "户号 Account no.", font=small, fill=INK)
    draw.text((360, 96), "3100123456", font=_font(30), fill=INK)
    _ring(draw, (135, 94, 560, 134))
    _lines(draw, 140, 160, 420, 5)
    for i in range(60):  # the barcode's bars
        x = 150 + i * 7
        draw.rectangle((x, 320, x + (2 if i % 3 else 4), 400), fill=INK)
    draw.text((190, 410), "2A3100123456202603", font=small, fill=INK)
    _ring(draw, (145, 315, 575, 445))


DRAWINGS: dict[str, Callable[[ImageDraw.ImageDraw], None]] = {
    PASSPORT_PAGE: passport_page, VISA: visa, ENTRY_STAMP: entry_stamp,
    CONTRACT_USCC: contract_uscc, WORK_PERMIT: work_permit, BILL_ACCOUNT: bill_account,
}


def draw_all(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, drawing in DRAWINGS.items():
        image = Image.new("RGB", SIZE, (255, 255, 255))
        drawing(ImageDraw.Draw(image))
        path = out / f"{name}.png"
        image.save(path, optimize=True)
        written.append(path)
    return written


def main() -> int:
    for path in draw_all():
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
