"""What a frame from the document reader means: MRZ shapes, chip records, status records,
and the reason given for every kind of bad input. Details never carry content."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hardware.base import DocumentFormat, DocumentRead, ReadRejected
from hardware.reader.framing import encode_frame
from hardware.reader.records import IgnoredRecord, StatusReport, decode_frame
from hardware.sim.reader.specimens import (
    PR2023_FIELDS,
    TD1_SPECIMEN,
    TD3_SPECIMEN,
    chip_record_lines,
)

AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def _decode(lines: list[str] | tuple[str, ...]) -> object:
    return decode_frame(encode_frame(lines)[1:-1], now=AT)


def _rejection(lines: list[str] | tuple[str, ...]) -> ReadRejected:
    result = _decode(lines)
    assert isinstance(result, ReadRejected), result
    return result


def test_two_lines_of_44_are_a_td3_with_lines_joined_by_newline() -> None:
    """GIVEN the ICAO TD3 specimen's two lines
    WHEN the frame is decoded
    THEN a TD3 DocumentRead with the lines joined by a newline and the given time."""
    assert _decode(TD3_SPECIMEN) == DocumentRead(
        format=DocumentFormat.TD3, mrz="\n".join(TD3_SPECIMEN), read_at=AT)


def test_three_lines_of_30_are_a_td1() -> None:
    """GIVEN the ICAO TD1 specimen's three lines
    WHEN the frame is decoded
    THEN a TD1 DocumentRead."""
    result = _decode(TD1_SPECIMEN)
    assert isinstance(result, DocumentRead) and result.format is DocumentFormat.TD1
    assert result.mrz == "\n".join(TD1_SPECIMEN)


def test_check_digits_are_not_the_readers_business() -> None:
    """GIVEN a TD3 whose check digits are all wrong but whose shape is right
    WHEN the frame is decoded
    THEN it is delivered as read: kiosk.domain checks the digits."""
    wrong = (TD3_SPECIMEN[0], TD3_SPECIMEN[1].replace("C36", "C35"))
    assert isinstance(_decode(wrong), DocumentRead)


@pytest.mark.parametrize(("lines", "reason"), [
    ([TD3_SPECIMEN[0], TD3_SPECIMEN[1][:30]], "truncated"),
    ([TD3_SPECIMEN[0]], "truncated"),
    (list(TD1_SPECIMEN[:2]), "truncated"),  # a TD1 that lost its name line
    ([TD3_SPECIMEN[0], TD3_SPECIMEN[1] + "<<"], "bad_length"),
    ([TD3_SPECIMEN[0] + "<", TD3_SPECIMEN[1][:40]], "bad_length"),
    ([TD3_SPECIMEN[0], TD3_SPECIMEN[1].lower()], "bad_characters"),
    ([TD3_SPECIMEN[0].replace("<<", "  ", 1), TD3_SPECIMEN[1]], "bad_characters"),
    (["P<UTO" + "<" * 31, "L898902C36UTO7408122F12041594" + "<" * 7], "unknown_format"),
    ([*TD1_SPECIMEN, TD1_SPECIMEN[2]], "unknown_format"),
])
def test_bad_mrz_input_gets_its_reason(lines: list[str], reason: str) -> None:
    """GIVEN MRZ lines cut short, too long, outside the alphabet, or of a shape the kiosk
    does not take (2 x 36 TD2, 4 lines)
    WHEN the frame is decoded
    THEN ReadRejected with the matching reason, and no document character in the detail."""
    rejected = _rejection(lines)
    assert rejected.reason == reason
    assert "L898" not in rejected.detail and "ERIKSSON" not in rejected.detail


def test_control_bytes_inside_an_mrz_are_noise() -> None:
    """GIVEN a TD3 frame with line-noise bytes in its first line
    WHEN it is decoded
    THEN it is rejected as noise."""
    body = encode_frame(TD3_SPECIMEN)[1:-1]
    assert decode_frame(body[:10] + b"\x00\xfe\x1b" + body[10:]) == ReadRejected(
        "noise", "line 1: bytes that are not printable ASCII")


def test_an_empty_frame_means_nothing() -> None:
    """GIVEN STX CR CR ETX (a reader that scanned nothing)
    WHEN it is decoded
    THEN None: nothing to deliver, nothing to reject."""
    assert decode_frame(b"\r\r") is None


def test_a_pr2023_chip_record_becomes_its_fields() -> None:
    """GIVEN the simulator's PR2023 chip record (UTF-8, with a Chinese name)
    WHEN it is decoded
    THEN a PR2023 DocumentRead whose chip dict holds every field, and no MRZ."""
    result = _decode(chip_record_lines("PR2023", PR2023_FIELDS))
    assert result == DocumentRead(format=DocumentFormat.PR2023, chip=PR2023_FIELDS, read_at=AT)


def test_fields_the_kiosk_does_not_need_are_dropped() -> None:
    """GIVEN a chip record with an extra field (a photo) and an empty optional one
    WHEN it is decoded
    THEN neither the extra field nor the empty one is kept."""
    fields = dict(PR2023_FIELDS, photo="QUJD", name_zh="")
    result = _decode(chip_record_lines("PR2023", fields))
    assert isinstance(result, DocumentRead) and result.chip is not None
    assert "photo" not in result.chip and "name_zh" not in result.chip


@pytest.mark.parametrize(("change", "reason"), [
    ({"card_number": "93127619640812124"}, "bad_length"),
    ({"card_number": "9312761964081212Y4"}, "bad_characters"),
    ({"sex": "X"}, "bad_characters"),
    ({"birth_date": "1964-08-12"}, "bad_characters"),
    ({"nationality": "2760"}, "bad_length"),
    ({"expiry_date": ""}, "truncated"),
])
def test_bad_chip_fields_get_their_reason(change: dict[str, str], reason: str) -> None:
    """GIVEN a chip record with one field of the wrong shape or missing
    WHEN it is decoded
    THEN ReadRejected with the matching reason, naming the field but not its value."""
    rejected = _rejection(chip_record_lines("PR2023", dict(PR2023_FIELDS, **change)))
    assert rejected.reason == reason
    assert "9312761964" not in rejected.detail


def test_a_chip_record_of_an_unknown_card_type_is_refused() -> None:
    """GIVEN a chip record for a card type the kiosk does not know
    WHEN it is decoded
    THEN it is rejected as unknown_format."""
    assert _rejection(chip_record_lines("PR2017", PR2023_FIELDS)).reason == "unknown_format"


def test_a_chip_record_with_a_repeated_or_unnamed_field_is_refused() -> None:
    """GIVEN chip records with a field twice, and with a line without '='
    WHEN they are decoded
    THEN both are rejected as unknown_format."""
    lines = list(chip_record_lines("PR2023", PR2023_FIELDS))
    assert _rejection([*lines, lines[1]]).reason == "unknown_format"
    assert _rejection([*lines, "no separator"]).reason == "unknown_format"


def test_a_chip_record_that_is_not_utf8_is_noise() -> None:
    """GIVEN a chip record with bytes that are not UTF-8
    WHEN it is decoded
    THEN it is rejected as noise."""
    body = encode_frame(chip_record_lines("PR2023", PR2023_FIELDS))[1:-1]
    assert decode_frame(body.replace(b"name_en=", b"name_en=\xff")) == ReadRejected(
        "noise", "record is not UTF-8")


def test_status_records_and_unknown_records() -> None:
    """GIVEN a READY status, a LAMP_FAULT status and a record kind nobody knows
    WHEN they are decoded
    THEN two StatusReports (only the first ready) and an IgnoredRecord."""
    ready = _decode(["#STATUS READY"])
    fault = _decode(["#STATUS LAMP_FAULT lamp 2"])
    assert isinstance(ready, StatusReport) and ready.ready
    assert fault == StatusReport(state="LAMP_FAULT", detail="lamp 2") and not fault.ready
    assert _decode(["#VERSION 2.1"]) == IgnoredRecord(kind="#VERSION")
