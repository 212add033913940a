"""The running kiosk answers `kiosk diag` itself.

Serial devices are held by the running kiosk (a second process must not talk on its
line), so `kiosk diag` asks the kiosk for its report over HTTP on 127.0.0.1 instead of
opening the devices again. The kiosk announces the address in <data_dir>/diag.json; when
no kiosk runs there, `kiosk diag` opens the devices itself. The report holds no personal
data; a test print may be asked for.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

import requests

from kiosk.diagnostics import collect

if TYPE_CHECKING:
    from kiosk.bootstrap import Runtime

log = logging.getLogger(__name__)
ANNOUNCE_FILE = "diag.json"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
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

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("diag request: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    runtime: Runtime
    lock: threading.Lock


class DiagServer:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._server: _Server | None = None
        self._announce = Path(runtime.config.kiosk.data_dir) / ANNOUNCE_FILE

    def start(self) -> str:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.runtime = self._runtime
        server.lock = threading.Lock()
        threading.Thread(target=server.serve_forever, name="diag-server", daemon=True).start()
        self._server = server
        url = f"http://127.0.0.1:{server.server_address[1]}"
        tmp = self._announce.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps({"url": url, "pid": os.getpid()}))
        tmp.replace(self._announce)
        log.info("diagnostics answered at %s", url)
        return url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            self._announce.unlink(missing_ok=True)


def ask_running_kiosk(data_dir: Path, *, test_print: bool,
                      timeout_s: float = 30.0) -> dict[str, Any] | None:
    """The running kiosk's report, or None when no kiosk runs with this data folder."""
    announce = data_dir / ANNOUNCE_FILE
    try:
        info = json.loads(announce.read_text())
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    try:
        answer = requests.get(f"{info['url']}/diag", params={"test_print": int(test_print)},
                              timeout=timeout_s)
        answer.raise_for_status()
    except requests.RequestException as exc:
        log.warning("the running kiosk (pid %s) did not answer: %s", info["pid"], exc)
        return None
    report: dict[str, Any] = answer.json()
    report["source"] = f"running kiosk, pid {info['pid']}"
    return report
