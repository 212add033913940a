"""Helpers of the QR payment simulator's tests: the merchant's notify URL that records
what the providers send, and the person's commands on the control line."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hardware.sim.control import send

NOTIFY_BACKOFF_S = 0.05  # the simulators the tests start retry at 0.05, 0.1, 0.2 s
NOTIFY_ATTEMPTS = 4
ACKS = {"/alipay": (200, b"success"), "/wechat": (204, b""), "/unionpay": (200, b"ok")}


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() on arrival


class NotifySink:
    """The merchant's notify URLs: /alipay, /wechat, /unionpay. Answers as each provider
    wants, after ``refuse_first`` refusals (HTTP 500)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse_first = 0
        self._changed = threading.Condition()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with sink._changed:
                    sink.received.append(Received(self.path, dict(self.headers), body,
                                                  time.monotonic()))
                    refuse = len(sink.received) <= sink.refuse_first
                    sink._changed.notify_all()
                status, answer = (500, b"busy") if refuse else ACKS[self.path]
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def url(self, provider: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/{provider}"

    def wait_for(self, count: int, timeout_s: float = 3.0) -> list[Received]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.received) >= count, timeout_s), \
                f"{len(self.received)} notifications, expected {count}"
            return list(self.received)

    def quiet_for(self, seconds: float) -> list[Received]:
        """What arrived after waiting ``seconds`` (for 'nothing more comes')."""
        time.sleep(seconds)
        with self._changed:
            return list(self.received)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def person(control: str, command: str, **fields: str) -> dict[str, Any]:
    """What `kiosk sim control ADDRESS command k=v...` sends, answered over the line."""
    return send(control, {"cmd": command, **fields})


def person_code(control: str, provider: str) -> str:
    answer = person(control, "code", provider=provider)
    assert answer["ok"], answer
    return str(answer["code"])


def settled_deliveries(control: str, timeout_s: float = 3.0) -> list[dict[str, Any]]:
    """The notifications command's list once no delivery is still being tried."""
    deadline = time.monotonic() + timeout_s
    while True:
        deliveries: list[dict[str, Any]] = person(control, "notifications")["notifications"]
        if all(d["acknowledged"] or d["lost"] or d["attempts"] >= d["max_attempts"]
               for d in deliveries):
            return deliveries
        assert time.monotonic() < deadline, deliveries
        time.sleep(0.02)
