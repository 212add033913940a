"""Frames of the payment terminal protocol: encoding, LRC and the streaming parser."""

from __future__ import annotations

import pytest

from hardware.payment.framing import (
    ACK,
    ENQ,
    ETX,
    FS,
    MAX_DATA_LENGTH,
    NAK,
    STX,
    BadFrame,
    Control,
    Frame,
    FrameError,
    FrameParser,
    encode_frame,
    lrc,
)

SALE_DATA = b"SALE\x1cK20240601-0001\x1c12345\x1c156"


def _frame_with_body(body: bytes) -> bytes:
    """A frame whose LRC is right whatever the body holds (to test format checks)."""
    payload = body + bytes([ETX])
    return bytes([STX]) + payload + bytes([lrc(payload)])


def test_lrc_is_the_xor_of_seq_to_etx() -> None:
    """GIVEN the worked example of the protocol document
    WHEN the frame for SEQ 1 and DATA "SALE" is built
    THEN it is STX '1' SALE ETX and LRC 0x29 (0x31^0x53^0x41^0x4C^0x45^0x03)."""
    assert encode_frame(1, b"SALE") == b"\x021SALE\x03\x29"
    assert lrc(b"1SALE\x03") == 0x29


def test_encode_refuses_what_no_frame_may_hold() -> None:
    """GIVEN a SEQ out of range, DATA too long and DATA with a control byte
    WHEN each is encoded
    THEN FrameError is raised and the longest allowed DATA still encodes."""
    with pytest.raises(FrameError):
        encode_frame(10, b"SALE")
    with pytest.raises(FrameError):
        encode_frame(0, b"A" * (MAX_DATA_LENGTH + 1))
    with pytest.raises(FrameError):
        encode_frame(0, b"SALE\x06")
    assert len(encode_frame(0, b"A" * MAX_DATA_LENGTH)) == MAX_DATA_LENGTH + 4


def test_parser_accepts_a_frame_split_at_every_byte() -> None:
    """GIVEN a SALE frame
    WHEN it is fed in two chunks split at every possible position, and byte by byte
    THEN each time exactly one Frame with its SEQ and DATA comes out."""
    frame = encode_frame(7, SALE_DATA)
    for cut in range(len(frame) + 1):
        parser = FrameParser()
        events = parser.feed(frame[:cut]) + parser.feed(frame[cut:])
        assert events == [Frame(7, SALE_DATA)], f"split at {cut}"
    parser = FrameParser()
    events = [e for byte in frame for e in parser.feed(bytes([byte]))]
    assert events == [Frame(7, SALE_DATA)]


def test_parser_skips_noise_between_frames() -> None:
    """GIVEN noise (high bytes, printable text, NUL) before, between and after two frames
    WHEN the stream is fed in one chunk
    THEN the two frames come out, in order, and nothing else."""
    first, second = encode_frame(1, b"EVNT\x1cpresent_card"), encode_frame(2, SALE_DATA)
    stream = b"\xff\x00noise" + first + b"\x80\x7f\x1c" + second + b"zz\xfe"
    assert FrameParser().feed(stream) == [Frame(1, b"EVNT\x1cpresent_card"),
                                          Frame(2, SALE_DATA)]


def test_parser_reports_a_bad_lrc_then_recovers() -> None:
    """GIVEN a frame with its LRC spoiled followed by a good frame
    WHEN the stream is fed
    THEN a BadFrame("lrc") (which the link answers NAK) comes first, then the good frame."""
    bad = bytearray(encode_frame(3, SALE_DATA))
    bad[-1] ^= 0xFF
    events = FrameParser().feed(bytes(bad) + encode_frame(4, SALE_DATA))
    assert events == [BadFrame("lrc"), Frame(4, SALE_DATA)]


@pytest.mark.parametrize(("body", "reason"), [
    (b"ASALE", "seq"),  # SEQ is not a digit
    (b"", "seq"),  # no SEQ at all
    (b"1SA\x07LE", "data"),  # BEL is not allowed in DATA
    (b"1SALE\xe4", "data"),  # neither is a non-ASCII byte
])
def test_parser_rejects_malformed_frames_with_a_right_lrc(body: bytes, reason: str) -> None:
    """GIVEN a frame whose LRC matches but whose SEQ or DATA breaks the format
    WHEN it is fed
    THEN a BadFrame with the reason comes out, not a Frame."""
    assert FrameParser().feed(_frame_with_body(body)) == [BadFrame(reason)]


def test_parser_restarts_on_stx_inside_a_frame() -> None:
    """GIVEN a frame cut short (its sender lost it) and then a whole frame
    WHEN the stream is fed
    THEN only the whole frame comes out."""
    whole = encode_frame(5, SALE_DATA)
    assert FrameParser().feed(whole[:9] + whole) == [Frame(5, SALE_DATA)]


def test_parser_drops_an_overlong_frame() -> None:
    """GIVEN a frame whose DATA goes past 512 bytes without ETX
    WHEN it is fed, followed by a good frame
    THEN BadFrame("too_long") comes out, then the good frame."""
    overlong = bytes([STX]) + b"1" + b"A" * (MAX_DATA_LENGTH + 5)
    events = FrameParser().feed(overlong + encode_frame(6, b"SALE"))
    assert events == [BadFrame("too_long"), Frame(6, b"SALE")]


def test_control_bytes_outside_frames_are_events_and_inside_they_are_errors() -> None:
    """GIVEN ACK, NAK and ENQ between frames, and an ACK byte inside a frame
    WHEN the stream is fed
    THEN the outside ones are Control events and the frame holding one is bad."""
    stream = bytes([ACK, NAK, ENQ]) + _frame_with_body(b"1SA" + bytes([ACK]) + b"LE")
    assert FrameParser().feed(stream) == [Control.ACK, Control.NAK, Control.ENQ,
                                          BadFrame("data")]


def test_an_lrc_equal_to_a_control_byte_is_still_the_lrc() -> None:
    """GIVEN frames whose LRC byte happens to equal STX, ETX, ACK, NAK or FS
    WHEN each is fed
    THEN each comes out as a Frame (the byte after ETX is always the LRC)."""
    wanted = {STX, ETX, ACK, NAK, FS}
    found: dict[int, bytes] = {}
    printable = range(0x20, 0x7F)
    for first in printable:
        for second in printable:
            data = b"EVNT\x1c" + bytes([first, second])
            check = lrc(b"0" + data + bytes([ETX]))
            if check in wanted:
                found.setdefault(check, data)
    assert set(found) == wanted
    for data in found.values():
        assert FrameParser().feed(encode_frame(0, data)) == [Frame(0, data)]
