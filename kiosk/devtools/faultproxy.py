"""A fault-injecting TCP proxy on loopback, for tests and benchmarks (never imported by
production code): it stands between the kiosk and central and, per connection, forwards
faithfully or breaks the exchange in one of the ways a real network does.

Modes (switchable at run time with ``set_mode``, or drawn per connection from seeded
weights with ``set_mix``):

- ``PASS``: bytes both ways untouched (keep-alive works).
- ``DROP``: accept, then close without reading a byte: the request never reaches central.
- ``DELAY``: hold the request ``delay_s`` before forwarding it (beyond the client's
  timeout): central may process it after the client has given up.
- ``RESET``: forward the request, send part of central's answer, then RST (SO_LINGER 0):
  central processed it, the answer is lost.
- ``HTTP_5XX``: answer ``503`` itself without forwarding: central never sees the request.
- ``TRUNCATE``: forward, then send the headers and part of the body and close (FIN):
  central processed it, the client reads an incomplete body.
- ``TRUNCATE_FRAMED``: like TRUNCATE, but Content-Length is rewritten to the part sent,
  so the HTTP framing is valid and only the JSON is cut (a broken middlebox's answer).
- ``POISON``: a request whose bytes hold the ``poison`` marker is answered ``500
  E_INTERNAL`` without reaching central (a record central fails on, whatever batch it
  travels in); any other is forwarded and answered faithfully.

The fault modes handle one HTTP/1.1 exchange per connection (Content-Length bodies, as
requests and uvicorn send them) and then close; switching modes closes the connections
already open, so a pooled keep-alive connection cannot carry on in the old mode.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import random
import socket
import struct
import threading
import time
from collections import Counter
from types import TracebackType

log = logging.getLogger(__name__)

IO_TIMEOUT_S = 5.0  # no proxy thread waits longer than this on a silent peer
_CHUNK = 65536


class Mode(enum.Enum):
    PASS = "pass"
    DROP = "drop"
    DELAY = "delay"
    RESET = "reset"
    HTTP_5XX = "http_5xx"
    TRUNCATE = "truncate"
    TRUNCATE_FRAMED = "truncate_framed"
    POISON = "poison"


FAULT_MODES: tuple[Mode, ...] = tuple(mode for mode in Mode
                                      if mode not in (Mode.PASS, Mode.POISON))

_BODY_503 = (b'{"code":"E_CENTRAL_UNAVAILABLE","message":"injected by fault proxy",'
             b'"detail":{}}')
_RESPONSE_503 = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                 b"Content-Length: " + str(len(_BODY_503)).encode() +
                 b"\r\nConnection: close\r\n\r\n" + _BODY_503)
_BODY_500 = b'{"code":"E_INTERNAL","message":"internal error","detail":{}}'
_RESPONSE_500 = (b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                 b"Content-Length: " + str(len(_BODY_500)).encode() +
                 b"\r\nConnection: close\r\n\r\n" + _BODY_500)


class FaultProxy:
    """Listens on 127.0.0.1:0 and forwards to ``upstream`` (host, port)."""

    def __init__(self, upstream: tuple[str, int], *, delay_s: float = 1.0,
                 seed: int = 0) -> None:
        self.upstream = upstream
        self.delay_s = delay_s
        self.poison = b""  # Mode.POISON: the marker of the requests answered 500
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._mode = Mode.PASS
        self._mix: list[tuple[Mode, float]] = []
        self._connections: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        self._stopping = threading.Event()
        self.counts: Counter[Mode] = Counter()  # connections handled, by mode
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.1)  # lets the accept loop notice stop()
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._acceptor: threading.Thread | None = None

    # --- control -----------------------------------------------------------------------

    def start(self) -> FaultProxy:
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True,
                                          name=f"faultproxy-{self.port}")
        self._acceptor.start()
        return self

    def set_mode(self, mode: Mode, *, delay_s: float | None = None,
                 poison: bytes | None = None) -> None:
        """Every new connection gets ``mode``; open connections are closed."""
        if mode is Mode.POISON and not (poison or self.poison):
            raise ValueError("POISON needs the marker of the requests to fail")
        with self._lock:
            self._mode = mode
            self._mix = []
            if delay_s is not None:
                self.delay_s = delay_s
            if poison is not None:
                self.poison = poison
        self.close_connections()

    def set_mix(self, weights: dict[Mode, float]) -> None:
        """Each new connection draws its mode from ``weights`` with the seeded RNG."""
        if not weights or any(w < 0 for w in weights.values()) or not sum(weights.values()):
            raise ValueError("weights must be non-negative and not all zero")
        with self._lock:
            self._mix = list(weights.items())
        self.close_connections()

    @property
    def mode(self) -> Mode:
        with self._lock:
            return self._mode

    def close_connections(self) -> None:
        with self._lock:
            open_now = list(self._connections)
        for sock in open_now:
            _close(sock)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self.close_connections()
        if self._acceptor is not None:
            self._acceptor.join(timeout)
        self._listener.close()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # --- plumbing ----------------------------------------------------------------------

    def _pick_mode(self) -> Mode:
        with self._lock:
            if self._mix:
                modes, weights = zip(*self._mix, strict=True)
                mode: Mode = self._rng.choices(modes, weights)[0]
            else:
                mode = self._mode
            self.counts[mode] += 1
            return mode

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            mode = self._pick_mode()
            thread = threading.Thread(target=self._serve, args=(client, mode), daemon=True)
            with self._lock:
                self._threads.add(thread)
            thread.start()

    def _track(self, *socks: socket.socket) -> None:
        for sock in socks:  # no Nagle: the proxy must not add delayed-ACK stalls of its own
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._connections.update(socks)

    def _serve(self, client: socket.socket, mode: Mode) -> None:
        client.settimeout(IO_TIMEOUT_S)
        self._track(client)
        upstream: socket.socket | None = None
        try:
            if mode is Mode.DROP:
                return
            if mode is Mode.HTTP_5XX:
                _read_http_message(client)
                client.sendall(_RESPONSE_503)
                return
            if mode is Mode.DELAY and self._stopping.wait(self.delay_s):
                return
            upstream = socket.create_connection(self.upstream, timeout=IO_TIMEOUT_S)
            self._track(upstream)
            if mode in (Mode.PASS, Mode.DELAY):
                _pipe(client, upstream)
                return
            request = _read_http_message(client)
            if mode is Mode.POISON and self.poison in request:
                client.sendall(_RESPONSE_500)
                return
            upstream.sendall(request)
            response = _read_http_message(upstream)
            if mode is Mode.POISON:
                client.sendall(response)
            elif mode is Mode.RESET:
                client.sendall(response[:max(1, len(response) // 2)])
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                  struct.pack("ii", 1, 0))
            else:
                client.sendall(_truncated(response, framed=mode is Mode.TRUNCATE_FRAMED))
        except OSError as exc:
            log.debug("fault proxy %s connection ended: %s", mode.value, type(exc).__name__)
        finally:
            with self._lock:
                self._connections.discard(client)
                if upstream is not None:
                    self._connections.discard(upstream)
                self._threads.discard(threading.current_thread())
            _close(client)
            if upstream is not None:
                _close(upstream)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def _read_http_message(sock: socket.socket) -> bytes:
    """One HTTP/1.1 request or response with a Content-Length body (or none)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(_CHUNK)
        if not chunk:
            raise ConnectionError("peer closed before the headers ended")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(_CHUNK)
        if not chunk:
            raise ConnectionError("peer closed before the body ended")
        body += chunk
    return head + b"\r\n\r\n" + body


def _truncated(response: bytes, *, framed: bool) -> bytes:
    """All the headers and half the body; ``framed``: Content-Length says the half."""
    head, _, body = response.partition(b"\r\n\r\n")
    part = body[:len(body) // 2]
    if framed:
        lines = [line for line in head.split(b"\r\n")
                 if not line.lower().startswith(b"content-length:")]
        head = b"\r\n".join([*lines, b"content-length: " + str(len(part)).encode()])
    return head + b"\r\n\r\n" + part


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    """Copy both ways until either side closes (the other direction in a helper thread)."""
    def copy(source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(_CHUNK):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            # Half-close: the peer sees the end of this direction.
            with contextlib.suppress(OSError):
                target.shutdown(socket.SHUT_WR)

    # An idle keep-alive connection may sit for a while: no timeout on the reads here;
    # stop() and set_mode() end it by closing the sockets.
    client.settimeout(None)
    upstream.settimeout(None)
    back = threading.Thread(target=copy, args=(upstream, client), daemon=True)
    back.start()
    copy(client, upstream)
    deadline = time.monotonic() + IO_TIMEOUT_S
    back.join(max(0.0, deadline - time.monotonic()))
