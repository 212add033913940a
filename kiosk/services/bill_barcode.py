"""A bill looked up by its barcode (docs/spec/bills.md#barcode, lookupMode BARCODE): the
question that asks for it, and the document reader's barcode mode, which answers that
question as if the user had typed the number.

The user may type while the reader watches, so waiting for the reader is not a busy step
the UI waits on: a BarcodeListener reads on a thread of its own and hands every read to
the flow, which takes it under its lock (the user may have typed, gone back or left
meanwhile). Without a reader the question asks only to type.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar

from hardware.base import DeviceError, DocumentFormat, DocumentRead, ReadRejected
from kiosk.errors import ErrorCode, KioskError
from kiosk.services.forms import Kind, Question, parse
from kiosk.services.help import BILL_ACCOUNT
from kiosk.services.slips import N_

log = logging.getLogger(__name__)

BARCODE = re.compile(r"[0-9A-Z]{10,48}")  # docs/spec/bills.md#barcode; the biller parses the rest
READ_SLICE_S = 0.25  # how long one read waits: bounds how late a stopped listener ends
RETRY_S = 1.0  # after the reader failed (unplugged): the adapter reopens on the next read


BARCODE_HELP = N_(
    "The barcode is printed on your bill, with letters and digits under its bars. Hold the "
    "bill flat, barcode first, under the reader, or type what is printed under the bars.")


def barcode_question(with_reader: bool) -> Question:
    """The barcode question: hold it under the reader or type it, or only type it."""
    if with_reader:
        label = N_("Scan or type the barcode on your bill")
        hint = N_("Hold the bill's barcode under the document reader, or type the letters "
                  "and digits printed under the barcode, without spaces.")
    else:
        label = N_("Type the barcode number printed on your bill")
        hint = N_("The letters and digits printed under the barcode, without spaces.")
    return Question("barcode", Kind.CODE, label, hint=hint, max_length=60,
                    help=BARCODE_HELP, picture=BILL_ACCOUNT,
                    validate=lambda v, _a: None if BARCODE.fullmatch(str(v))
                    else ErrorCode.BARCODE_FORMAT)


def answer_from_read(read: DocumentRead | ReadRejected) -> str | KioskError:
    """What a read means at the barcode question: the answer, as the user would have
    typed it (the same validation follows), or why it is not one. An identity document
    is ignored, and nothing of it is kept or logged."""
    if isinstance(read, ReadRejected):
        log.info("bill barcode: reader rejected a read (%s)", read.reason)
        return KioskError(ErrorCode.BARCODE_FORMAT, reason=read.reason)
    if read.format is not DocumentFormat.BARCODE:
        log.info("bill barcode: an identity document (%s) instead of the bill: ignored",
                 read.format.value)
        return KioskError(ErrorCode.BARCODE_EXPECTED)
    answer: str = parse(Kind.CODE, read.barcode or "")
    return answer


T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Readable(Protocol[T_co]):
    """What a listener reads: the document reader (a bill's barcode), or where payment
    codes are read (ports.PaymentCodes)."""

    def read(self, timeout_s: float) -> T_co | None: ...

    def discard_pending(self) -> None: ...


class BarcodeListener(Generic[T]):
    """Reads a device on a daemon thread until stopped. ``on_read`` gets each read with
    the stop event of the listening it came from, so the receiver can tell a read that
    arrived after stop() (check the event under the receiver's lock, where stop() is
    called too)."""

    def __init__(self, reader: Readable[T], on_read: Callable[[T, threading.Event], None], *,
                 slice_s: float = READ_SLICE_S, retry_s: float = RETRY_S) -> None:
        self._reader = reader
        self._on_read = on_read
        self._slice_s = slice_s
        self._retry_s = retry_s
        self._stopped: threading.Event | None = None  # the current listening's; None: idle

    @property
    def listening(self) -> bool:
        return self._stopped is not None

    def start(self, *, fresh: bool = False) -> None:
        """Listen (no-op when already listening). ``fresh``: first forget what the reader
        read before now (a document left by someone else)."""
        if self._stopped is not None:
            return
        stopped = threading.Event()
        self._stopped = stopped
        threading.Thread(target=self._listen, args=(stopped, fresh), name="bill-barcode",
                         daemon=True).start()

    def stop(self) -> None:
        """Stop listening; the thread ends within one read slice. Never blocks."""
        if self._stopped is not None:
            self._stopped.set()
            self._stopped = None

    def _listen(self, stopped: threading.Event, fresh: bool) -> None:
        if fresh:
            self._reader.discard_pending()
        failing = False
        while not stopped.is_set():
            try:
                read = self._reader.read(self._slice_s)
            except DeviceError as exc:
                if not failing:  # once per outage; typing (or another way) still works
                    log.warning("%s unavailable (%s)", exc.device, exc.reason)
                    failing = True
                stopped.wait(self._retry_s)
                continue
            failing = False
            if read is not None and not stopped.is_set():
                self._on_read(read, stopped)


class _Serialized(Protocol):
    @property
    def _lock(self) -> AbstractContextManager[Any]: ...


S = TypeVar("S", bound=_Serialized)
P = ParamSpec("P")
R = TypeVar("R")


def serialized(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Run a command under the object's ``_lock``: commands come from the UI thread, the
    worker and the reader's listener."""
    @functools.wraps(method)
    def run(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock:
            return method(self, *args, **kwargs)
    return run
