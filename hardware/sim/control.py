"""A simulator's control line: switch faults (and present cards or documents) while it
runs, from tests, the demo or a technician's shell.

JSON lines over TCP on 127.0.0.1: one request object per line, one answer per line.
Every simulator understands {"cmd": "faults"} (list them), {"cmd": "set", "fault": NAME,
"value": V} and {"cmd": "clear"}; each adds its own commands (see docs/hardware/*.md).
Answers are {"ok": true, ...} or {"ok": false, "error": "..."}.

    kiosk sim control 127.0.0.1:PORT set paper_out
    kiosk sim control 127.0.0.1:PORT clear
"""

from __future__ import annotations

import json
import logging
import socket
import socketserver
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], dict[str, Any]]
MAX_LINE = 64 * 1024


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    handler: Handler


class _Connection(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        for raw in self.rfile:
            if len(raw) > MAX_LINE:
                self._answer({"ok": False, "error": "line too long"})
                return
            try:
                request = json.loads(raw)
                if not isinstance(request, dict):
                    raise ValueError("a request is a JSON object")
                answer = self.server.handler(request)
            except (ValueError, KeyError, TypeError) as exc:
                answer = {"ok": False, "error": str(exc)}
            self._answer(answer)

    def _answer(self, answer: dict[str, Any]) -> None:
        self.wfile.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
        self.wfile.flush()


class ControlServer:
    """Serves ``handler`` on 127.0.0.1 in a daemon thread."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.address = ""

    def start(self, port: int = 0, host: str = "127.0.0.1") -> str:
        server = _Server((host, port), _Connection)
        server.handler = self._handler
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="sim-control", daemon=True)
        self._thread.start()
        bound_host, bound_port = server.server_address[:2]
        self.address = f"{bound_host!s}:{bound_port}"
        logger.info("simulator control line on %s", self.address)
        return self.address

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def send(address: str, request: dict[str, Any], timeout_s: float = 5.0) -> dict[str, Any]:
    """Send one request to a simulator's control line and return its answer."""
    host, _, port = address.rpartition(":")
    with socket.create_connection((host, int(port)), timeout=timeout_s) as sock:
        sock.sendall(json.dumps(request).encode() + b"\n")
        with sock.makefile("rb") as answers:
            line = answers.readline(MAX_LINE)
    if not line:
        raise ConnectionError(f"no answer from the simulator at {address}")
    answer: dict[str, Any] = json.loads(line)
    return answer


def request_from_words(words: list[str]) -> dict[str, Any]:
    """`set paper_out`, `set paper_out_after_lines 5`, `clear`, `faults`, or any other
    command followed by KEY=VALUE pairs (`card pan=6228...`)."""
    if not words:
        raise ValueError("say what to do: faults | set NAME [VALUE] | clear | CMD KEY=VALUE...")
    cmd, rest = words[0], words[1:]
    if cmd == "set":
        if not rest:
            raise ValueError("set needs a fault name")
        value: Any = True
        if len(rest) > 1:
            value = int(rest[1]) if rest[1].lstrip("-").isdigit() else rest[1]
        return {"cmd": "set", "fault": rest[0], "value": value}
    request: dict[str, Any] = {"cmd": cmd}
    for pair in rest:
        key, sep, val = pair.partition("=")
        if not sep:
            raise ValueError(f"{pair!r}: expected KEY=VALUE")
        request[key] = val
    return request
