"""The HTTP server the three providers share: the standard library's threading server on
127.0.0.1, one thread per connection, keep-alive like the providers' gateways.

The application function answers a Request with a Response, or None to drop the
connection without answering (the lost and silent faults).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from hardware.sim.qrpay.messages import Request, Response

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
App = Callable[[Request], Response | None]


class QrPayHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: App) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="qrpay-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: QrPayHttpServer
    protocol_version = "HTTP/1.1"
    server_version = "qrpay-sim/1"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            self.send_error(413 if length.isdigit() else 411)
            return
        body = self.rfile.read(int(length))
        response = self.server.app(Request(self.command, self.path, self.headers, body))
        if response is None:  # dropped: close without a byte of answer
            self.close_connection = True
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base's name)
        # Method, path and status only: a path carries order ids, never a person's data.
        logger.debug("qrpay http: %s", format % args)
