"""Plumbing shared by the simulators' command lines (``kiosk sim printer|payment|reader|keypad``).

- ``host_port``: a ``HOST:PORT`` argument (PORT 0 lets the OS choose), as an argparse type;
  ``parse_host_port`` underneath for a command that reports bad addresses its own way.
- ``write_ready_file`` / ``ReadyFile``: the ``--ready-file`` JSON a script or test waits
  for, written atomically and, with ``ReadyFile``, removed again when the simulator stops.
- ``stop_on_signals``: run until SIGTERM or SIGINT, then give the handlers back.
- ``add_pty_arguments``: ``--pty``, ``--ready-file`` and ``--control`` of a simulator
  served on a pty (the reader, the keypad, the scanner); ``serve_on_pty`` runs one of
  those that only answers its control line (the keypad, the scanner) until stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType, TracebackType
from typing import Protocol

LOOPBACK = "127.0.0.1"
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def parse_host_port(text: str, default_host: str | None = LOOPBACK) -> tuple[str, int] | None:
    """``(host, port)`` from ``"HOST:PORT"`` with PORT in 0..65535, or None if malformed.

    An empty HOST (``":0"``) means ``default_host``; with ``default_host=None`` a HOST is
    required. A PORT of non-ASCII digits (``"²"``) raises ValueError from ``int``.
    """
    host, sep, port = text.rpartition(":")
    host = host or default_host or ""
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        return None
    return host, int(port)


def host_port(text: str) -> tuple[str, int]:
    """argparse ``type=`` for ``HOST:PORT`` (empty HOST: 127.0.0.1; PORT 0: any free port).

    Raises argparse.ArgumentTypeError, which argparse turns into a usage error (exit 2).
    """
    address = parse_host_port(text)
    if address is None:
        raise argparse.ArgumentTypeError(f"{text!r}: expected HOST:PORT (PORT may be 0)")
    return address


def add_pty_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every simulator served on a pty behind a stable link takes."""
    parser.add_argument("--pty", action="store_true", default=True,
                        help="serve on a new pty pair (the default and only transport)")
    parser.add_argument("--ready-file", type=Path, metavar="PATH",
                        help='once listening, write {"url", "pid", "control"} here')
    parser.add_argument("--control", type=host_port, default=(LOOPBACK, 0),
                        metavar="HOST:PORT",
                        help="address of the JSON-lines control line (default "
                             "127.0.0.1:0, a free port)")


def write_ready_file(path: Path, info: dict[str, object]) -> None:
    """Write ``info`` as JSON to ``path`` (creating its folder) atomically.

    Readers see no file or the whole file, never a half-written one: the JSON goes to a
    temporary file beside ``path`` that then replaces it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.",
                                     delete=False) as handle:
        json.dump(info, handle)
        temporary = handle.name
    os.replace(temporary, path)


class ReadyFile:
    """A simulator's optional ready file, for use as ``with ReadyFile(args.ready_file)``.

    ``write`` (again after a change, e.g. a new url) does nothing without a path. Once
    written, the file is removed when the ``with`` block ends: the simulator's pty or
    port is gone by then, and a stale file would point at nothing.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._written = False

    def write(self, info: dict[str, object]) -> None:
        """Publish ``info`` atomically (see ``write_ready_file``), if there is a path."""
        if self.path is None:
            return
        write_ready_file(self.path, info)
        self._written = True

    def __enter__(self) -> ReadyFile:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._written and self.path is not None:
            self.path.unlink(missing_ok=True)


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event that SIGTERM or SIGINT sets while the block runs; the previous handlers
    are restored when it ends. Like ``signal.signal``, only for the main thread.

    The simulator's main loop polls ``stop.wait(interval)`` instead of dying on
    KeyboardInterrupt, so it shuts its threads, pty and sockets down in order.
    """
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class PtyServed(Protocol):
    def start_pty(self) -> str: ...

    def start_control(self, port: int = 0, host: str = LOOPBACK) -> str: ...

    def stop(self) -> None: ...


def serve_on_pty(simulator: PtyServed, args: argparse.Namespace, command: str,
                 banner: str = "") -> int:
    """Serve ``simulator``'s pty and control line (add_pty_arguments' options) until
    SIGTERM or SIGINT; one line on stdout once listening, the ready file written then.
    Returns the exit status: 2 when it cannot start."""
    with stop_on_signals() as stop, ReadyFile(args.ready_file) as ready_file:
        try:
            url = simulator.start_pty()
            host, port = args.control
            control = simulator.start_control(port=port, host=host)
            name = command.removeprefix("kiosk sim ")
            print(f"{name} simulator on {url} control {control}{banner}", flush=True)
            ready_file.write({"url": url, "pid": os.getpid(), "control": control})
            while not stop.wait(0.2):
                pass
        except (ValueError, OSError) as exc:
            print(f"{command}: {exc}", file=sys.stderr)
            return 2
        finally:
            simulator.stop()  # before the ready file goes: it names this pty
    return 0
