"""The UI tells the process's supervisor that it lives: ready once the attract screen
takes touches, a watchdog ping from Kivy's own main loop, and what the kiosk is doing.

The ping is a Clock interval, so it runs only while the main loop turns: a UI frozen in
a callback (or a deadlock on the UI thread) stops it even though the process and its
worker threads are alive, and systemd (WatchdogSec=) restarts the kiosk. The headless
kiosk (`kiosk run --headless`) runs the same loop offscreen and pings the same way.
The supervisor is a port: bootstrap hands in kiosk.sd_notify's notifier (or nothing when
no service manager asked), the UI never opens a socket.
"""

from __future__ import annotations

from typing import Protocol

from kivy.clock import Clock, ClockEvent
from kivy.uix.screenmanager import ScreenManager


class ServiceManager(Protocol):
    """Whoever supervises the kiosk process (systemd through kiosk.sd_notify)."""

    @property
    def watchdog_interval_s(self) -> float | None:
        """How often a ping is due at the latest; None: no watchdog."""

    def ready(self) -> None: ...

    def watchdog(self) -> None: ...

    def status(self, text: str) -> None: ...


def status_for(screen: str) -> str:
    """What `systemctl status kiosk` shows: never anything a user entered."""
    if screen == "attract":
        return "attract loop: waiting for a user"
    if screen == "out_of_service":
        return "out of service"
    if screen.startswith("technician"):
        return "technician mode"
    return "session in progress"


class Supervision:
    def __init__(self, manager: ServiceManager) -> None:
        self.manager = manager
        self._events: list[ClockEvent] = []
        self._status = ""
        self._screens: ScreenManager | None = None

    def start(self, screens: ScreenManager) -> None:
        """Call from the App's on_start: the first callback below runs in the main loop's
        first frame, when input is being taken."""
        self._screens = screens
        self._events.append(Clock.schedule_once(self._ready, 0))
        interval = self.manager.watchdog_interval_s
        if interval:
            # Twice per interval, as sd_watchdog_enabled(3) advises: one late frame is
            # not a restart.
            self._events.append(Clock.schedule_interval(self._ping, interval / 2))
        screens.bind(current=self._screen_changed)

    def stop(self) -> None:
        for event in self._events:
            event.cancel()
        self._events.clear()
        if self._screens is not None:
            self._screens.unbind(current=self._screen_changed)
            self._screens = None

    def _ready(self, _dt: float) -> None:
        if self._screens is not None:
            self._screen_changed(self._screens, self._screens.current)
        self.manager.ready()
        self.manager.watchdog()

    def _ping(self, _dt: float) -> None:
        self.manager.watchdog()

    def _screen_changed(self, _screens: object, name: str) -> None:
        status = status_for(name)
        if status != self._status:
            self._status = status
            self.manager.status(status)
