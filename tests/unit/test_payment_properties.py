"""Property-based tests of the payment protocol's parser, decoder and link (hypothesis).

Random, truncated and arbitrarily chunked bytes must never raise anything but the
documented MessageError, never hang, and never stop a later good frame from coming
through; every valid message must survive encoding, framing and parsing unchanged.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from hardware.payment.framing import (
    ACK,
    ENQ,
    ETX,
    MAX_DATA_LENGTH,
    NAK,
    STX,
    BadFrame,
    Control,
    Frame,
    FrameParser,
    ParserEvent,
    encode_frame,
    is_data_byte,
)
from hardware.payment.link import Link
from hardware.payment.messages import (
    CURRENCY_CNY,
    CancelRequest,
    EventNotice,
    Message,
    MessageError,
    ReversalRequest,
    ReversalResponse,
    SaleRequest,
    SaleResponse,
    StatusRequest,
    StatusResponse,
    TransactionState,
    TypedMessage,
    parse,
)

pytestmark = pytest.mark.timeout(120)

# No example database in the working tree; a generous deadline is the "never hangs" check
# (a parser that looped would blow it) without flaking on a slow machine.
PROPERTY = settings(database=None, deadline=2000, max_examples=300,
                    suppress_health_check=[HealthCheck.too_slow])

# --- strategies ---------------------------------------------------------------------------

references = st.from_regex(r"[A-Za-z0-9._-]{1,32}", fullmatch=True)
printable = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
codes = st.from_regex(r"[0-9A-Z]{2}", fullmatch=True)
auth_codes = st.from_regex(r"[0-9A-Z]{6}", fullmatch=True)
rrns = st.one_of(st.just(""), st.from_regex(r"[0-9A-Z]{12}", fullmatch=True))
masked_pans = st.one_of(st.just(""), st.from_regex(r"[0-9]{6}\*{3,9}[0-9]{4}", fullmatch=True))
brands = st.one_of(st.just(""), st.text(printable, min_size=1, max_size=20))
terminal_ids = st.one_of(st.just(""), st.text(printable, min_size=8, max_size=8))
merchant_ids = st.one_of(st.just(""), st.text(printable, min_size=15, max_size=15))


@st.composite
def sale_responses(draw: st.DrawFn, approved: bool | None = None) -> SaleResponse:
    is_approved = draw(st.booleans()) if approved is None else approved
    code = "00" if is_approved else draw(codes.filter(lambda c: c != "00"))
    auth = draw(auth_codes) if is_approved else draw(st.one_of(st.just(""), auth_codes))
    return SaleResponse(draw(references), code, auth, draw(rrns), draw(masked_pans),
                        draw(brands), draw(terminal_ids), draw(merchant_ids))


@st.composite
def status_responses(draw: st.DrawFn) -> StatusResponse:
    state = draw(st.sampled_from(TransactionState))
    if state in (TransactionState.IN_PROGRESS, TransactionState.UNKNOWN):
        return StatusResponse(draw(references), state)
    sale = draw(sale_responses(approved=state is not TransactionState.DECLINED))
    return StatusResponse.of_sale(state, sale)


typed_messages: st.SearchStrategy[TypedMessage] = st.one_of(
    st.builds(SaleRequest, references, st.integers(1, 10**12 - 1), st.just(CURRENCY_CNY)),
    st.builds(ReversalRequest, references),
    st.builds(StatusRequest, references),
    st.builds(CancelRequest, references),
    st.builds(EventNotice, st.text(printable, max_size=64)),
    sale_responses(),
    st.builds(ReversalResponse, references, codes),
    status_responses(),
)
seqs = st.integers(0, 9)
# What a line may carry between frames without ending or answering one (as the simulator's
# garbage fault): no ETX, ACK, NAK or ENQ. A stray STX is allowed: receivers resync.
noise = st.lists(st.one_of(st.just(STX), st.integers(0, 255).filter(
    lambda b: b not in (ETX, ACK, NAK, ENQ))), max_size=200).map(bytes)


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in pairwise(points)]


def _feed(parser: FrameParser, chunks: list[bytes]) -> list[ParserEvent]:
    return [event for chunk in chunks for event in parser.feed(chunk)]


cut_lists = st.lists(st.integers(0, 10_000), max_size=20)

# --- frame parser -------------------------------------------------------------------------


@PROPERTY
@given(data=st.binary(max_size=2000), cuts=cut_lists)
def test_random_bytes_in_any_chunks_give_the_same_well_formed_events(
        data: bytes, cuts: list[int]) -> None:
    """GIVEN any bytes at all
    WHEN they are fed to the parser whole, and again split into arbitrary chunks
    THEN nothing raises, both give the same events, and every Frame has a SEQ 0-9 and
    DATA of at most 512 allowed bytes."""
    whole = FrameParser().feed(data)
    assert _feed(FrameParser(), _chunks(data, cuts)) == whole
    for event in whole:
        assert isinstance(event, Frame | BadFrame | Control)
        if isinstance(event, Frame):
            assert 0 <= event.seq <= 9
            assert len(event.data) <= MAX_DATA_LENGTH
            assert all(is_data_byte(b) for b in event.data)


@PROPERTY
@given(message=typed_messages, seq=seqs, before=noise, cuts=cut_lists)
def test_any_valid_message_survives_noise_framing_and_chunking(
        message: TypedMessage, seq: int, before: bytes, cuts: list[int]) -> None:
    """GIVEN any valid message, framed with any SEQ, after line noise
    WHEN the bytes arrive in arbitrary chunks and the frame's DATA is decoded and parsed
    THEN exactly that frame comes out and parses back to the same message."""
    data = message.to_message().encode()
    events = _feed(FrameParser(), _chunks(before + encode_frame(seq, data), cuts))
    assert events == [Frame(seq, data)]
    assert parse(Message.decode(data)) == message


@PROPERTY
@given(message=typed_messages, cut=st.integers(0, 10_000), seq=seqs)
def test_a_frame_cut_short_before_its_etx_does_not_hide_the_next_one(
        message: TypedMessage, cut: int, seq: int) -> None:
    """GIVEN a frame cut short anywhere before its ETX (its sender lost the line)
    WHEN the whole frame follows, as the retransmission
    THEN only the whole frame comes out."""
    frame = encode_frame(seq, message.to_message().encode())
    truncated = frame[:cut % (len(frame) - 1)]  # up to, not including, ETX
    assert FrameParser().feed(truncated + frame) == [Frame(seq, frame[2:-2])]


@PROPERTY
@given(message=typed_messages, cut=st.integers(0, 10_000), junk=st.binary(max_size=64))
def test_after_any_truncation_and_junk_the_second_retransmission_gets_through(
        message: TypedMessage, cut: int, junk: bytes) -> None:
    """GIVEN a frame cut anywhere (even between ETX and LRC, where the next byte is taken
    for the LRC) and then any junk
    WHEN two whole frames follow
    THEN the last event is always the second whole frame: the parser resynchronises."""
    frame = encode_frame(3, message.to_message().encode())
    truncated = frame[:cut % len(frame)]
    junk = bytes(b for b in junk if b != ETX)  # an ETX in junk would swallow one more byte
    events = FrameParser().feed(truncated + junk + frame + frame)
    assert events[-1] == Frame(3, frame[2:-2])


# --- message decoder ----------------------------------------------------------------------


@PROPERTY
@given(data=st.binary(max_size=600))
def test_decoding_any_data_gives_a_message_or_message_error(data: bytes) -> None:
    """GIVEN any DATA bytes (even ones no frame would carry)
    WHEN they are decoded and parsed
    THEN the result is a message, or MessageError is raised; nothing else escapes."""
    with contextlib.suppress(MessageError):
        parse(Message.decode(data))


@PROPERTY
@given(kind=st.sampled_from(["SALE", "RVSL", "STAT", "CANC", "EVNT", "SALR", "REVR", "STAR",
                             "ZZZZ"]),
       fields=st.lists(st.one_of(st.text(max_size=40), codes, references, st.just("00"),
                                 st.sampled_from([s.value for s in TransactionState])),
                       max_size=11))
def test_parsing_any_fields_of_any_type_gives_a_message_or_message_error(
        kind: str, fields: list[str]) -> None:
    """GIVEN a known message type with any number of arbitrary (even non-ASCII) fields
    WHEN it is parsed
    THEN a typed message (or the plain one for an unknown type) comes back, or
    MessageError is raised; a typed one encodes again without error."""
    try:
        typed = parse(Message(kind, tuple(fields)))
    except MessageError:
        return
    if not isinstance(typed, Message):
        assert parse(typed.to_message()) == typed


# --- link layer ---------------------------------------------------------------------------


class ChunkPort:
    """In-memory BytePort that delivers a script of chunks, then silence."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = deque(chunks)
        self.written: list[bytes] = []

    def read(self, timeout_s: float) -> bytes:
        return self.chunks.popleft() if self.chunks else b""

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        pass


@PROPERTY
@given(data=st.binary(max_size=1500), cuts=cut_lists)
def test_the_link_answers_every_frame_once_and_never_raises_on_random_bytes(
        data: bytes, cuts: list[int]) -> None:
    """GIVEN any bytes, in any chunks, from the peer
    WHEN the link receives until the line is quiet
    THEN it neither raises nor hangs, writes only single ACK/NAK bytes, exactly one per
    frame, bad frame and ENQ, and delivers only well-formed messages."""
    chunks = _chunks(data, cuts)
    link = Link(ChunkPort(chunks), ack_timeout_s=0.01)
    port = link.port
    assert isinstance(port, ChunkPort)
    started = time.monotonic()
    delivered = []
    while port.chunks:
        link.pump(0.0)
        while (message := link.receive(0.0)) is not None:
            delivered.append(message)
    assert time.monotonic() - started < 2.0
    events = FrameParser().feed(data)
    answered = [e for e in events if isinstance(e, Frame | BadFrame) or e is Control.ENQ]
    assert all(w in (bytes([ACK]), bytes([NAK])) for w in port.written)
    assert len(port.written) == len(answered)
    assert all(isinstance(m, Message) for m in delivered)
    assert len(delivered) <= sum(isinstance(e, Frame) for e in events)
