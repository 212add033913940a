"""The reader's barcode record (docs/hardware/document-reader.md, section 5): a bill's
barcode becomes a DocumentRead of format BARCODE when it has the shape of docs/spec/bills.md#barcode
(10 to 48 of 0-9 A-Z), and is rejected with a reason otherwise. Details never carry
the barcode's text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hardware.base import DocumentFormat, DocumentRead, ReadRejected
from hardware.reader.debounce import Debouncer
from hardware.reader.framing import FrameParser, RawFrame, encode_frame
from hardware.reader.records import decode_frame
from hardware.sim.reader.bills import barcode_record_lines

AT = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
WATER_BILL = "SW31000123452025127"  # docs/central.md: sh-water, statement 2025-12


def _decode(lines: list[str] | tuple[str, ...]) -> object:
    return decode_frame(encode_frame(lines)[1:-1], now=AT)


def _rejection(lines: list[str] | tuple[str, ...]) -> ReadRejected:
    result = _decode(lines)
    assert isinstance(result, ReadRejected), result
    return result


def test_a_barcode_record_becomes_a_barcode_read() -> None:
    """GIVEN the frame `#BARCODE CODE128` / a demo water bill's barcode, as bytes in
    chunks of 3 through the streaming parser
    WHEN the frame is decoded
    THEN one DocumentRead of format BARCODE with the barcode's text and the given time,
    and no MRZ or chip fields."""
    wire = encode_frame(barcode_record_lines(WATER_BILL))
    assert wire == b"\x02#BARCODE CODE128\r" + WATER_BILL.encode() + b"\r\x03"
    parser = FrameParser()
    events = [event for start in range(0, len(wire), 3)
              for event in parser.feed(wire[start:start + 3], now=0.0)]
    assert len(events) == 1 and isinstance(events[0], RawFrame)
    result = decode_frame(events[0].body, now=AT)
    assert result == DocumentRead(format=DocumentFormat.BARCODE, barcode=WATER_BILL, read_at=AT)
    assert isinstance(result, DocumentRead) and result.mrz is None and result.chip is None


@pytest.mark.parametrize("header", ["#BARCODE", "#BARCODE QR", "#BARCODE PDF417"])
def test_the_symbology_word_is_optional_and_not_kept(header: str) -> None:
    """GIVEN a barcode record with no symbology, or a 2D one
    WHEN it is decoded
    THEN the same barcode read: the kiosk does not need the symbology."""
    assert _decode([header, WATER_BILL]) == DocumentRead(
        format=DocumentFormat.BARCODE, barcode=WATER_BILL, read_at=AT)


@pytest.mark.parametrize("barcode", ["0" * 10, "Z" * 48, "CM138001380002026115"],
                         ids=["10 digits", "48 letters", "mobile"])
def test_the_length_limits_are_inclusive(barcode: str) -> None:
    """GIVEN barcodes of exactly 10 and 48 characters, and a 20-character one
    WHEN decoded
    THEN each is delivered as read."""
    result = _decode(barcode_record_lines(barcode))
    assert isinstance(result, DocumentRead) and result.barcode == barcode


@pytest.mark.parametrize(("barcode", "foreign"), [
    ("sw31000123452025126", 2),  # lower case: the reader sends what it decoded, as it is
    ("SW3100012345 2025126", 1),  # a space
    ("SW-3100012345-202512", 2),  # punctuation
    ("SW31000123452025\u00c926", 1),  # printable, but not 0-9 A-Z
])
def test_characters_outside_0_9_a_z_are_bad_characters(barcode: str, foreign: int) -> None:
    """GIVEN a barcode record holding characters docs/spec/bills.md#barcode does not allow
    WHEN decoded
    THEN rejected as bad_characters, the detail counting them and never quoting them."""
    rejection = _rejection(barcode_record_lines(barcode))
    assert rejection.reason == "bad_characters"
    assert rejection.detail == f"barcode: {foreign} characters outside 0-9 A-Z"


@pytest.mark.parametrize("length", [9, 49, 1])
def test_too_short_or_too_long_is_bad_length(length: int) -> None:
    """GIVEN barcodes of 9, 49 and 1 characters
    WHEN decoded
    THEN rejected as bad_length, the detail giving the length only."""
    rejection = _rejection(barcode_record_lines("7" * length))
    assert rejection.reason == "bad_length"
    assert rejection.detail == f"barcode of {length} characters; a bill's has 10 to 48"


@pytest.mark.parametrize(("lines", "reason"), [
    (["#BARCODE CODE128"], "truncated"),  # the data line never came
    (["#BARCODE CODE128", WATER_BILL, WATER_BILL], "unknown_format"),  # two barcodes
    (["#BARCODE CODE128", "SW3100\x07012345202512"], "noise"),  # a control byte
])
def test_broken_barcode_records_are_rejected(lines: list[str], reason: str) -> None:
    """GIVEN a barcode record without its data line, with two, or with a control byte
    WHEN decoded
    THEN rejected as truncated, unknown_format and noise."""
    assert _rejection(lines).reason == reason


def test_a_barcode_record_that_is_not_utf8_is_noise() -> None:
    """GIVEN a barcode record with a 0xFF byte in its data line
    WHEN decoded
    THEN rejected as noise."""
    body = b"#BARCODE CODE128\r" + WATER_BILL.encode()[:5] + b"\xff" + b"\r"
    result = decode_frame(body, now=AT)
    assert isinstance(result, ReadRejected) and result.reason == "noise"


def test_debounce_tells_barcodes_apart() -> None:
    """GIVEN the debouncer after a barcode was seen
    WHEN the same barcode comes again within the window, then another barcode
    THEN the first is a repeat, the second is not."""
    now = [100.0]
    debouncer = Debouncer(3.0, clock=lambda: now[0])
    first = DocumentRead(format=DocumentFormat.BARCODE, barcode=WATER_BILL, read_at=AT)
    assert not debouncer.is_repeat(first)
    now[0] += 1.0
    assert debouncer.is_repeat(DocumentRead(format=DocumentFormat.BARCODE,
                                            barcode=WATER_BILL, read_at=None))
    now[0] += 1.0
    assert not debouncer.is_repeat(DocumentRead(format=DocumentFormat.BARCODE,
                                                barcode="SP01234567892025128"))
