"""The document reader adapter against the simulator over a real pty: every specimen,
timeouts, noise, truncation, the alphabet, debounce, concurrent status, and privacy."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest

from hardware.base import DocumentFormat, DocumentRead, DocumentReader, Health, ReadRejected
from hardware.reader import SerialDocumentReader, open_reader
from hardware.reader.framing import encode_frame
from hardware.sim.reader import SPECIMENS, ReaderSimulator
from hardware.sim.reader.specimens import PR2023_FIELDS, TD1_SPECIMEN, TD3_SPECIMEN, TD3_VALID

Connect = Callable[..., SerialDocumentReader]  # the `connect` fixture (conftest.py)

pytestmark = pytest.mark.timeout(15)


def _read(reader: SerialDocumentReader, timeout_s: float = 2.0) -> DocumentRead | ReadRejected:
    result = reader.read(timeout_s)
    assert result is not None, f"nothing read within {timeout_s} s"
    return result


def test_the_adapter_is_a_document_reader_and_opens_nothing_when_built() -> None:
    """GIVEN a URL where no port exists
    WHEN the adapter is built
    THEN nothing is opened or raised, and it satisfies the DocumentReader protocol."""
    adapter = open_reader("/nonexistent/reader", baudrate=9600)
    assert isinstance(adapter, DocumentReader)
    adapter.close()


@pytest.mark.parametrize(("name", "document_format", "lines"), [
    ("td3-specimen", DocumentFormat.TD3, TD3_SPECIMEN),
    ("td3-valid", DocumentFormat.TD3, TD3_VALID),
    ("td1-specimen", DocumentFormat.TD1, TD1_SPECIMEN),
])
def test_each_mrz_specimen_arrives_as_its_document(
        simulator: ReaderSimulator, reader: SerialDocumentReader, name: str,
        document_format: DocumentFormat, lines: tuple[str, ...]) -> None:
    """GIVEN the simulator and the adapter on its pty
    WHEN a specimen is presented
    THEN read() returns a DocumentRead of the right format, its MRZ lines joined by a
    newline, no chip data, and a read time."""
    simulator.present(name)
    result = _read(reader)
    assert isinstance(result, DocumentRead)
    assert (result.format, result.mrz, result.chip) == (document_format, "\n".join(lines), None)
    assert result.read_at is not None


def test_the_pr2023_chip_record_arrives_as_its_fields(
        simulator: ReaderSimulator, reader: SerialDocumentReader) -> None:
    """GIVEN the simulator and the adapter
    WHEN the PR2023 card is presented
    THEN read() returns a PR2023 DocumentRead with every chip field, Chinese name included."""
    simulator.present("pr2023")
    result = _read(reader)
    assert isinstance(result, DocumentRead)
    assert (result.format, result.mrz, result.chip) == (DocumentFormat.PR2023, None,
                                                         PR2023_FIELDS)


def test_nothing_presented_returns_none_promptly(reader: SerialDocumentReader) -> None:
    """GIVEN a connected reader with nothing on it
    WHEN read(0.3) is called
    THEN it returns None after about 0.3 s (not before, not much after)."""
    started = time.monotonic()
    assert reader.read(0.3) is None
    assert 0.29 <= time.monotonic() - started < 0.6


def test_noise_before_a_document_is_skipped(
        simulator: ReaderSimulator, reader: SerialDocumentReader) -> None:
    """GIVEN a line that carries random bytes before every frame
    WHEN a document is presented
    THEN it is read intact, and status still answers OK."""
    simulator.set_fault("garbage")
    simulator.present("td1-specimen")
    result = _read(reader)
    assert isinstance(result, DocumentRead) and result.mrz == "\n".join(TD1_SPECIMEN)
    assert reader.status().health is Health.OK


def test_noise_within_a_document_rejects_it(
        simulator: ReaderSimulator, reader: SerialDocumentReader) -> None:
    """GIVEN a line that garbles bytes inside documents
    WHEN a passport and a chip card are presented
    THEN both are rejected as noise (the user is asked to place them again)."""
    simulator.set_fault("garbage", "within")
    simulator.present("td3-valid")
    assert _read(reader) == ReadRejected("noise", "line 1: bytes that are not printable ASCII")
    simulator.present("pr2023")
    result = _read(reader)
    assert isinstance(result, ReadRejected) and result.reason == "noise"


@pytest.mark.parametrize("name", ["td3-specimen", "td1-specimen", "pr2023"])
def test_truncated_documents_are_rejected_as_truncated(
        simulator: ReaderSimulator, reader: SerialDocumentReader, name: str) -> None:
    """GIVEN a reader that cuts documents short
    WHEN a document is presented
    THEN read() returns ReadRejected(truncated), never a DocumentRead."""
    simulator.set_fault("truncated")
    simulator.present(name)
    result = _read(reader)
    assert isinstance(result, ReadRejected) and result.reason == "truncated"


def test_a_frame_cut_off_mid_way_is_truncated_after_the_gap(
        simulator: ReaderSimulator, reader: SerialDocumentReader) -> None:
    """GIVEN a reader whose frame stops half-way (no ETX, then silence)
    WHEN read() waits
    THEN it returns ReadRejected(truncated) once the frame gap (0.5 s) has passed, and a
    whole document presented after that is read normally."""
    started = time.monotonic()
    simulator.send_raw(encode_frame(TD3_SPECIMEN)[:60])
    result = _read(reader)
    assert isinstance(result, ReadRejected) and result.reason == "truncated"
    assert 0.45 <= time.monotonic() - started < 1.5
    simulator.present("td3-specimen")
    assert isinstance(_read(reader), DocumentRead)


def test_characters_outside_the_mrz_alphabet_are_rejected(
        simulator: ReaderSimulator, reader: SerialDocumentReader) -> None:
    """GIVEN raw lines of the right length with lower-case letters
    WHEN they are presented
    THEN read() returns ReadRejected(bad_characters) naming the line, not its content."""
    simulator.present([TD3_SPECIMEN[0], TD3_SPECIMEN[1].lower()])
    result = _read(reader)
    assert result == ReadRejected("bad_characters", "line 2: 9 characters outside A-Z 0-9 <")


def test_a_double_presentation_is_delivered_once(
        simulator: ReaderSimulator, reader: SerialDocumentReader) -> None:
    """GIVEN a reader that sends every document twice, quickly (fault double)
    WHEN a passport is presented and read() is called twice
    THEN the first returns the passport and the second None."""
    simulator.set_fault("double")
    simulator.present("td3-valid")
    assert isinstance(_read(reader), DocumentRead)
    assert reader.read(simulator.double_gap_s + 0.4) is None


def test_with_a_short_window_the_double_comes_twice(
        simulator: ReaderSimulator, connect: Connect) -> None:
    """GIVEN an adapter whose debounce window is shorter than the gap between the two
    copies of a double presentation
    WHEN a passport is presented twice that way
    THEN both copies are delivered: the window, not luck, swallowed the repeat above."""
    assert simulator.url is not None
    reader = connect(simulator.url, debounce_s=simulator.double_gap_s / 3)
    assert reader.status().ok
    simulator.set_fault("double")
    simulator.present("td3-valid")
    assert isinstance(_read(reader), DocumentRead)
    assert isinstance(_read(reader), DocumentRead)


def test_another_document_right_after_is_delivered(
        simulator: ReaderSimulator, reader: SerialDocumentReader) -> None:
    """GIVEN a passport just read
    WHEN a different passport follows at once
    THEN it is delivered: debounce only swallows the same document."""
    simulator.present("td3-specimen")
    simulator.present("td3-valid")
    first, second = _read(reader), _read(reader)
    assert isinstance(first, DocumentRead) and isinstance(second, DocumentRead)
    assert first.mrz != second.mrz


def test_status_answers_while_another_thread_waits_in_read(
        simulator: ReaderSimulator, reader: SerialDocumentReader) -> None:
    """GIVEN a thread blocked in read(3)
    WHEN status() is asked from this thread and a document is presented afterwards
    THEN status is OK within the status timeout, and the reading thread gets the
    document."""
    results: list[object] = []
    worker = threading.Thread(target=lambda: results.append(reader.read(3.0)))
    worker.start()
    try:
        time.sleep(0.1)
        status = reader.status()
        assert status.health is Health.OK and status.query_ms is not None
        assert status.query_ms < 300
        simulator.present("td1-specimen")
    finally:
        worker.join(timeout=5)
    assert len(results) == 1 and isinstance(results[0], DocumentRead)
    assert results[0].format is DocumentFormat.TD1


def test_discard_pending_drops_what_nobody_read(
        simulator: ReaderSimulator, reader: SerialDocumentReader) -> None:
    """GIVEN a passport that arrived while nobody was reading
    WHEN discard_pending() is called (a new session starts) and read() follows
    THEN read() returns None: the previous customer's document is gone."""
    simulator.present("td3-valid")
    time.sleep(0.2)
    assert reader.status().ok  # pumps the line: the passport is now queued
    reader.discard_pending()
    assert reader.read(0.2) is None


def test_no_document_text_in_logs_or_in_the_adapter_after_delivery(
        simulator: ReaderSimulator, reader: SerialDocumentReader,
        caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN debug logging on
    WHEN every specimen is read, a truncated one rejected and a repeat swallowed
    THEN no log line holds a document number or name, and the adapter's own state
    (queue, parser, debouncer) holds no document text afterwards."""
    caplog.set_level(logging.DEBUG)
    for name in SPECIMENS:
        simulator.present(name)
        assert isinstance(_read(reader), DocumentRead)
    simulator.set_fault("double")
    simulator.present("td3-specimen")
    simulator.present("td3-specimen")
    assert isinstance(_read(reader), DocumentRead)
    assert reader.read(0.5) is None  # the three copies after the first are swallowed
    simulator.set_fault("truncated")
    simulator.present("td3-valid")
    assert isinstance(_read(reader), ReadRejected)

    secrets = ("L898902C3", "ERIKSSON", "MUSTERMANN", "C01X00T47", "93127619640812124X",
               "艾丽卡")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "TD3 read" in logged  # the adapter did log; just not the content
    assert not [s for s in secrets if s in logged]
    assert not [s for s in secrets if s in _state_text(reader)]


def _state_text(obj: object, depth: int = 0, seen: set[int] | None = None) -> str:
    """Every str/bytes reachable through the adapter's attributes and containers."""
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 6:
        return ""
    seen.add(id(obj))
    if isinstance(obj, str):
        return obj
    if isinstance(obj, (bytes, bytearray)):
        return bytes(obj).decode("utf-8", "replace")
    children: list[object] = []
    if isinstance(obj, dict):
        children = [*obj.keys(), *obj.values()]
    elif isinstance(obj, (list, tuple, set, frozenset)) or type(obj).__name__ == "deque":
        children = list(obj)  # type: ignore[call-overload]
    elif hasattr(obj, "__dict__") and type(obj).__module__.startswith("hardware."):
        children = list(vars(obj).values())
    return "\n".join(_state_text(child, depth + 1, seen) for child in children)
