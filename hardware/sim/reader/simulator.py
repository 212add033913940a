"""A document reader simulator on a pseudo-terminal, with faults and a control line.

The kiosk opens the path ``start_pty()`` returns exactly as it would open the reader's
``/dev/serial/by-id/...`` link, so the adapter under test is the production one. That
path is a symlink to the current pty: "unplugged" closes the pty and removes the link (the
kiosk sees its port fail and vanish), clearing it opens a new pty behind the same link,
as udev does when a USB reader comes back. After start, only the serving thread touches
the pty; callers queue frames and wait for line changes to take effect.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import random
import select
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hardware.reader.framing import CR, ENQ, ETX, LF, STX, encode_frame
from hardware.reader.records import RECORD_PREFIX, STATUS_HEADER, STATUS_READY
from hardware.sim.control import (
    GARBAGE,
    SILENT,
    UNPLUGGED,
    ControlServer,
    FaultSwitches,
    canonical_fault,
    fault_handler,
)
from hardware.sim.pty_link import PtyLink, PtySimulator
from hardware.sim.reader.bills import BILL_SPECIMENS, DEFAULT_SYMBOLOGY, barcode_record_lines
from hardware.sim.reader.specimens import SPECIMENS

log = logging.getLogger(__name__)

FAULTS: dict[str, str] = {
    GARBAGE: "3-16 random bytes on the line before every frame (skipped by the kiosk); "
             "value 'within': 2-6 control bytes inside each document instead (rejected)",
    "truncated": "documents are cut short: the last MRZ line loses half its characters, "
                 "a chip record its last four fields, a barcode record its data line",
    UNPLUGGED: "the reader is unplugged: its pty closes and the link disappears until cleared",
    "double": "every document is sent twice, double_gap_s apart (pressed down twice)",
    SILENT: "the reader hangs: it answers no status query and sends nothing",
}
NOISE_PLACES = ("before", "within")

_POLL_S = 0.05
_WRITE_TIMEOUT_S = 0.2  # a kiosk that does not read fills the pty: drop the frame
_LINE_CHANGE_TIMEOUT_S = 2.0
# Noise before a frame may be any byte but STX and ETX, so the frame itself stays intact.
_NOISE_BEFORE = bytes(b for b in range(256) if b not in (STX, ETX))
# Noise inside a document: bytes no MRZ or UTF-8 text can hold, nor the frame's own.
_NOISE_WITHIN = bytes(b for b in [*range(0x20), 0x7F, 0xFE, 0xFF] if b not in (STX, ETX, CR, LF))


class ReaderSimulator(PtySimulator):
    def __init__(self, *, link_dir: Path | None = None, double_gap_s: float = 0.2,
                 seed: int = 9303, on_sent: Callable[[str], None] | None = None) -> None:
        if double_gap_s < 0:
            raise ValueError("double_gap_s must be >= 0")
        self.double_gap_s = double_gap_s
        self._on_sent = on_sent  # gets one line per document sent (name, never content)
        self._line = PtyLink("document-reader", link_dir, nonblocking=True)
        self._random = random.Random(seed)  # the same noise on every run
        self._lock = threading.Lock()
        self._line_changed = threading.Condition(self._lock)
        self._faults: dict[str, object] = {}
        self._outbox: list[tuple[float, bytes, str]] = []  # (due, frame, label)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = -1, -1
        self._line_up = False
        self._control: ControlServer | None = None
        self._control_handler = fault_handler(
            FaultSwitches(described=FAULTS, active=lambda: _jsonable(self.faults),
                          set=self.set_fault, clear=self.clear_faults, listing=self._specimens),
            {"present": self._present_answer})

    # --- lifecycle ----------------------------------------------------------------------

    def start_pty(self) -> str:
        """Open a pty pair, link it, serve it in a thread; returns the link's path."""
        if self._thread is not None:
            raise RuntimeError("the simulator is already running")
        self._wake_r, self._wake_w = os.pipe()
        self._stop.clear()
        url = self._line.open()
        self._thread = threading.Thread(target=self._serve, name="reader-sim", daemon=True)
        self._thread.start()
        log.info("reader simulator on %s (%s)", url, self.pty_path)
        return url

    def stop(self) -> None:
        """Stop serving, close the pty and remove the link (and its folder if ours)."""
        self.stop_control()
        self._stop.set()
        if self._thread is not None:
            self._wake()
            self._thread.join(timeout=5.0)
            self._thread = None
        self._line.close()
        for fd in (self._wake_r, self._wake_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._wake_r, self._wake_w = -1, -1

    # --- documents and faults -----------------------------------------------------------

    def present(self, document: str | Sequence[str]) -> str:
        """Place a document on the reader: a specimen name (see SPECIMENS, and
        BILL_SPECIMENS for the demo bills' barcodes) or raw lines. Returns a label for
        logs. The frames go out from the serving thread."""
        if isinstance(document, str):
            specimen = SPECIMENS.get(document)
            bill = BILL_SPECIMENS.get(document)
            if specimen is not None:
                lines, label = list(specimen.lines), specimen.name
            elif bill is not None:
                lines, label = list(barcode_record_lines(bill.barcode())), bill.name
            else:
                raise ValueError(f"unknown specimen {document!r}; known: "
                                 f"{', '.join(sorted([*SPECIMENS, *BILL_SPECIMENS]))}")
        else:
            lines, label = list(document), f"{len(document)} raw lines"
        return self._queue_document(lines, label)

    def present_barcode(self, barcode: str, symbology: str = DEFAULT_SYMBOLOGY) -> str:
        """Hold a bill's barcode under the reader in its barcode mode: any text, even one
        the kiosk will refuse (only what would break the framing is refused here)."""
        return self._queue_document(list(barcode_record_lines(barcode, symbology)),
                                    f"barcode ({len(barcode)} characters)")

    def _queue_document(self, lines: list[str], label: str) -> str:
        encode_frame(lines)  # refuse lines that would break the framing, here and now
        with self._lock:
            faults = dict(self._faults)
            if "truncated" in faults:
                lines, label = _truncate(lines), label + " (truncated)"
            frame = encode_frame(lines)
            if faults.get(GARBAGE) == "within":
                frame = self._noise_within(frame)
            now = _now()
            self._outbox.append((now, frame, label))
            if "double" in faults:
                self._outbox.append((now + self.double_gap_s, frame, label + " (again)"))
        self._wake()
        return label

    def send_raw(self, data: bytes) -> None:
        """Put bytes on the line as they are, no framing and no faults: half a frame, a
        broken record, anything a test or a technician needs."""
        with self._lock:
            self._outbox.append((_now(), bytes(data), "raw bytes"))
        self._wake()

    def set_fault(self, name: str, value: object = True) -> None:
        """Switch a fault on (a false value switches it off; the older names ``noise``
        and ``unplug`` still work). Returns once an unplug or replug has taken effect on
        the line."""
        name = canonical_fault(name, FAULTS)
        if name == GARBAGE and value not in (True, *NOISE_PLACES) and value:
            raise ValueError(f"garbage is 'before' or 'within', not {value!r}")
        with self._lock:
            if value in (False, 0, None, "", "off"):
                self._faults.pop(name, None)
            else:
                self._faults[name] = "before" if (name == GARBAGE and value in (True, 1)) \
                    else value
        self._await_line()

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
        self._await_line()

    @property
    def faults(self) -> dict[str, object]:
        with self._lock:
            return dict(self._faults)

    def control(self, request: dict[str, Any]) -> dict[str, Any]:
        """One control-line request (docs/hardware/document-reader.md, section 8): faults,
        set and clear as every simulator answers them (hardware.sim.control), and present."""
        try:
            return self._control_handler(request)
        except (ValueError, RuntimeError) as exc:
            return {"ok": False, "error": str(exc)}

    def _specimens(self) -> dict[str, Any]:
        return {"specimens": {**{n: s.description for n, s in SPECIMENS.items()},
                              **{n: f"{b.description}: {b.barcode()}"
                                 for n, b in BILL_SPECIMENS.items()}}}

    def _present_answer(self, request: dict[str, Any]) -> dict[str, Any]:
        if "barcode" in request:
            symbology = str(request.get("symbology", DEFAULT_SYMBOLOGY))
            return {"ok": True,
                    "presented": self.present_barcode(str(request["barcode"]), symbology)}
        return {"ok": True, "presented": self.present(_document_of(request))}

    # --- the serving thread -------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stop.is_set():
            self._follow_line_state()
            with self._lock:
                master = self._line.master
                next_due = min((due for due, _, _ in self._outbox), default=None)
            timeout = _POLL_S if next_due is None else min(_POLL_S, max(next_due - _now(), 0))
            watched = [self._wake_r] + ([master] if master is not None else [])
            try:
                ready, _, _ = select.select(watched, [], [], timeout)
            except (OSError, ValueError):
                continue  # the pty was closed under us: the next turn follows the state
            if self._wake_r in ready:
                with contextlib.suppress(OSError):
                    os.read(self._wake_r, 4096)
            if master is not None and master in ready:
                self._take_requests(master)
            self._send_due(master)
        log.info("reader simulator stopped")

    def _follow_line_state(self) -> None:
        with self._lock:
            unplugged = UNPLUGGED in self._faults
        if unplugged and self._line.master is not None:
            self._line.unplug()
            log.info("reader simulator: unplugged")
        elif not unplugged and self._line.master is None:
            try:
                self._line.plug_in()
            except OSError as exc:  # e.g. out of ptys: stay unplugged, try again next turn
                log.warning("reader simulator: cannot plug in: %s", exc)
                self._line.unplug()
            else:
                log.info("reader simulator: plugged in on %s", self.pty_path)
        with self._line_changed:
            self._line_up = self._line.master is not None
            self._line_changed.notify_all()

    def _take_requests(self, master: int) -> None:
        try:
            data = os.read(master, 4096)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR, errno.EIO):
                log.warning("reader simulator: read failed: %s", exc)
            return
        with self._lock:
            silent = SILENT in self._faults
        if ENQ in data and not silent:
            reply = encode_frame([f"{STATUS_HEADER} {STATUS_READY}"])
            with self._lock:
                self._outbox.insert(0, (_now(), reply, "status"))

    def _send_due(self, master: int | None) -> None:
        now = _now()
        with self._lock:
            due = [entry for entry in self._outbox if entry[0] <= now]
            self._outbox = [entry for entry in self._outbox if entry[0] > now]
            faults = dict(self._faults)
        for _, frame, label in due:
            if master is None or SILENT in faults:
                log.info("reader simulator: %s not sent (%s)", label,
                         "unplugged" if master is None else "silent")
                continue
            if faults.get(GARBAGE) == "before":
                frame = self._noise_before() + frame
            if self._write(master, frame) and label != "status":
                log.info("reader simulator: sent %s", label)
                if self._on_sent is not None:
                    self._on_sent(f"presented {label}")

    def _write(self, master: int, data: bytes) -> bool:
        view = memoryview(data)
        while view:
            try:
                _, writable, _ = select.select([], [master], [], _WRITE_TIMEOUT_S)
            except (OSError, ValueError):
                return False
            if not writable:
                log.warning("reader simulator: pty full (nobody reading): frame dropped")
                return False
            try:
                view = view[os.write(master, view):]
            except BlockingIOError:
                continue
            except OSError as exc:
                log.warning("reader simulator: write failed: %s", exc)
                return False
        return True

    # --- the pty and its link -----------------------------------------------------------

    def _await_line(self) -> None:
        """Wait until the serving thread has plugged or unplugged as the faults say."""
        if self._thread is None:
            return
        with self._line_changed:
            want_up = UNPLUGGED not in self._faults
        self._wake()
        with self._line_changed:
            if not self._line_changed.wait_for(lambda: self._line_up == want_up
                                               and (UNPLUGGED not in self._faults) == want_up,
                                               _LINE_CHANGE_TIMEOUT_S):
                raise RuntimeError("reader simulator: the line did not change in time")

    def _wake(self) -> None:
        if self._wake_w >= 0:
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"x")

    # --- faults on the wire -------------------------------------------------------------

    def _noise_before(self) -> bytes:
        with self._lock:
            count = self._random.randint(3, 16)
            return bytes(self._random.choice(_NOISE_BEFORE) for _ in range(count))

    def _noise_within(self, frame: bytes) -> bytes:
        """Insert control bytes in the middle of the document's first line (lock held)."""
        first_line_end = frame.index(bytes([CR]))
        at = max(1, first_line_end // 2)
        noise = bytes(self._random.choice(_NOISE_WITHIN)
                      for _ in range(self._random.randint(2, 6)))
        return frame[:at] + noise + frame[at:]


def _truncate(lines: list[str]) -> list[str]:
    """A chip record loses its last four fields, a barcode record its data line (the
    header is kept), an MRZ half its last line."""
    if lines and lines[0].startswith(RECORD_PREFIX):
        return lines[:max(1, len(lines) - 4)]
    if not lines:
        return lines
    return [*lines[:-1], lines[-1][:len(lines[-1]) // 2]]


def _document_of(request: dict[str, Any]) -> str | list[str]:
    if "name" in request:
        return str(request["name"])
    lines = request.get("lines")
    if isinstance(lines, list):
        return [str(line) for line in lines]
    if isinstance(lines, str):
        # From a shell (`present lines=AAA\nBBB`) the separator arrives as backslash-n.
        return lines.split("\n") if "\n" in lines else lines.split("\\n")
    raise ValueError("present needs name=SPECIMEN, lines=LINE\\nLINE... or barcode=TEXT")


def _jsonable(faults: dict[str, object]) -> dict[str, object]:
    return {name: value if isinstance(value, (bool, int, str)) else str(value)
            for name, value in faults.items()}


def _now() -> float:
    return time.monotonic()
