"""Property-based tests (hypothesis): random and truncated bytes fed to the DLE EOT status
decoder and to the simulator's ESC/POS interpreter, in arbitrary chunkings. Nothing
raises, everything finishes within a deadline, and the state stays consistent."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest

hypothesis = pytest.importorskip("hypothesis")

from hypothesis import given, settings, strategies as st  # noqa: E402

from hardware.base import (  # noqa: E402
    REASON_COVER_OPEN,
    REASON_ERROR,
    REASON_NO_REPLY,
    REASON_OFFLINE,
    REASON_PAPER_NEAR_END,
    REASON_PAPER_OUT,
    REASON_PROTOCOL,
    Health,
    PrinterStatus,
)
from hardware.document import Align, Document, Feed, QRCode, Row, Rule, Text  # noqa: E402
from hardware.printer.profile import PrinterProfile, find_noto_cjk_font  # noqa: E402
from hardware.printer.render import render_document  # noqa: E402
from hardware.printer.status import (  # noqa: E402
    ERROR_CAUSE,
    OFFLINE_CAUSE,
    REQUIRED_QUERIES,
    decode_status,
    is_valid_reply,
    needs_error_cause,
)
from hardware.sim.printer.faults import FaultState  # noqa: E402
from hardware.sim.printer.interpreter import EscposInterpreter, JobRecord  # noqa: E402
from hardware.sim.printer.paper import ImageItem, Item, item_text  # noqa: E402

BOUNDED = settings(max_examples=150, deadline=timedelta(seconds=2), database=None)
FLAGS = ("online", "cover_open", "paper_near_end", "paper_out", "error")
FAULT_REASONS = {REASON_COVER_OPEN, REASON_PAPER_OUT, REASON_ERROR, REASON_OFFLINE}


# --- status decoder ------------------------------------------------------------------


def replies_from_stream(stream: bytes) -> dict[int, int | None]:
    """What the adapter collects from a reply stream: one byte per DLE EOT 1, 2, 4 (and
    3 when 2 reports an error), stopping at the first query the stream cannot answer."""
    replies: dict[int, int | None] = {}
    remaining = iter(stream)
    for n in REQUIRED_QUERIES:
        replies[n] = next(remaining, None)
        if replies[n] is None:
            break
    if needs_error_cause(replies.get(OFFLINE_CAUSE)):
        replies[ERROR_CAUSE] = next(remaining, None)
    return replies


def assert_consistent(status: PrinterStatus, replies: dict[int, int | None]) -> None:
    flags = [getattr(status, name) for name in FLAGS]
    answered = all(replies.get(n) is not None for n in REQUIRED_QUERIES)
    valid = answered and all(b is None or is_valid_reply(b) for b in replies.values())
    if status.health is Health.UNKNOWN:
        assert status.reason in (REASON_NO_REPLY, REASON_PROTOCOL)
        assert flags == [None] * len(FLAGS)
        assert not (valid and (ERROR_CAUSE not in replies or replies[ERROR_CAUSE] is not None))
        return
    assert valid, "never OK or FAULT without valid replies to DLE EOT 1, 2 and 4"
    assert all(isinstance(flag, bool) for flag in flags)
    if status.health is Health.OK:
        assert status.reason in (None, REASON_PAPER_NEAR_END)
        assert (status.online, status.cover_open, status.paper_out, status.error) == (
            True, False, False, False)
        assert status.paper_near_end is (status.reason == REASON_PAPER_NEAR_END)
    else:
        assert status.health is Health.FAULT and status.reason in FAULT_REASONS
        assert getattr(status, {REASON_OFFLINE: "online"}.get(status.reason, status.reason)
                       ) is (status.reason != REASON_OFFLINE)


@BOUNDED
@given(st.binary(max_size=6))
def test_any_reply_stream_decodes_consistently(stream: bytes) -> None:
    """GIVEN any reply bytes, valid or not, complete or truncated WHEN decoded as the
    adapter collects them THEN no exception, and health, reason and flags agree: OK only
    from valid replies with no fault bit, UNKNOWN with no flags at all."""
    replies = replies_from_stream(stream)
    assert_consistent(decode_status(replies), replies)


@BOUNDED
@given(st.dictionaries(st.integers(0, 8), st.none() | st.integers(0, 255), max_size=6))
def test_any_reply_mapping_decodes_consistently(replies: dict[int, int | None]) -> None:
    """GIVEN any mapping of queries to reply bytes (missing, extra or unanswered ones)
    WHEN decoded THEN no exception and a consistent three-valued status."""
    assert_consistent(decode_status(replies), replies)


# --- ESC/POS interpreter -------------------------------------------------------------


class Run:
    """One interpreter and everything it produced."""

    def __init__(self) -> None:
        self.jobs: list[JobRecord] = []
        self.interpreter = EscposInterpreter(FaultState(), self.jobs.append, 48)
        self.replies = bytearray()

    def feed(self, data: bytes, cuts: list[int]) -> Run:
        """Feed ``data`` split at the ``cuts`` positions."""
        points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
        for start, end in pairwise(points):
            self.replies += self.interpreter.feed(data[start:end])
        return self

    def items(self) -> list[list[str | bytes]]:
        return [[describe(item) for item in job.items] for job in self.jobs]


def describe(item: Item) -> str | bytes:
    return item.image.tobytes() if isinstance(item, ImageItem) else item_text(item, 48)


def same_outcome(one: Run, other: Run) -> None:
    assert bytes(one.replies) == bytes(other.replies)
    assert one.items() == other.items()
    assert [job.complete for job in one.jobs] == [job.complete for job in other.jobs]
    assert [bytes(job.raw) for job in one.jobs] == [bytes(job.raw) for job in other.jobs]
    assert one.interpreter.unknown == other.interpreter.unknown
    assert one.interpreter.job_bytes == other.interpreter.job_bytes


# Pieces of ESC/POS, some well-formed and some not, so random streams reach deep paths.
ESCPOS_PIECES = st.sampled_from([
    b"\x1b@", b"\x1ba\x01", b"\x1ba2", b"\x1bE\x01", b"\x1b!\x30", b"\x1d!\x11", b"\x1b-\x01",
    b"\x1bt\x10", b"\x1bt\x11", b"\x1bt\x63", b"\x1c&", b"\x1c.", "缴费".encode("gb18030"),
    b"\x81\x30\x81\x30", b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x03", b"\x10\x04\x04",
    b"\x10\x04\x09", b"\x10\x05\x01", b"\x10\x14\x01\x00\x01", b"\x1bd\x02", b"\x1bJ\x10",
    b"\x1d(k\x03\x001C\x05", b"\x1d(k\x07\x001P0abcd", b"\x1d(k\x03\x001Q0",
    b"\x1dv0\x00\x01\x00\x02\x00\xf0\x0f", b"\x1dv0\x03\x01\x00\x01\x00\xaa",
    b"\x1dV\x00", b"\x1dVA\x40", b"\x1bD\x08\x10\x00", b"\x1b*\x00\x02\x00\xff\x00",
    b"\x1dk\x04123\x00", b"\x1dkE\x03ABC", b"\x1d8L\x01\x00\x00\x00\x00", b"\x1c2\x01",
    b"\n", b"\t", b"\r", b"Hello ", b"\x82\xe9", b"\xff",
]) | st.binary(min_size=1, max_size=6)

CHUNKINGS = st.lists(st.integers(min_value=0, max_value=10_000), max_size=40)


@BOUNDED
@given(st.binary(max_size=3000), CHUNKINGS)
def test_random_bytes_in_any_chunking_give_the_same_paper(data: bytes,
                                                          cuts: list[int]) -> None:
    """GIVEN random bytes WHEN fed whole and fed in an arbitrary chunking THEN nothing
    raises and both runs have the same replies, jobs, unknown bytes and pending state."""
    same_outcome(Run().feed(data, []), Run().feed(data, cuts))


@BOUNDED
@given(st.lists(ESCPOS_PIECES, max_size=60), CHUNKINGS)
def test_escpos_like_streams_in_any_chunking_give_the_same_paper(
        pieces: list[bytes], cuts: list[int]) -> None:
    """GIVEN streams of ESC/POS commands, text, status queries and junk WHEN fed whole and
    byte-chunked arbitrarily THEN the same outcome; jobs hold no more bytes than were fed,
    and end_of_stream leaves the interpreter empty."""
    data = b"".join(pieces)
    whole, chunked = Run().feed(data, []), Run().feed(data, cuts)
    same_outcome(whole, chunked)
    consumed = sum(len(job.raw) for job in whole.jobs) + whole.interpreter.job_bytes
    assert consumed <= len(data)  # real-time queries are not part of any job
    chunked.interpreter.end_of_stream()
    assert chunked.interpreter.job_bytes == 0
    assert chunked.interpreter.feed(b"") == b""


@pytest.fixture(scope="module")
def receipt_bytes() -> bytes:
    font = find_noto_cjk_font()
    assert font is not None, "noto-cjk-sans-otc must be installed"
    document = Document(blocks=(
        Text("缴费凭证", align=Align.CENTER, bold=True, size=2),
        Text("납부 영수증 — Reçu", align=Align.CENTER),
        Rule(),
        Row("金额 Montant", "128,50 CNY", bold=True),
        Row("参考号 참조 번호", "BP-20240601-0008"),
        QRCode("https://kiosk.example.cn/r/BP-20240601-0008"),
        Feed(2),
    ), language="ko")
    return render_document(document, PrinterProfile(raster_font=font))


@BOUNDED
@given(st.floats(min_value=0, max_value=1), CHUNKINGS)
def test_a_truncated_receipt_prints_a_prefix_of_itself(receipt_bytes: bytes, keep: float,
                                                       cuts: list[int]) -> None:
    """GIVEN a real zh-Hans + Korean receipt cut off anywhere WHEN fed in any chunking and
    the link then ends THEN nothing raises, at most one slip comes out, and what it holds
    is the beginning of the whole slip (incomplete unless the cut arrived)."""
    whole = Run().feed(receipt_bytes, [])
    [full_job] = whole.items()
    truncated = receipt_bytes[:int(len(receipt_bytes) * keep)]
    run = Run().feed(truncated, cuts)
    run.interpreter.end_of_stream()
    assert len(run.jobs) <= 1
    if run.jobs:
        [items] = run.items()
        assert items == full_job[:len(items)]
        assert run.jobs[0].complete is (truncated == receipt_bytes)
