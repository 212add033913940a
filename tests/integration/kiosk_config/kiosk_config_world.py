"""The world of the config agent tests: a tiny real HTTP server standing in for central's
two config routes and its health check (central's real routes are built elsewhere), so
the tests choose every byte served, truncated and garbled ones included; and the kiosk
around the agent (its session switch and what its callbacks saw)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kiosk.config import Config
from kiosk.sync.config_agent import ConfigAgent
from kiosk.sync.wire_config import SignedBundle, etag_of

KIOSK_ID = "SH-CN-CFG-01"


@dataclass
class Served:
    """What the fake central answers on GET /v1/config."""

    body: bytes | None = None  # None: 204, nothing for this kiosk
    etag: str | None = None
    cut_after: int | None = None  # promise the whole body, send this many bytes, hang up


@dataclass
class FakeCentral:
    served: Served = field(default_factory=Served)
    reports: list[dict[str, Any]] = field(default_factory=list)
    if_none_match: list[str | None] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self, signed: SignedBundle | None = None, *, body: bytes | None = None,
              etag: str | None = None, cut_after: int | None = None) -> None:
        if signed is not None:
            body = signed.model_dump_json().encode()
            etag = etag or etag_of(signed.bundle.version)
        self.served = Served(body=body, etag=etag, cut_after=cut_after)

    def start(self) -> None:
        central = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _json(self, status: int, data: object) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                if self.path == "/v1/health":
                    self._json(200, {"status": "ok", "version": "fake"})
                elif self.path == "/v1/config":
                    self._config()
                else:
                    self._json(404, {"code": "E_NOT_FOUND", "message": "no route"})

            def _config(self) -> None:
                served = central.served
                asked = self.headers.get("If-None-Match")
                central.if_none_match.append(asked)
                if served.body is None:
                    self.send_response(204)
                    self.end_headers()
                    return
                if asked is not None and asked == served.etag:
                    self.send_response(304)
                    self.send_header("ETag", served.etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(served.body)))
                if served.etag:
                    self.send_header("ETag", served.etag)
                self.end_headers()
                if served.cut_after is None:
                    self.wfile.write(served.body)
                else:
                    self.wfile.write(served.body[:served.cut_after])
                    self.wfile.flush()
                    self.close_connection = True

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path == "/v1/config/reports":
                    central.reports.append(body)
                    self._json(200, {"recorded": True})
                else:
                    self._json(404, {"code": "E_NOT_FOUND", "message": "no route"})

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Central goes away: the port refuses connections until start() again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def outcomes(self) -> list[tuple[int, str, str]]:
        return [(r["version"], r["outcome"], r["reason"]) for r in self.reports]


Sign = Callable[..., SignedBundle]


@dataclass
class Kiosk:
    """What the agent's callbacks saw, and a switch for a user session in progress."""

    in_session: bool = False
    applied: list[Config] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    checked: list[Config] = field(default_factory=list)

    def health_check(self, config: Config) -> list[str]:
        self.checked.append(config)
        return list(self.problems)


MakeAgent = Callable[..., ConfigAgent]


