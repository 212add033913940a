"""The document reader's frame parser: frames from chunks of any size, noise skipped,
broken frames reported, and (property-based) no input makes it raise or hang."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings, strategies as st

from hardware.base import DocumentRead
from hardware.reader.framing import (
    ETX,
    STX,
    BrokenFrame,
    FrameEvent,
    FrameParser,
    RawFrame,
    encode_frame,
    split_lines,
)
from hardware.reader.records import decode_frame
from hardware.sim.reader.specimens import TD1_SPECIMEN, TD3_SPECIMEN

FRAME = encode_frame(TD3_SPECIMEN)


def test_a_frame_is_stx_lines_each_ending_in_cr_then_etx() -> None:
    """GIVEN two lines
    WHEN they are encoded
    THEN the bytes are STX, each line followed by CR, and ETX."""
    assert encode_frame(["AB", "C"]) == b"\x02AB\rC\r\x03"


@pytest.mark.parametrize("line", ["A\rB", "A\nB", "A\x02", "A\x03"])
def test_lines_that_would_break_the_framing_are_refused(line: str) -> None:
    """GIVEN a line holding CR, LF, STX or ETX
    WHEN it is encoded
    THEN ValueError: such a line would split or end the frame."""
    with pytest.raises(ValueError):
        encode_frame([line])


def test_cr_lf_and_crlf_all_end_a_line_and_empty_lines_are_dropped() -> None:
    """GIVEN a body mixing CR, LF, CRLF, a blank line and an unterminated last line
    WHEN it is split
    THEN the non-empty lines come out in order."""
    assert split_lines(b"A\r\nB\nC\r\rD") == [b"A", b"B", b"C", b"D"]


def test_noise_before_a_frame_is_skipped_and_counted() -> None:
    """GIVEN noise bytes (not STX) before a frame
    WHEN they are fed
    THEN the one event is the frame, and the noise bytes are counted as skipped."""
    parser = FrameParser()
    events = parser.feed(b"\x00\xff\rP<\x05" + FRAME, now=0.0)
    assert events == [RawFrame(FRAME[1:-1])]
    assert parser.skipped == 6


def test_a_frame_split_into_single_bytes_is_the_same_frame() -> None:
    """GIVEN a frame fed one byte at a time
    WHEN the last byte (ETX) arrives
    THEN exactly one frame is reported, equal to the whole body."""
    parser = FrameParser()
    events = [event for byte in FRAME for event in parser.feed(bytes([byte]), now=0.0)]
    assert events == [RawFrame(FRAME[1:-1])]


def test_a_new_stx_inside_a_frame_reports_the_first_as_truncated() -> None:
    """GIVEN a frame cut off by the STX of the next one
    WHEN both are fed
    THEN a truncated BrokenFrame comes first, then the complete frame."""
    events = FrameParser().feed(FRAME[:20] + FRAME, now=0.0)
    assert isinstance(events[0], BrokenFrame) and events[0].reason == "truncated"
    assert events[1:] == [RawFrame(FRAME[1:-1])]


def test_a_frame_that_stops_before_its_etx_expires_as_truncated() -> None:
    """GIVEN half a frame, then silence
    WHEN the gap limit has not yet passed, and then has
    THEN nothing is reported before, and a truncated BrokenFrame after."""
    parser = FrameParser(gap_s=0.5)
    assert parser.feed(FRAME[:30], now=10.0) == []
    assert parser.expire(10.4) == []
    expired = parser.expire(10.5)
    assert len(expired) == 1 and isinstance(expired[0], BrokenFrame)
    assert expired[0].reason == "truncated"
    assert not parser.in_frame


def test_an_oversized_frame_is_noise_and_the_next_frame_still_arrives() -> None:
    """GIVEN a frame longer than the size limit, then a good frame
    WHEN both are fed
    THEN a noise BrokenFrame comes first, then the good frame."""
    parser = FrameParser(max_frame_bytes=100)
    events = parser.feed(bytes([STX]) + b"A" * 150 + bytes([ETX]) + FRAME, now=0.0)
    assert isinstance(events[0], BrokenFrame) and events[0].reason == "noise"
    assert events[1:] == [RawFrame(FRAME[1:-1])]


def test_a_raw_frame_never_shows_its_content_in_repr() -> None:
    """GIVEN a frame holding an MRZ
    WHEN it is turned into a string (as a log line or traceback would)
    THEN only its size shows."""
    text = repr(RawFrame(FRAME[1:-1]))
    assert "L898902C3" not in text and "bytes" in text


# --- properties ------------------------------------------------------------------------


def _chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(data) + 1) for cut in cuts} | {0, len(data)})
    return [data[a:b] for a, b in pairwise(points)]


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 3000), max_size=20))
def test_any_bytes_in_any_chunks_never_raise(data: bytes, cuts: list[int]) -> None:
    """GIVEN arbitrary bytes cut into arbitrary chunks
    WHEN they are fed to the parser and every frame is decoded
    THEN nothing raises, and every result is a document, a rejection, a status, an
    ignored record or None."""
    parser = FrameParser()
    events: list[FrameEvent] = []
    for chunk in _chunked(data, cuts):
        events += parser.feed(chunk, now=0.0)
    events += parser.expire(now=1.0)
    assert not parser.in_frame
    for event in events:
        if isinstance(event, RawFrame):
            decode_frame(event.body)
        else:
            assert event.reason in ("truncated", "noise")


_NOT_STX = st.binary(max_size=200).map(lambda b: b.replace(bytes([STX]), b""))


@settings(max_examples=200, deadline=None)
@given(noise=_NOT_STX, cuts=st.lists(st.integers(0, 400), max_size=12),
       lines=st.sampled_from([TD3_SPECIMEN, TD1_SPECIMEN]))
def test_a_document_after_any_noise_without_stx_is_read(
        noise: bytes, cuts: list[int], lines: tuple[str, ...]) -> None:
    """GIVEN any noise without STX, then a valid document frame, in arbitrary chunks
    WHEN the bytes are fed and the frames decoded
    THEN exactly one event comes out: the document, unchanged."""
    parser = FrameParser()
    events: list[FrameEvent] = []
    for chunk in _chunked(noise + encode_frame(lines), cuts):
        events += parser.feed(chunk, now=0.0)
    assert len(events) == 1 and isinstance(events[0], RawFrame)
    decoded = decode_frame(events[0].body)
    assert isinstance(decoded, DocumentRead) and decoded.mrz == "\n".join(lines)


@settings(max_examples=200, deadline=None)
@given(cut=st.integers(1, 89), lines=st.sampled_from([TD3_SPECIMEN, TD1_SPECIMEN]))
def test_a_document_cut_anywhere_is_never_delivered_as_read(
        cut: int, lines: tuple[str, ...]) -> None:
    """GIVEN a document frame cut at any point before its ETX, then the gap limit passes
    WHEN the parser expires it
    THEN it is reported as truncated, never as a document."""
    frame = encode_frame(lines)
    parser = FrameParser(gap_s=0.5)
    events = parser.feed(frame[:min(cut, len(frame) - 1)], now=0.0) + parser.expire(1.0)
    assert [type(event) for event in events] == [BrokenFrame]
    assert isinstance(events[0], BrokenFrame) and events[0].reason == "truncated"
