"""Renderer: Document -> ESC/POS bytes, per block kind and per script."""

from __future__ import annotations

import json
import re

import pytest

from hardware.document import Align, Document, Feed, QRCode, Row, Rule, Text
from hardware.printer.profile import PrinterProfile, find_noto_cjk_font
from hardware.printer.render import render_document
from hardware.sim.printer.faults import FaultState
from hardware.sim.printer.interpreter import EscposInterpreter, JobRecord
from hardware.sim.printer.paper import ImageItem, QRItem, TextLine

ESC, FS, GS = b"\x1b", b"\x1c", b"\x1d"
RASTER = GS + b"v0"
CUT = GS + b"V\x00"


@pytest.fixture(scope="module")
def profile() -> PrinterProfile:
    font = find_noto_cjk_font()
    assert font is not None, "noto-cjk-sans-otc must be installed"
    return PrinterProfile(raster_font=font)


def render(profile: PrinterProfile, *blocks: object, language: str = "en") -> bytes:
    return render_document(Document(blocks=tuple(blocks), language=language), profile)  # type: ignore[arg-type]


def printed(data: bytes) -> JobRecord:
    """Run the bytes through the simulator's interpreter (pure, no I/O)."""
    jobs: list[JobRecord] = []
    EscposInterpreter(FaultState(), jobs.append, 48).feed(data)
    assert len(jobs) == 1
    return jobs[0]


def text_lines(job: JobRecord) -> list[str]:
    return [item.text for item in job.items if isinstance(item, TextLine) and item.glyphs]


def test_every_slip_starts_with_init_and_ends_with_cut(profile: PrinterProfile) -> None:
    """GIVEN any document WHEN rendered THEN the bytes start with ESC @ and end with a cut."""
    data = render(profile, Text("Hello"))
    assert data.startswith(ESC + b"@")
    assert data.endswith(CUT)


def test_json_round_trip_gives_identical_bytes(profile: PrinterProfile) -> None:
    """GIVEN a document with every block kind and every script
    WHEN it goes through JSON and back THEN it renders to the same bytes."""
    document = Document(blocks=(
        Text("缴费凭证 Reçu", align=Align.CENTER, bold=True, size=2),
        Row("금액", "CNY 12.50"), Row("Сумма", "12,50"), Rule("="),
        QRCode("https://example.cn/r/1", module=5), Feed(3), Text("ありがとう")),
        language="ko", title="t")
    again = Document.from_json(json.loads(json.dumps(document.to_json())))
    assert render_document(again, profile) == render_document(document, profile)


def test_text_alignment_bold_and_double_size(profile: PrinterProfile) -> None:
    """GIVEN a centred bold double-size paragraph WHEN rendered
    THEN ESC ! 0x30, ESC E 1 and ESC a 1 precede the text, wrapped to 24 columns."""
    data = render(profile, Text("Payment receipt for the water bill", align=Align.CENTER,
                                bold=True, size=2))
    start = data.index(b"Payment")
    head = data[:start]
    assert ESC + b"!\x30" in head and ESC + b"E\x01" in head and ESC + b"a\x01" in head
    job = printed(data)
    lines = text_lines(job)
    assert lines == ["Payment receipt for the", "water bill"]
    assert all(item.columns <= 48 for item in job.items if isinstance(item, TextLine))


def test_latin_accents_use_a_western_code_page(profile: PrinterProfile) -> None:
    """GIVEN French text WHEN rendered THEN ESC t 16 (WPC1252) selects the page and the
    accents are single bytes of it, with no '?' anywhere."""
    data = render(profile, Text("Reçu: électricité, Müller, €5"))
    assert ESC + b"t\x10" + "Reçu: électricité, Müller, €5".encode("cp1252") not in data
    assert b"Re" + ESC + b"t\x10" + "çu: électricité, Müller, €5".encode("cp1252") in data
    assert b"?" not in data
    assert text_lines(printed(data)) == ["Reçu: électricité, Müller, €5"]


def test_code_page_is_selected_once_for_consecutive_lines(profile: PrinterProfile) -> None:
    """GIVEN two lines of Latin accents WHEN rendered THEN ESC t is sent only once."""
    data = render(profile, Text("é"), Text("à"))
    assert data.count(ESC + b"t") == 1


def test_cyrillic_uses_cp866(profile: PrinterProfile) -> None:
    """GIVEN Russian text WHEN rendered THEN ESC t 17 (CP866) and CP866 bytes are sent."""
    data = render(profile, Text("Квитанция об оплате"))
    assert ESC + b"t\x11" + "Квитанция об оплате".encode("cp866") in data
    assert text_lines(printed(data)) == ["Квитанция об оплате"]


def test_latin_and_cyrillic_on_one_line_switch_pages(profile: PrinterProfile) -> None:
    """GIVEN "é" and "Ж" on one line WHEN rendered THEN each run selects its own page."""
    data = render(profile, Text("é Ж"))
    assert ESC + b"t\x10" + b"\xe9 " + ESC + b"t\x11" + "Ж".encode("cp866") in data


def test_chinese_goes_out_as_gb18030_inside_fs_and(profile: PrinterProfile) -> None:
    """GIVEN Chinese text and a printer with a GB18030 font WHEN rendered
    THEN it is sent between FS & and FS . and no image is sent."""
    data = render(profile, Text("缴费成功，谢谢！"))
    assert FS + b"&" + "缴费成功，谢谢！".encode("gb18030") + FS + b"." in data
    assert RASTER not in data
    assert text_lines(printed(data)) == ["缴费成功，谢谢！"]


def test_chinese_without_chinese_font_is_drawn_as_image(profile: PrinterProfile) -> None:
    """GIVEN a profile without Chinese mode WHEN Chinese is rendered
    THEN the line is a raster image and FS & is never sent."""
    plain = PrinterProfile(chinese_mode=False, raster_font=profile.raster_font)
    data = render(plain, Text("缴费成功"))
    assert RASTER in data and FS + b"&" not in data


@pytest.mark.parametrize("text, language", [("감사합니다", "ko"), ("ありがとうございます", "ja"),
                                            ("ขอบคุณ", "en")])
def test_korean_japanese_and_unknown_scripts_are_raster(profile: PrinterProfile, text: str,
                                                        language: str) -> None:
    """GIVEN Hangul, kana or Thai WHEN rendered THEN the line is one GS v 0 image and no
    text (no '?') stands in for it."""
    data = render(profile, Text(text), language=language)
    assert data.count(RASTER) == 1
    job = printed(data)
    assert text_lines(job) == []
    images = [item for item in job.items if isinstance(item, ImageItem)]
    assert len(images) == 1
    width, height = images[0].size
    assert height == 30 and 8 <= width <= 576 and width % 8 == 0
    black_dots = images[0].image.convert("L").histogram()[0]
    assert black_dots > 50  # not blank: ink was drawn


def test_raster_face_follows_document_language(profile: PrinterProfile) -> None:
    """GIVEN the same kanji-and-kana line in a Japanese and a Chinese document
    WHEN rendered THEN the images differ (JP and SC glyph forms of 直 and 骨)."""
    line = "直 骨 ありがとう"
    japanese = render(profile, Text(line), language="ja")
    assert japanese != render(profile, Text(line), language="zh-Hans")
    assert japanese == render(profile, Text(line), language="ja")


def test_row_that_fits_is_one_padded_line(profile: PrinterProfile) -> None:
    """GIVEN a short label and value WHEN rendered THEN one 48-column line holds both."""
    lines = text_lines(printed(render(profile, Row("Amount", "CNY 128.50"))))
    assert lines == ["Amount" + " " * 32 + "CNY 128.50"]


def test_row_too_long_puts_value_right_aligned_below(profile: PrinterProfile) -> None:
    """GIVEN a label and value that do not fit on one line WHEN rendered
    THEN the value is on its own right-aligned line."""
    data = render(profile, Row("Retrieval reference number (RRN)", "123456789012345678"))
    job = printed(data)
    lines = [item for item in job.items if isinstance(item, TextLine) and item.glyphs]
    assert [line.text for line in lines] == ["Retrieval reference number (RRN)",
                                            "123456789012345678"]
    assert lines[1].align == 2


def test_korean_label_keeps_the_amount_as_text(profile: PrinterProfile) -> None:
    """GIVEN a row with a Korean label and an amount WHEN rendered THEN the label is an
    image line and the amount is a right-aligned text line of plain bytes."""
    data = render(profile, Row("납부 금액", "CN¥128.50"), language="ko")
    assert data.count(RASTER) == 1
    assert ESC + b"a\x02CN" + ESC + b"t\x10\xa5128.50\n" in data
    job = printed(data)
    assert isinstance(job.items[0], ImageItem)
    assert isinstance(job.items[1], TextLine) and job.items[1].text == "CN¥128.50"
    assert job.items[1].align == 2


def test_row_with_chinese_label_stays_text(profile: PrinterProfile) -> None:
    """GIVEN a bilingual zh/fr label and an amount WHEN rendered THEN one text line."""
    lines = text_lines(printed(render(profile, Row("金额 Montant", "128,50 CNY"))))
    assert len(lines) == 1
    assert lines[0].startswith("金额 Montant") and lines[0].endswith("128,50 CNY")


def test_rule_spans_the_width(profile: PrinterProfile) -> None:
    """GIVEN rules of a narrow and a wide character WHEN rendered THEN each fills 48
    columns."""
    job = printed(render(profile, Rule("="), Rule("－")))
    lines = text_lines(job)
    assert lines == ["=" * 48, "－" * 24]


def test_qr_is_native_with_module_size_and_alignment(profile: PrinterProfile) -> None:
    """GIVEN a centred QR with module 5 WHEN rendered THEN GS ( k carries size 5 and the
    UTF-8 data, after ESC a 1."""
    data = render(profile, QRCode("https://example.cn/收据/1", module=5))
    payload = "https://example.cn/收据/1".encode()
    assert GS + b"(k\x03\x001C\x05" in data
    store = GS + b"(k" + (len(payload) + 3).to_bytes(2, "little") + b"1P0" + payload
    assert store in data
    assert data.index(ESC + b"a\x01") < data.index(store)
    items = printed(data).items
    assert items[0] == QRItem("https://example.cn/收据/1", 5, 48, 1)


def test_feed_sends_esc_d(profile: PrinterProfile) -> None:
    """GIVEN Feed(3) WHEN rendered THEN ESC d 3 is sent."""
    assert ESC + b"d\x03" in render(profile, Feed(3))


def test_control_characters_cannot_inject_commands(profile: PrinterProfile) -> None:
    """GIVEN text carrying ESC @ and a cut WHEN rendered THEN those bytes never appear
    beyond the renderer's own ESC @ and final cut."""
    data = render(profile, Text("A\x1b@B\x1dV\x00C\x10\x04\x01"))
    assert data.count(ESC + b"@") == 1
    assert data.count(GS + b"V") == 1
    assert text_lines(printed(data)) == ["A@BVC"]


def test_wide_text_wraps_by_columns(profile: PrinterProfile) -> None:
    """GIVEN 30 Chinese characters (60 columns) WHEN rendered THEN they wrap at 24
    characters and no line exceeds 48 columns."""
    job = printed(render(profile, Text("汉" * 30)))
    assert text_lines(job) == ["汉" * 24, "汉" * 6]


def test_default_profile_finds_the_installed_raster_font() -> None:
    """GIVEN noto-cjk-sans-otc installed WHEN a default profile is made
    THEN its raster font is that package's .ttc."""
    font = PrinterProfile().raster_font
    assert font is not None and font.name == "NotoSansCJK-Regular.ttc" and font.is_file()


def test_no_raster_font_degrades_to_question_marks() -> None:
    """GIVEN a profile without a raster font WHEN Korean is rendered THEN it prints as
    text with '?' rather than failing."""
    data = render(PrinterProfile(raster_font=None), Text("금액 12"))
    assert RASTER not in data
    assert re.search(rb"\?\? 12", data)


def test_raster_everything_prints_every_line_as_an_image(profile: PrinterProfile) -> None:
    """GIVEN a profile with raster_everything WHEN a text, a row, a rule and a QR are
    rendered THEN no text line reaches the paper, three images do, the QR stays native,
    and the slip costs far more bytes than the same slip as text."""
    blocks = (Text("缴费凭证 Receipt"), Row("金额 Amount", "128.50 CNY"), Rule(),
              QRCode("https://example.cn/r/1"))
    everything = PrinterProfile(raster_font=profile.raster_font, raster_everything=True)
    data = render(everything, *blocks)
    job = printed(data)
    assert text_lines(job) == []
    assert sum(isinstance(item, ImageItem) for item in job.items) == 3
    assert [item.data for item in job.items if isinstance(item, QRItem)] == [
        "https://example.cn/r/1"]
    assert len(data) > 5 * len(render(profile, *blocks))


def test_raster_everything_needs_a_font() -> None:
    """GIVEN raster_everything without a raster font WHEN the profile is made
    THEN ValueError: it could print nothing."""
    with pytest.raises(ValueError, match="raster"):
        PrinterProfile(raster_font=None, raster_everything=True)
