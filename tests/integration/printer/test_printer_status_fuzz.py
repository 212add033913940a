"""Random and truncated status replies from a real TCP peer, through the kiosk's adapter
(hypothesis): status() never raises, stays within its time bound, and says exactly what
the pure decoder says about the bytes the adapter could have read."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings, strategies as st

from hardware.base import Health
from hardware.printer import EscposPrinter, PrinterProfile, open_printer
from hardware.printer.status import (
    ERROR_CAUSE,
    OFFLINE_CAUSE,
    REQUIRED_QUERIES,
    decode_status,
    needs_error_cause,
)

# The scripted printer answers from a thread of this process: with two suites on two
# cores its reply came later than 0.1 s (a reply read as silence, 1 failure in 2 runs
# at once). Silent cases cost one timeout each, so 0.5 s adds a few seconds at most.
STATUS_TIMEOUT_S = 0.5
FLAGS = ("online", "cover_open", "paper_near_end", "paper_out", "error")


class ScriptedPrinter:
    """A TCP peer that answers the k-th DLE EOT of each connection with ``script[k]``
    (zero, one or several bytes: silence, a reply, or a reply with junk after it)."""

    def __init__(self) -> None:
        self.script: list[bytes] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        self.url = f"tcp://127.0.0.1:{self._server.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                self._answer(conn, list(self.script))

    def _answer(self, conn: socket.socket, script: list[bytes]) -> None:
        conn.settimeout(0.05)
        buffer, asked = b"", 0
        while not self._stop.is_set():
            try:
                data = conn.recv(64)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            buffer += data
            while (start := buffer.find(b"\x10\x04")) >= 0 and len(buffer) >= start + 3:
                buffer = buffer[start + 3:]
                reply = script[asked] if asked < len(script) else b""
                asked += 1
                if reply:
                    conn.sendall(reply)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._server.close()


@pytest.fixture(scope="module")
def peer() -> Iterator[ScriptedPrinter]:
    printer = ScriptedPrinter()
    yield printer
    printer.close()


@pytest.fixture(scope="module")
def adapter(peer: ScriptedPrinter) -> Iterator[EscposPrinter]:
    printer = open_printer(peer.url, PrinterProfile(raster_font=None),
                           status_timeout_s=STATUS_TIMEOUT_S, connect_timeout_s=1.0)
    yield printer
    printer.close()


def expected_replies(script: list[bytes]) -> dict[int, int | None]:
    """What the adapter reads: one byte per query in order 1, 2, 4 (then 3 when 2 says
    error) from everything answered so far, stopping at the first query with no byte."""
    replies: dict[int, int | None] = {}
    received, used = b"", 0

    def ask(k: int) -> int | None:
        nonlocal received, used
        received += script[k] if k < len(script) else b""
        if used < len(received):
            used += 1
            return received[used - 1]
        return None

    for k, n in enumerate(REQUIRED_QUERIES):
        replies[n] = ask(k)
        if replies[n] is None:
            return replies
    if needs_error_cause(replies.get(OFFLINE_CAUSE)):
        replies[ERROR_CAUSE] = ask(len(REQUIRED_QUERIES))
    return replies


REPLY = st.sampled_from([b"\x12", b"\x1a", b"\x16", b"\x32", b"\x52", b"\x1e", b"\x72",
                         b"\x7e", b"\xff", b"\x00"]) | st.binary(max_size=2)


@settings(max_examples=25, deadline=None, database=None,  # the test bounds its own time
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(REPLY, max_size=4))
def test_adapter_status_matches_the_decoder_on_any_replies(
        peer: ScriptedPrinter, adapter: EscposPrinter, script: list[bytes]) -> None:
    """GIVEN a printer answering each DLE EOT with random, missing or extra bytes
    WHEN the adapter asks for status THEN it does not raise, it returns within the bound
    of four status timeouts, and health, reason and flags are the decoder's verdict on
    the bytes it could read (UNKNOWN whenever a reply is missing or malformed)."""
    peer.script = script
    started = time.monotonic()
    status = adapter.status()
    assert time.monotonic() - started < 4 * STATUS_TIMEOUT_S + 0.5
    expected = decode_status(expected_replies(script))
    assert (status.health, status.reason) == (expected.health, expected.reason)
    assert [getattr(status, f) for f in FLAGS] == [getattr(expected, f) for f in FLAGS]
    if status.health is not Health.OK:
        assert status.last_error is not None and status.last_error_at is not None
