"""The running kiosk answers `kiosk diag` itself.

Serial devices are held by the running kiosk (a second process must not talk on its
line), so `kiosk diag` asks the kiosk for its report instead of opening the devices
again, over HTTP on a Unix socket, ``<data_dir>/diag.sock``, as systemd services do:
the socket is 0600 in the 0700 data folder, so only the kiosk's own user (and root)
can reach it, and each connection's peer is checked once more (SO_PEERCRED) before a
byte is read. Nothing listens on a TCP port: another user or a web page in a browser
on the kiosk cannot ask for a report or a test print. When no kiosk runs there (no
socket, or a stale one a crash left), `kiosk diag` opens the devices itself. The
report holds no personal data; a test print may be asked for.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlparse

from kiosk.diagnostics import collect
from kiosk.private_files import FILE_MODE, private_dir

if TYPE_CHECKING:
    from kiosk.bootstrap import Runtime

log = logging.getLogger(__name__)
SOCKET_FILE = "diag.sock"
_UCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid
_MAX_SUN_PATH = 100  # sockaddr_un holds 108 bytes; longer paths go through /proc/self/fd


def socket_path(data_dir: Path) -> Path:
    return Path(data_dir) / SOCKET_FILE


def peer_credentials(sock: socket.socket) -> tuple[int, int, int]:
    """(pid, uid, gid) of the process at the other end of a Unix socket (Linux)."""
    pid, uid, gid = _UCRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                  _UCRED.size))
    return pid, uid, gid


def trusted_peer(uid: int) -> bool:
    """The kiosk's own user, or root (who may read its data folder anyway)."""
    return uid in (os.getuid(), 0)


@contextlib.contextmanager
def _reachable(path: Path) -> Iterator[str]:
    """``path`` as bind() and connect() can take it: a socket address holds about 100
    bytes, so a longer one goes through the folder's descriptor (/proc/self/fd/N/name)."""
    if len(os.fsencode(path)) <= _MAX_SUN_PATH:
        yield str(path)
        return
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{folder}/{path.name}"
    finally:
        os.close(folder)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # http.server's naming
        url = urlparse(self.path)
        if url.path != "/diag":
            self.send_error(404)
            return
        test_print = parse_qs(url.query).get("test_print") == ["1"]
        with self.server.lock:  # one report at a time: devices answer one query at a time
            report = collect(self.server.runtime, test_print=test_print)
        body = json.dumps(report, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def address_string(self) -> str:
        return "local"  # a Unix socket's peer has no address

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("diag request: %s", format % args)


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    runtime: Runtime
    lock: threading.Lock

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """A second check behind the socket's mode: only the kiosk's user or root."""
        try:
            pid, uid, _gid = peer_credentials(request)
        except OSError:
            return False
        if trusted_peer(uid):
            return True
        log.warning("diagnostics refused a connection from uid %d (pid %d)", uid, pid)
        return False


class DiagServer:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._server: _Server | None = None
        self.path = socket_path(Path(runtime.config.kiosk.data_dir))

    def start(self) -> Path:
        """Listen on the socket, 0600 from the moment it has its name: it is bound under a
        temporary name, made 0600, then renamed over whatever a crash left there."""
        private_dir(self.path.parent)
        (self.path.parent / "diag.json").unlink(missing_ok=True)  # older versions' TCP address
        temporary = self.path.with_name(f".{SOCKET_FILE}.{os.getpid()}.tmp")
        temporary.unlink(missing_ok=True)
        with _reachable(temporary) as address:
            server = _Server(address, _Handler)
        try:
            os.chmod(temporary, FILE_MODE)
            os.replace(temporary, self.path)
        except BaseException:
            server.server_close()
            temporary.unlink(missing_ok=True)
            raise
        server.runtime = self._runtime
        server.lock = threading.Lock()
        threading.Thread(target=server.serve_forever, name="diag-server", daemon=True).start()
        self._server = server
        log.info("diagnostics answered on %s", self.path)
        return self.path

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            self.path.unlink(missing_ok=True)


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            with _reachable(self.socket_path) as address:
                sock.connect(address)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


def ask_running_kiosk(data_dir: Path, *, test_print: bool,
                      timeout_s: float = 30.0) -> dict[str, Any] | None:
    """The running kiosk's report, or None when no kiosk runs with this data folder."""
    path = socket_path(data_dir)
    if not path.exists():
        return None
    connection = _UnixConnection(path, timeout_s)
    try:
        connection.connect()
        kiosk_pid, _uid, _gid = peer_credentials(connection.sock)
        connection.request("GET", "/diag?" + urlencode({"test_print": int(test_print)}))
        answer = connection.getresponse()
        body = answer.read()
    except ConnectionRefusedError:
        return None  # a socket file without a kiosk behind it: a crash left it
    except (OSError, http.client.HTTPException) as exc:
        log.warning("the running kiosk did not answer on %s: %s", path, type(exc).__name__)
        return None
    finally:
        connection.close()
    if answer.status != 200:
        log.warning("the running kiosk answered HTTP %d on %s", answer.status, path)
        return None
    report: dict[str, Any] = json.loads(body)
    report["source"] = f"running kiosk, pid {kiosk_pid}"
    return report
