"""The printer simulator's ESC/POS interpreter on hand-written byte strings."""

from __future__ import annotations

import pytest

from hardware.sim.printer.faults import Fault, FaultState
from hardware.sim.printer.interpreter import EscposInterpreter, JobRecord
from hardware.sim.printer.paper import ImageItem, QRItem, TextLine, item_text

ESC, FS, GS, DLE = b"\x1b", b"\x1c", b"\x1d", b"\x10"
CUT = GS + b"V\x00"


class Printer:
    """An interpreter with its jobs collected in a list."""

    def __init__(self) -> None:
        self.faults = FaultState()
        self.jobs: list[JobRecord] = []
        self.interpreter = EscposInterpreter(self.faults, self.jobs.append, 48)

    def feed(self, data: bytes) -> bytes:
        return self.interpreter.feed(data)

    def texts(self, job: int = 0) -> list[str]:
        return [item_text(item, 48) for item in self.jobs[job].items]


@pytest.fixture()
def printer() -> Printer:
    return Printer()


def test_text_lines_and_cut_make_a_job(printer: Printer) -> None:
    """GIVEN two lines and a cut WHEN interpreted THEN one complete job with both lines
    and its raw bytes."""
    data = ESC + b"@Hello\nWorld\n" + CUT
    printer.feed(data)
    assert printer.texts() == ["Hello", "World"]
    assert printer.jobs[0].complete and bytes(printer.jobs[0].raw) == data


def test_alignment_pads_to_the_line(printer: Printer) -> None:
    """GIVEN centred and right-aligned lines WHEN interpreted THEN text is padded."""
    printer.feed(ESC + b"a\x01abcd\n" + ESC + b"a2xy\n" + CUT)
    assert printer.texts() == [" " * 22 + "abcd", " " * 46 + "xy"]


def test_style_commands_set_bold_and_size(printer: Printer) -> None:
    """GIVEN ESC E, ESC ! and GS ! WHEN text follows THEN glyphs carry bold and size."""
    printer.feed(ESC + b"E\x01B\n" + ESC + b"!\x30W\n" + GS + b"!\x10D\n" + ESC + b"@" + b"N\n"
                 + CUT)
    lines = [item for item in printer.jobs[0].items if isinstance(item, TextLine)]
    b, w, d, n = (line.glyphs[0] for line in lines)
    assert b.bold and (w.width, w.height) == (2, 2) and (d.width, d.height) == (2, 1)
    assert (n.bold, n.width, n.height) == (False, 1, 1)


@pytest.mark.parametrize("number, codec", [(0, "cp437"), (2, "cp850"), (19, "cp858"),
                                           (16, "cp1252"), (17, "cp866")])
def test_code_pages(printer: Printer, number: int, codec: str) -> None:
    """GIVEN ESC t n and bytes of that code page WHEN interpreted THEN they decode."""
    word = "Ñandú" if codec != "cp866" else "Жук"
    printer.feed(ESC + b"t" + bytes((number,)) + word.encode(codec) + b"\n" + CUT)
    assert printer.texts() == [word]


def test_gb18030_inside_fs_and_counts_two_columns(printer: Printer) -> None:
    """GIVEN FS & + GB18030 (2- and 4-byte) + FS . WHEN interpreted THEN the characters
    decode and each takes two columns."""
    printer.feed(FS + b"&" + "中文€".encode("gb18030") + FS + b"." + b"A\n" + CUT)
    line = printer.jobs[0].items[0]
    assert isinstance(line, TextLine) and line.text == "中文€A" and line.columns == 7


def test_commands_split_across_reads_wait_for_the_rest(printer: Printer) -> None:
    """GIVEN a job cut into 1-byte reads, mid-command and mid-character WHEN fed
    THEN the result is the same as in one read."""
    data = (ESC + b"@" + ESC + b"t\x10\xe9" + FS + b"&" + "汉".encode("gb18030") + FS
            + b".\n" + GS + b"(k\x06\x001P0abc" + GS + b"(k\x03\x001Q0" + CUT)
    for i in range(len(data)):
        printer.feed(data[i:i + 1])
    assert printer.texts() == ["é汉", "[QR] abc"]


def test_qr_stores_and_prints_with_module_size(printer: Printer) -> None:
    """GIVEN python-escpos's native QR sequence WHEN interpreted THEN one QR item."""
    printer.feed(ESC + b"a\x01" + GS + b"(k\x04\x001A2\x00" + GS + b"(k\x03\x001C\x07"
                 + GS + b"(k\x03\x001E1" + GS + b"(k\x08\x001P0hello" + GS + b"(k\x03\x001Q0"
                 + CUT)
    assert printer.jobs[0].items == [QRItem("hello", 7, 49, 1)]


def test_raster_image(printer: Printer) -> None:
    """GIVEN GS v 0 of 16x2 dots WHEN interpreted THEN an image item with black dots
    where bits are set."""
    printer.feed(GS + b"v0\x00\x02\x00\x02\x00" + b"\x80\x00\x00\x01" + CUT)
    item = printer.jobs[0].items[0]
    assert isinstance(item, ImageItem) and item.size == (16, 2)
    assert item.image.getpixel((0, 0)) == 0 and item.image.getpixel((15, 1)) == 0
    assert item.image.getpixel((1, 0)) == 255
    assert printer.texts() == ["[IMAGE 16x2]"]


def test_feed_and_line_feeds(printer: Printer) -> None:
    """GIVEN text then ESC d 3 WHEN interpreted THEN the line plus two blank lines."""
    printer.feed(b"x" + ESC + b"d\x03" + CUT)
    assert printer.texts() == ["x", "", ""]


def test_long_lines_wrap_like_the_printer(printer: Printer) -> None:
    """GIVEN 50 characters WHEN interpreted THEN the printer wraps after 48."""
    printer.feed(b"a" * 50 + b"\n" + CUT)
    assert printer.texts() == ["a" * 48, "aa"]


def test_set_commands_are_skipped_with_their_lengths(printer: Printer) -> None:
    """GIVEN commands python-escpos set() and friends emit WHEN interpreted THEN none of
    their parameter bytes print and nothing is unknown."""
    printer.feed(ESC + b"M\x00" + ESC + b"{\x00" + GS + b"B\x00" + ESC + b"3\x10" + ESC
                 + b"2" + ESC + b"V\x00" + ESC + b"-\x01" + GS + b"b\x00" + ESC + b"G\x00"
                 + GS + b"(L\x02\x0002" + GS + b"k\x04ABC\x00" + GS + b"kI\x02{A"
                 + ESC + b"p\x00\x32\x32" + DLE + b"\x14\x01\x00\x01" + b"ok\n" + CUT)
    assert printer.texts() == ["ok"]
    assert printer.interpreter.unknown == []


def test_unknown_bytes_are_recorded_not_fatal(printer: Printer) -> None:
    """GIVEN an unknown ESC command and a stray control byte WHEN interpreted
    THEN they are recorded and printing goes on."""
    printer.feed(ESC + b"\x01" + b"\x02" + b"ok\n" + CUT)
    assert printer.texts() == ["ok"]
    assert printer.interpreter.unknown == [ESC + b"\x01", b"\x02"]


def test_status_queries_answer_at_once_and_stay_out_of_the_job(printer: Printer) -> None:
    """GIVEN DLE EOT 1, 2, 3, 4 WHEN interpreted THEN four status bytes come back and
    none of it is part of the job's raw bytes."""
    assert printer.feed(DLE + b"\x04\x01" + DLE + b"\x04\x02" + DLE + b"\x04\x03"
                        + DLE + b"\x04\x04") == b"\x12\x12\x12\x12"
    printer.feed(b"x\n" + CUT)
    assert bytes(printer.jobs[0].raw) == b"x\n" + CUT


@pytest.mark.parametrize("fault, expected", [
    (Fault.PAPER_OUT, b"\x1a\x32\x12\x7e"),
    (Fault.PAPER_NEAR_END, b"\x12\x12\x12\x1e"),
    (Fault.COVER_OPEN, b"\x1a\x16\x12\x12"),
    (Fault.OFFLINE, b"\x1a\x12\x12\x12"),
    (Fault.ERROR, b"\x1a\x52\x1a\x12"),
    (Fault.SILENT, b""),
    (Fault.GARBAGE, b"\xff\xff\xff\xff"),
])
def test_fault_status_bytes(printer: Printer, fault: Fault, expected: bytes) -> None:
    """GIVEN a fault WHEN DLE EOT 1-4 are asked THEN the Epson status bits say it."""
    printer.faults.set(fault)
    query = b"".join(DLE + b"\x04" + bytes((n,)) for n in (1, 2, 3, 4))
    assert printer.feed(query) == expected


def test_paper_out_prints_nothing(printer: Printer) -> None:
    """GIVEN paper out WHEN a job arrives THEN nothing is printed and no job exists."""
    printer.faults.set(Fault.PAPER_OUT)
    printer.feed(b"lost\n" + CUT)
    assert printer.jobs == []


def test_paper_running_out_mid_job_keeps_a_partial_slip(printer: Printer) -> None:
    """GIVEN paper for 2 lines WHEN a 4-line job arrives THEN the job holds 2 lines, is
    incomplete, and the printer now reports paper out."""
    printer.faults.set(Fault.PAPER_OUT_AFTER_LINES, 2)
    printer.feed(b"1\n2\n3\n4\n" + CUT)
    assert printer.texts() == ["1", "2"] and not printer.jobs[0].complete
    assert len(printer.jobs) == 1
    assert printer.feed(DLE + b"\x04\x04") == b"\x7e"


def test_end_of_stream_mid_job_is_incomplete(printer: Printer) -> None:
    """GIVEN a job without its cut WHEN the link ends THEN a partial, incomplete job."""
    printer.feed(b"half\n")
    printer.interpreter.end_of_stream()
    assert printer.texts() == ["half"] and not printer.jobs[0].complete


def test_cut_with_feed_variant(printer: Printer) -> None:
    """GIVEN GS V 66 n (feed and cut) WHEN interpreted THEN the job ends."""
    printer.feed(b"x\n" + GS + b"VB\x00")
    assert printer.texts() == ["x"] and printer.jobs[0].complete
