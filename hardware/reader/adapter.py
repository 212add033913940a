"""The kiosk's document reader adapter: hardware.base.DocumentReader over the serial line
of docs/hardware/document-reader.md.

No I/O at construction: the port opens on the first call, and again on the call after it
failed (a reader unplugged and plugged back needs no restart). One thread at a time
drives the line (the "pump"); others wait for what it finds, so status() works while
another thread blocks in read(). Logs formats, lengths and reasons, never a document.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType

from hardware.base import (
    REASON_ERROR,
    REASON_NO_REPLY,
    DeviceError,
    DeviceStatus,
    DocumentRead,
    Health,
    ReadRejected,
)
from hardware.reader.debounce import Debouncer
from hardware.reader.framing import ENQ, BrokenFrame, FrameEvent, FrameParser
from hardware.reader.records import IgnoredRecord, StatusReport, decode_frame
from hardware.serial_line import ReopeningLine

DEVICE = "reader"
WRITE_TIMEOUT_S = 1.0

log = logging.getLogger(__name__)

MODEL = "serial MRZ/chip/barcode document reader"
_SLICE_S = 0.05  # longest a pump holds the line; bounds how late others notice results
_MAX_QUEUED = 8  # documents read while nobody was asking; older ones are dropped

Item = DocumentRead | ReadRejected


class SerialDocumentReader:
    """A document reader on a serial line (or any pyserial URL)."""

    def __init__(self, url: str, *, baudrate: int, debounce_s: float = 3.0,
                 status_timeout_s: float = 1.0) -> None:
        if not url:
            raise ValueError("document reader url is empty")
        if baudrate <= 0 or status_timeout_s <= 0 or debounce_s < 0:
            raise ValueError("baudrate and status_timeout_s must be positive, "
                             "debounce_s must be >= 0")
        self.url = url
        self.baudrate = baudrate
        self.debounce_s = debounce_s
        self.status_timeout_s = status_timeout_s
        self._cond = threading.Condition()
        self._pumping = False  # a thread is driving the line
        self._exclusive_waiting = 0  # close()/discard_pending() waiting for the line
        self._parser = FrameParser()
        self._line = ReopeningLine(DEVICE, url, baudrate=baudrate,
                                   write_timeout_s=WRITE_TIMEOUT_S, log=log,
                                   on_open=self._parser.reset)
        self._items: deque[Item] = deque(maxlen=_MAX_QUEUED)
        self._debouncer = Debouncer(debounce_s)
        self._enq_wanted = False
        self._status_seq = 0
        self._last_status: StatusReport | None = None
        self._failure_seq = 0
        self._last_failure: DeviceError | None = None

    # --- DocumentReader ----------------------------------------------------------------

    def read(self, timeout_s: float) -> DocumentRead | ReadRejected | None:
        """The next document or rejection within ``timeout_s``, else None. A repeat of the
        last document within ``debounce_s`` is swallowed. Raises DeviceError(disconnected)
        at once when the port is missing or fails; the next call tries to reopen it."""
        deadline = time.monotonic() + max(timeout_s, 0.0)
        while True:
            if not self._await(lambda: bool(self._items), deadline):
                with self._cond:
                    self._debouncer.expire()
                return None
            with self._cond:
                if not self._items:
                    continue  # another reader thread took it
                item = self._items.popleft()
                repeat = isinstance(item, DocumentRead) and self._debouncer.is_repeat(item)
            if repeat:
                log.info("reader: same %s again within %g s: not delivered twice",
                         item.format.value if isinstance(item, DocumentRead) else "",
                         self.debounce_s)
                continue
            return item

    def status(self) -> DeviceStatus:
        """ENQ, then wait up to ``status_timeout_s`` for the reader's status record.
        Never raises: UNKNOWN when the port is gone or the reader is silent, FAULT when
        the reader reports a fault."""
        started = time.monotonic()
        with self._cond:
            status_seq, failure_seq = self._status_seq, self._failure_seq
            self._enq_wanted = True

        def answered() -> bool:
            return self._status_seq != status_seq or self._failure_seq != failure_seq

        try:
            self._await(answered, started + self.status_timeout_s)
        except DeviceError as exc:
            return self._status(started, exc)
        with self._cond:
            if self._failure_seq != failure_seq and self._last_failure is not None:
                return self._status(started, self._last_failure)
            report = self._last_status if self._status_seq != status_seq else None
        if report is None:
            return self._status(started, DeviceError(
                DEVICE, REASON_NO_REPLY, f"no status within {self.status_timeout_s:g} s"))
        if not report.ready:
            return self._status(started, DeviceError(
                DEVICE, REASON_ERROR, f"reader reports {report.state} {report.detail}".strip()))
        return self._status(started, None)

    def discard_pending(self) -> None:
        """Forget documents that arrived while nobody was reading (call it when a session
        starts: they may belong to the previous customer). Never raises."""
        with self._exclusive():
            dropped = len(self._items)
            self._items.clear()
            self._parser.reset()
            self._debouncer.forget()
            if self._line.port is not None:
                try:
                    self._line.port.discard_input()
                except DeviceError as exc:
                    self._fail(exc)
        if dropped:
            log.info("reader: discarded %d unread documents", dropped)

    def close(self) -> None:
        """Close the port and forget everything read. A later call opens it again."""
        with self._exclusive():
            self._line.drop()
            self._items.clear()
            self._parser.reset()
            self._debouncer.forget()

    def __enter__(self) -> SerialDocumentReader:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- driving the line --------------------------------------------------------------

    def _await(self, ready: Callable[[], bool], deadline: float) -> bool:
        """Pump the line, or wait while another thread pumps it, until ``ready()`` (checked
        under the lock) or the deadline. The line is pumped at least once."""
        pumped = False
        while True:
            with self._cond:
                if ready():
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0 and pumped:
                    return False
                if self._pumping or self._exclusive_waiting:
                    if remaining <= 0:
                        return False
                    self._cond.wait(min(remaining, _SLICE_S))
                    continue
                self._pumping = True
            try:
                self._pump(min(max(remaining, 0.0), _SLICE_S))
            finally:
                with self._cond:
                    self._pumping = False
                    self._cond.notify_all()
            pumped = True

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        with self._cond:
            self._exclusive_waiting += 1
            try:
                while self._pumping:
                    self._cond.wait(_SLICE_S)
            finally:
                self._exclusive_waiting -= 1
            self._pumping = True
        try:
            yield
        finally:
            with self._cond:
                self._pumping = False
                self._cond.notify_all()

    def _pump(self, timeout_s: float) -> None:
        """One slice of line work; only the thread that set ``_pumping`` runs it."""
        try:
            port = self._line.get()
        except DeviceError as exc:
            self._failed(exc)
            raise
        with self._cond:
            send_enq, self._enq_wanted = self._enq_wanted, False
        try:
            if send_enq:
                port.write(bytes([ENQ]))
            chunk = port.read(timeout_s)
        except DeviceError as exc:
            self._fail(exc)
            raise
        now = time.monotonic()
        events = self._parser.feed(chunk, now) if chunk else self._parser.expire(now)
        for event in events:
            self._handle(event)

    def _fail(self, exc: DeviceError) -> None:
        self._line.fail(exc)
        self._failed(exc)

    def _failed(self, exc: DeviceError) -> None:
        """Tell status() waiting for an answer that the line failed."""
        with self._cond:
            self._failure_seq += 1
            self._last_failure = exc
            self._cond.notify_all()

    def _handle(self, event: FrameEvent) -> None:
        if isinstance(event, BrokenFrame):
            self._queue(ReadRejected(event.reason, event.detail))
            return
        decoded = decode_frame(event.body, now=datetime.now(UTC))
        if isinstance(decoded, StatusReport):
            with self._cond:
                self._last_status = decoded
                self._status_seq += 1
                self._cond.notify_all()
        elif isinstance(decoded, IgnoredRecord):
            log.info("reader: ignored a %s record", decoded.kind)
        elif decoded is not None:
            self._queue(decoded)

    def _queue(self, item: Item) -> None:
        if isinstance(item, DocumentRead):
            size, unit = _size_of(item)
            log.info("reader: %s read (%d %s)", item.format.value, size, unit)
        else:
            log.info("reader: rejected: %s (%s)", item.reason, item.detail)
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def _status(self, started: float, problem: DeviceError | None) -> DeviceStatus:
        if problem is None:
            health, reason, detail = Health.OK, None, ""
        else:
            # FAULT only for what the reader itself reports; a reader that cannot be
            # reached (port gone, no answer) is UNKNOWN, like every device (Health).
            health = Health.FAULT if problem.reason == REASON_ERROR else Health.UNKNOWN
            reason, detail = problem.reason, problem.detail
        return DeviceStatus(device=DEVICE, health=health, reason=reason, detail=detail,
                            connection=self.url, model=MODEL,
                            query_ms=round((time.monotonic() - started) * 1000.0, 1),
                            checked_at=datetime.now(UTC))


def _size_of(document: DocumentRead) -> tuple[int, str]:
    """How big a read was, for the log: never what it says."""
    if document.mrz is not None:
        return len(document.mrz.split("\n")), "lines"
    if document.barcode is not None:
        return len(document.barcode), "characters"
    return len(document.chip or {}), "fields"


def open_reader(url: str, *, baudrate: int, debounce_s: float = 3.0,
                status_timeout_s: float = 1.0) -> SerialDocumentReader:
    """The adapter for the reader at ``url`` (a device path or any pyserial URL). Does no
    I/O: the port opens on the first call."""
    return SerialDocumentReader(url, baudrate=baudrate, debounce_s=debounce_s,
                                status_timeout_s=status_timeout_s)
