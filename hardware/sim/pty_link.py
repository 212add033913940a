"""A pseudo-terminal behind a stable link, as udev gives a USB-serial device its
``/dev/serial/by-id/...`` name: the simulators of serial devices (the document reader,
the keypad) serve on one, so the kiosk opens a path exactly as it opens a real device's.
``PtySimulator`` is what such a simulator has besides its device: the link's address
and the JSON-lines control line.

Unplugging closes the pty and removes the link (the kiosk sees its port fail and
vanish); plugging in again opens a new pty behind the same link. Not thread-safe: the
simulator that owns it serialises calls."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import tty
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from hardware.sim.control import ControlServer


class PtyLink:
    def __init__(self, name: str, link_dir: Path | None = None, *,
                 nonblocking: bool = False) -> None:
        self.name = name  # the link's file name, e.g. "keypad"
        self._own_dir = link_dir is None
        self._dir = Path(link_dir) if link_dir is not None else None
        self._nonblocking = nonblocking  # the master end (the simulator's)
        self.url: str | None = None  # the link the kiosk opens, once open()ed
        self.pty_path: str | None = None  # the pty behind it while plugged in
        self._fds: tuple[int, int] | None = None  # (master, slave) while plugged in

    @property
    def master(self) -> int | None:
        """The simulator's end while plugged in, else None."""
        return self._fds[0] if self._fds is not None else None

    def open(self) -> str:
        """Choose the link's path (in a folder of our own unless one was given) and
        plug in; returns the path."""
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix=f"{self.name}-sim-"))
        self.url = str(self._dir / self.name)
        self.plug_in()
        return self.url

    def plug_in(self) -> None:
        """A new pty behind the link (the link never points at nothing mid-way)."""
        if self.url is None:
            raise RuntimeError("open() the link first")
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        if self._nonblocking:
            os.set_blocking(master, False)
        # Our own slave fd stays open: the kernel keeps what the simulator writes until
        # the kiosk opens its end, and the master does not read EIO while it has not.
        self._fds = (master, slave)
        self.pty_path = os.ttyname(slave)
        temporary = f"{self.url}.{os.getpid()}.tmp"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        os.symlink(self.pty_path, temporary)
        os.replace(temporary, self.url)

    def unplug(self) -> None:
        """Remove the link and close the pty (nothing when unplugged already)."""
        if self.url is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.url)
        if self._fds is not None:
            for fd in self._fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._fds = None
            self.pty_path = None

    def close(self) -> None:
        """Unplug for good, and remove the link's folder if it was ours."""
        self.unplug()
        if self._own_dir and self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        self.url = None


class PtySimulator:
    """Base of a simulator served on a PtyLink with a control line. A subclass sets
    ``_line`` and ``_control = None`` and answers ``control`` and ``stop``."""

    _line: PtyLink
    _control: ControlServer | None

    @property
    def url(self) -> str | None:
        """The stable link the kiosk opens (None until started)."""
        return self._line.url

    @property
    def pty_path(self) -> str | None:
        """The pty behind the link right now (None while unplugged)."""
        return self._line.pty_path

    def control(self, request: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def start_control(self, port: int = 0, host: str = "127.0.0.1") -> str:
        """Serve the JSON-lines control line (hardware.sim.control); returns host:port."""
        if self._control is None:
            self._control = ControlServer(self.control)
        return self._control.start(port=port, host=host)

    def stop_control(self) -> None:
        if self._control is not None:
            self._control.stop()
            self._control = None

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
