"""OS and pyserial errors in plain words, for people; the OS's own text for the log.

What people see of a device failure (DeviceError.detail, hence DeviceStatus.detail, a
printer's last error, `kiosk diag`, the technician screen and the warnings it lists) says
in a few plain words what failed: "connect: connection refused", "cannot open: no such
port". The OS's text ("[Errno 111] Connection refused", pyserial's "could not open port
/dev/ttyUSB0: [Errno 2] No such file or directory: ...") goes to the log only, logged
here: at INFO when it is new for that device or last logged LOG_AGAIN_S ago, at DEBUG
while it repeats (a device polled every few seconds while it is away would otherwise
fill the journal).
"""

from __future__ import annotations

import errno
import logging
import threading
import time

log = logging.getLogger(__name__)

LOG_AGAIN_S = 600.0

# The plain words for the errors devices meet, by errno (pyserial's SerialException
# carries the errno of the OSError it wraps).
_BY_ERRNO: dict[int, str] = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection lost",
    errno.ECONNABORTED: "connection lost",
    errno.EPIPE: "connection lost",
    errno.ETIMEDOUT: "timed out",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
    errno.ENOENT: "no such port",
    errno.ENODEV: "no such device",
    errno.ENXIO: "no such device",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EBUSY: "port busy",
    errno.EAGAIN: "port locked by another program",  # pyserial's exclusive lock (flock)
    errno.EIO: "input/output error",
}
# Errors raised without an errno (by the transports themselves, or by a library).
_BY_TYPE: tuple[tuple[type[BaseException], str], ...] = (
    (ConnectionRefusedError, "connection refused"),
    (ConnectionError, "connection lost"),  # reset, aborted, broken pipe
    (TimeoutError, "timed out"),
    (FileNotFoundError, "no such port"),
    (PermissionError, "permission denied"),
)

_lock = threading.Lock()
_logged: dict[str, tuple[str, float]] = {}  # device -> (the OS's text, when logged at INFO)


def plain_words(exc: BaseException, fallback: str = "failed") -> str:
    """A few words for what ``exc`` says, never its text: "connection refused". A
    library's exception that wraps the OS's (python-escpos, pyserial) is read through
    its cause; ``fallback`` when nothing in the chain is known."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        code = getattr(current, "errno", None)
        if isinstance(code, int) and code in _BY_ERRNO:
            return _BY_ERRNO[code]
        for kind, words in _BY_TYPE:
            if isinstance(current, kind):
                return words
        if type(current).__name__ == "SerialTimeoutException":  # pyserial's, no errno
            return "timed out"
        current = current.__cause__ or current.__context__
    return fallback


def plain_failure(device: str, action: str, exc: BaseException,
                  fallback: str = "failed") -> str:
    """``"<action>: <plain words>"`` for a DeviceError's detail (plain_words); the OS's
    own text of ``exc`` is logged (see the module's docstring)."""
    raw = " ".join(f"{type(exc).__name__}: {exc}".split())  # one line, however it was
    now = time.monotonic()
    with _lock:
        last = _logged.get(device)
        new = last is None or last[0] != raw or now - last[1] >= LOG_AGAIN_S
        if new:
            _logged[device] = (raw, now)
    log.log(logging.INFO if new else logging.DEBUG, "%s: %s failed: %s", device, action, raw)
    return f"{action}: {plain_words(exc, fallback)}"
