"""The service manager's notification socket (systemd's sd_notify protocol): READY=1 once
the kiosk takes touches, WATCHDOG=1 from the UI's main loop, STATUS=... for
`systemctl status`.

systemd passes the socket's address in NOTIFY_SOCKET and, with WatchdogSec=, the
interval in WATCHDOG_USEC (and the process meant in WATCHDOG_PID). Each message is one
datagram of newline-separated KEY=VALUE lines. A few lines of socket code rather than
the sdnotify package (unchanged since 2017): the socket is non-blocking, so the UI
thread that sends never waits on it, and an abstract address ("@...") is understood.
The UI gets this as its ServiceManager (kiosk/ui/supervision.py) from bootstrap; it never
opens the socket itself.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)

_PLAIN = {errno.ENOENT: "no such socket", errno.ECONNREFUSED: "nobody is listening",
          errno.EACCES: "permission denied", errno.EPERM: "permission denied",
          errno.EAGAIN: "the service manager is busy"}


class SystemdNotifier:
    def __init__(self, address: str, watchdog_usec: int | None = None) -> None:
        # An address starting with "@" is in Linux's abstract namespace.
        self.address = "\0" + address[1:] if address.startswith("@") else address
        self.watchdog_interval_s = watchdog_usec / 1_000_000 if watchdog_usec else None
        self._socket: socket.socket | None = None
        self._failed = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None,
                         pid: int | None = None) -> SystemdNotifier | None:
        """The notifier systemd asked for, or None when the kiosk was not started by a
        Type=notify unit. The watchdog interval counts only when WATCHDOG_PID (if set)
        names this process, as sd_watchdog_enabled(3) says."""
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        if not address or address[0] not in "/@":
            return None
        usec: int | None = None
        meant_for = env.get("WATCHDOG_PID", "")
        if not meant_for or meant_for == str(os.getpid() if pid is None else pid):
            try:
                usec = int(env.get("WATCHDOG_USEC", "")) or None
            except ValueError:
                usec = None
        return cls(address, usec)

    def ready(self) -> None:
        self.send("READY=1")

    def watchdog(self) -> None:
        self.send("WATCHDOG=1")

    def status(self, text: str) -> None:
        self.send("STATUS=" + text.replace("\n", " "))

    def send(self, *lines: str) -> bool:
        """One datagram; False when it could not be sent (said once in the log: a
        missing ping is what systemd acts on, not an exception in the UI)."""
        try:
            if self._socket is None:
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._socket.setblocking(False)
            self._socket.sendto("\n".join(lines).encode(), self.address)
        except OSError as exc:
            if not self._failed:
                # Plain words for the warning (the technician screen lists warnings);
                # the OS's own text for the log only.
                where = self.address.replace("\0", "@")
                log.warning("cannot notify the service manager at %s: %s", where,
                            _PLAIN.get(exc.errno or 0, "failed"))
                log.info("notify %s: %s: %s", where, type(exc).__name__, exc)
                self._failed = True
            return False
        self._failed = False
        return True

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
