"""The kiosk tells systemd it is ready and alive from the UI's own main loop
(kiosk/ui/supervision.py over kiosk/sd_notify.py): a real notify socket, the real App."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from kivy.clock import Clock

from kiosk.sd_notify import SystemdNotifier
from kiosk.ui.driver import Driver

pytestmark = pytest.mark.ui

# Pings every 0.5 s: long against a frame of the full UI on a loaded machine, short enough
# for a quick test.
WATCHDOG_USEC = 1_000_000


class NotifySocket:
    """What systemd listens on: a Unix datagram socket, each message kept with the time
    it arrived."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.1)
        self.received: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            self.received.append((time.monotonic(), data.decode()))

    def messages(self) -> list[str]:
        return [text for _, text in self.received]

    def pings(self) -> list[float]:
        return [at for at, text in self.received if text == "WATCHDOG=1"]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[NotifySocket]:
    listener = NotifySocket(tmp_path / "notify")
    yield listener
    listener.close()


@pytest.fixture
def supervised(driver: Driver, notify_socket: NotifySocket) -> Iterator[Driver]:
    """The App as bootstrap builds it under systemd: NOTIFY_SOCKET and WATCHDOG_USEC set
    (the session's App is already running, so its start hook is called again here)."""
    app = driver.app
    notifier = SystemdNotifier.from_environment(
        {"NOTIFY_SOCKET": str(notify_socket.path), "WATCHDOG_USEC": str(WATCHDOG_USEC)})
    assert notifier is not None and notifier.watchdog_interval_s == 1.0
    app.service_manager = notifier
    app.on_start()
    yield driver
    app.on_stop()
    app.service_manager = None
    notifier.close()
    # The shared App runs on for the next tests as it ran before: listening to its
    # keypad (its stop hook stopped that; a keypad test after this one met a deaf App).
    app.on_start()


def test_ready_then_pings_from_the_main_loop(supervised: Driver,
                                            notify_socket: NotifySocket) -> None:
    """GIVEN the kiosk started by a Type=notify unit with a 1 s watchdog
    WHEN its main loop turns on the attract screen
    THEN systemd is told READY=1 first with the attract status, then WATCHDOG=1 again and
    again, about every half interval."""
    supervised.wait_until(lambda: len(notify_socket.pings()) >= 5, 10, "five pings")
    messages = notify_socket.messages()
    assert messages[:2] == ["STATUS=attract loop: waiting for a user", "READY=1"]
    pings = notify_socket.pings()
    gaps = [later - earlier for earlier, later in pairwise(pings)]
    # Paced by the interval (half the watchdog's), not sent every frame. How late a ping
    # may come is the frame time's business: on this shared machine a frame that builds a
    # screen can take half a second, on a kiosk far less than the 30 s of WatchdogSec.
    assert sorted(gaps)[len(gaps) // 2] > 0.4, gaps


def test_a_frozen_main_loop_stops_the_pings(supervised: Driver,
                                            notify_socket: NotifySocket) -> None:
    """GIVEN a supervised kiosk pinging its watchdog
    WHEN a callback on the UI thread hangs for 2 s (twice the watchdog interval), while
    every other thread of the process runs on
    THEN no ping arrives during the hang, and pings come again once the loop turns."""
    supervised.settle(0.6)
    hung: list[float] = []

    def hang(_dt: float) -> None:
        hung.append(time.monotonic())
        time.sleep(2.0)
        hung.append(time.monotonic())

    Clock.schedule_once(hang, 0)
    supervised.pump(1)
    supervised.settle(1.0)
    start, end = hung
    # A ping sent just before the hang may be read a moment into it.
    during = [at for at in notify_socket.pings() if start + 0.05 < at < end]
    after = [at for at in notify_socket.pings() if at > end]
    assert during == []
    assert after, notify_socket.messages()


def test_the_status_follows_the_session(supervised: Driver,
                                        notify_socket: NotifySocket) -> None:
    """GIVEN a supervised kiosk on its attract screen
    WHEN a session starts and then ends
    THEN systemd's status line says so each time, and carries nothing the user entered."""
    app = supervised.app
    supervised.settle(0.2)
    app.start_session("en")
    supervised.wait_for_screen("home")
    app.end_session()
    supervised.wait_for_screen("attract")
    statuses = [text for text in notify_socket.messages() if text.startswith("STATUS=")]
    assert statuses == ["STATUS=attract loop: waiting for a user",
                        "STATUS=session in progress",
                        "STATUS=attract loop: waiting for a user"]
