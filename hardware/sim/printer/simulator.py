"""PrinterSimulator: an ESC/POS receipt printer on a TCP port or a pseudo-terminal.

Like a real network printer it serves one connection at a time (others wait in the
listen queue). Status queries are answered as soon as they are parsed; finished slips
are written to ``jobs_dir`` by a separate thread so writing PNGs never delays a reply.
With the ``baud`` fault both transports run at a serial line's speed (see pacing.py).
``start_control`` adds a JSON-lines control line (hardware.sim.control) to switch
faults and count jobs while it runs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import select
import socket
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from hardware.sim.control import ControlServer, FaultSwitches, fault_handler
from hardware.sim.printer.faults import FAULTS, Fault, FaultState
from hardware.sim.printer.interpreter import EscposInterpreter, JobRecord
from hardware.sim.printer.pacing import LinePacer
from hardware.sim.printer.paper import ImageItem, PaperRenderer, QRItem, item_text

logger = logging.getLogger(__name__)
_POLL_S = 0.05
_JOIN_TIMEOUT_S = 5.0
_READ_SIZE = 65536


@dataclass(frozen=True)
class PrintedJob:
    """One slip: everything from the previous cut to this one (or to where the paper ran
    out or the link dropped: ``complete`` False)."""

    index: int
    text: str
    lines: tuple[str, ...]
    png_path: Path
    text_path: Path
    raw_path: Path
    complete: bool
    qr_payloads: list[str]
    images: int
    finished_at: float = 0.0  # time.monotonic() when its last byte was interpreted


class PrinterSimulator:
    def __init__(self, jobs_dir: Path, *, width_dots: int = 576, font: Path | None = None,
                 on_job: Callable[[PrintedJob], None] | None = None) -> None:
        self.jobs_dir = Path(jobs_dir)
        self.width_dots = width_dots
        self.chars_per_line = width_dots // 12  # font A is 12 dots wide
        self.faults = FaultState()
        self._renderer = PaperRenderer(width_dots, font)
        self._on_job = on_job
        self._jobs: list[PrintedJob] = []
        self._jobs_changed = threading.Condition()
        self._next_index = 1
        self._index_lock = threading.Lock()
        self._received = bytearray()
        self._received_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._closers: list[Callable[[], None]] = []
        self._pending: queue.Queue[tuple[int, JobRecord, float] | None] = queue.Queue()
        self._control: ControlServer | None = None
        self._control_handler = fault_handler(
            FaultSwitches(described=FAULTS, active=self.faults.active, set=self.set_fault,
                          clear=self.clear_faults),
            {"jobs": self._jobs_answer})
        self._writer = threading.Thread(target=self._write_jobs, name="printer-sim-writer",
                                        daemon=True)
        self._writer.start()

    # --- public ----------------------------------------------------------------------

    @property
    def jobs(self) -> list[PrintedJob]:
        with self._jobs_changed:
            return list(self._jobs)

    @property
    def received(self) -> bytes:
        """Every byte of the current (or last) connection, status queries included."""
        with self._received_lock:
            return bytes(self._received)

    def wait_for_jobs(self, count: int, timeout: float) -> list[PrintedJob]:
        """Block until at least ``count`` jobs are written; TimeoutError otherwise."""
        with self._jobs_changed:
            if not self._jobs_changed.wait_for(lambda: len(self._jobs) >= count, timeout):
                raise TimeoutError(f"printer simulator: {len(self._jobs)} of {count} jobs "
                                   f"after {timeout} s")
            return list(self._jobs)

    def set_fault(self, name: str | Fault, value: bool | int = True) -> None:
        self.faults.set(name, value)

    def clear_faults(self) -> None:
        self.faults.clear()

    def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> str:
        server = socket.create_server((host, port))
        server.settimeout(_POLL_S)
        self._closers.append(server.close)
        bound_host, bound_port = server.getsockname()[:2]
        self._spawn(self._serve_tcp, server, name="printer-sim-tcp")
        return f"tcp://{bound_host}:{bound_port}"

    def start_pty(self) -> str:
        master, slave = os.openpty()
        tty.setraw(slave)
        # The sim keeps the slave open too, so the master never sees a hang-up (EIO)
        # between two clients.
        self._closers.extend([lambda: os.close(master), lambda: os.close(slave)])
        path = os.ttyname(slave)
        self._spawn(self._serve_pty, master, name="printer-sim-pty")
        return path

    def start_control(self, port: int = 0, host: str = "127.0.0.1") -> str:
        """Serve the control line (faults / set / clear / jobs) on HOST:PORT (port 0:
        any free port); returns "host:port"."""
        if self._control is not None:
            return self._control.address
        control = ControlServer(self.handle_control)
        address = control.start(port, host)
        self._control = control
        return address

    def handle_control(self, request: dict[str, Any]) -> dict[str, Any]:
        """One control-line request -> its answer: faults, set and clear as every
        simulator answers them (hardware.sim.control), and jobs. Errors raise
        ValueError, which the control server answers as {"ok": false, "error": ...}."""
        return self._control_handler(request)

    def _jobs_answer(self, _request: dict[str, Any]) -> dict[str, Any]:
        jobs = self.jobs
        last = jobs[-1] if jobs else None
        return {"ok": True, "count": len(jobs),
                "last": str(last.text_path) if last else None,
                "last_complete": last.complete if last else None}

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        if self._control is not None:
            self._control.stop()
        for thread in self._threads:
            thread.join(_JOIN_TIMEOUT_S)
        for close in self._closers:
            with contextlib.suppress(OSError):
                close()
        self._pending.put(None)
        self._writer.join(_JOIN_TIMEOUT_S)

    def __enter__(self) -> PrinterSimulator:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # --- transports ------------------------------------------------------------------

    def _spawn(self, target: Callable[..., None], *args: object, name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _new_interpreter(self) -> EscposInterpreter:
        with self._received_lock:
            self._received.clear()
        return EscposInterpreter(self.faults, self._job_finished, self.chars_per_line)

    def _feed(self, interpreter: EscposInterpreter, data: bytes) -> tuple[bytes, bool]:
        """Interpret ``data``; (replies, drop the link now?). With disconnect_mid_job
        armed, bytes go in one by one so the link drops after exactly N job bytes."""
        with self._received_lock:
            self._received += data
        limit = self.faults.disconnect_after()
        if limit is None:
            return interpreter.feed(data), False
        replies = bytearray()
        for i in range(len(data)):
            replies += interpreter.feed(data[i:i + 1])
            if interpreter.job_bytes >= limit:
                self.faults.take_disconnect()
                return bytes(replies), True
        return bytes(replies), False

    def _serve_tcp(self, server: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                if not self.faults.unplugged():
                    self._serve_connection(conn)

    def _serve_connection(self, conn: socket.socket) -> None:
        conn.settimeout(_POLL_S)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # replies go out at once
        interpreter = self._new_interpreter()
        pacer = LinePacer(self.faults, self._stop)
        try:
            while not self._stop.is_set():
                try:
                    data = conn.recv(pacer.read_size(_READ_SIZE))
                except TimeoutError:
                    continue
                if not data or self.faults.unplugged():
                    break  # client gone, or the printer was unplugged under it
                pacer.arrive(len(data))
                replies, drop = self._feed(interpreter, data)
                if replies:
                    pacer.send(len(replies))
                    conn.sendall(replies)
                if drop:
                    break
        except OSError:
            pass  # the client reset the link
        finally:
            interpreter.end_of_stream()

    def _serve_pty(self, master: int) -> None:
        interpreter = self._new_interpreter()
        pacer = LinePacer(self.faults, self._stop)
        while not self._stop.is_set():
            try:
                if not select.select([master], [], [], _POLL_S)[0]:
                    continue
                data = os.read(master, pacer.read_size(_READ_SIZE))
            except OSError:
                return
            if self.faults.unplugged():
                continue  # a dead serial line: bytes go nowhere, nothing answers
            pacer.arrive(len(data))
            replies, drop = self._feed(interpreter, data)
            if drop:
                # A serial cable cannot close: the printer goes dead until clear_faults().
                interpreter.end_of_stream()
                interpreter = self._new_interpreter()
                self.faults.set(Fault.UNPLUGGED)
                continue
            if replies:
                pacer.send(len(replies))
                with contextlib.suppress(OSError):
                    os.write(master, replies)

    # --- jobs ------------------------------------------------------------------------

    def _job_finished(self, record: JobRecord) -> None:
        with self._index_lock:
            index = self._next_index
            self._next_index += 1
        self._pending.put((index, record, time.monotonic()))

    def _write_jobs(self) -> None:
        while True:
            entry = self._pending.get()
            if entry is None:
                return
            try:
                job = self._write_job(*entry)
            except Exception:  # a broken job must not stop the printer
                logger.exception("printer simulator: could not write job %d", entry[0])
                continue
            with self._jobs_changed:
                self._jobs.append(job)
                self._jobs_changed.notify_all()
            if self._on_job is not None:
                self._on_job(job)

    def _write_job(self, index: int, record: JobRecord, finished_at: float) -> PrintedJob:
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        stem = self.jobs_dir / f"job-{index:04d}"
        lines = tuple(item_text(item, self.chars_per_line) for item in record.items)
        text = "\n".join(lines)
        paths = stem.with_suffix(".png"), stem.with_suffix(".txt"), stem.with_suffix(".bin")
        self._renderer.render(record.items).save(paths[0])
        paths[1].write_text(text + "\n", encoding="utf-8")
        paths[2].write_bytes(bytes(record.raw))
        return PrintedJob(
            index=index, text=text, lines=lines, png_path=paths[0], text_path=paths[1],
            raw_path=paths[2], complete=record.complete,
            qr_payloads=[i.data for i in record.items if isinstance(i, QRItem)],
            images=sum(1 for i in record.items if isinstance(i, ImageItem)),
            finished_at=finished_at)
