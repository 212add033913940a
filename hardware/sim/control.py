"""A simulator's control line: switch faults (and present cards or documents) while it
runs, from tests, the demo or a technician's shell.

JSON lines over TCP on 127.0.0.1: one request object per line, one answer per line.
Every simulator answers the same three commands the same way (``fault_handler``):

    {"cmd": "faults"}                          -> {"ok": true, "faults": {name: what it does},
                                                   "active": {name: value}, ...}
    {"cmd": "set", "fault": NAME, "value": V}  -> {"ok": true, "active": {...}}
    {"cmd": "clear"} / {"cmd": "clear", "fault": NAME}  -> {"ok": true, "active": {...}}

and adds its own (printer: jobs; payment: card, ledger, replug; reader: present; see
docs/hardware/*.md). Errors are {"ok": false, "error": "..."}. A value may be JSON or the
words a shell sends: true/on/yes, false/off/no, a whole number; false switches a fault off.

Fault names are shared where the behaviour is (SHARED_FAULTS): ``silent`` (connected,
answers nothing), ``unplugged`` (gone until cleared), ``garbage`` (bytes on the line that
are not the protocol). A printer fault the kiosk reports has the kiosk's reason code as
its name (paper_out, cover_open...). Older names (ALIASES) are still understood.

    kiosk sim control 127.0.0.1:PORT set paper_out
    kiosk sim control 127.0.0.1:PORT clear paper_out
    kiosk sim control 127.0.0.1:PORT clear
"""

from __future__ import annotations

import json
import logging
import socket
import socketserver
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], dict[str, Any]]
MAX_LINE = 64 * 1024

SILENT = "silent"  # connected, but answers nothing: a hung device
UNPLUGGED = "unplugged"  # the device is gone (port closed or refused) until cleared
GARBAGE = "garbage"  # bytes on the line that are not the protocol
SHARED_FAULTS = (SILENT, UNPLUGGED, GARBAGE)
ALIASES = {"unplug": UNPLUGGED, "noise": GARBAGE}  # the reader's names before they were shared
COMMON_COMMANDS = ("faults", "set", "clear")

_TRUE = frozenset({"true", "on", "yes"})
_FALSE = frozenset({"false", "off", "no"})


def canonical_fault(name: str, known: Mapping[str, str] | None = None) -> str:
    """The shared name for ``name`` (an alias becomes its new name); with ``known``, a
    name it does not hold is refused with the same words by every simulator."""
    name = ALIASES.get(name, name)
    if known is not None and name not in known:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(known))}")
    return name


def fault_value(value: object) -> object:
    """A value as a shell sends it, made JSON-like: "on" -> True, "off" -> False,
    "1200" -> 1200; any other value as it is (each simulator checks what it takes)."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        if word.isdigit():
            return int(word)
    return value


@dataclass(frozen=True)
class FaultSwitches:
    """What the shared commands need of a simulator: its faults and what each does,
    those switched on (JSON-able), and how to switch one (False: off) or all off."""

    described: Mapping[str, str]
    active: Callable[[], dict[str, Any]]
    set: Callable[[str, Any], None]
    clear: Callable[[], None]
    listing: Callable[[], dict[str, Any]] = field(default=dict)  # more for "faults"


def fault_handler(switches: FaultSwitches,
                  commands: Mapping[str, Handler] | None = None) -> Handler:
    """The request -> answer function of a simulator's control line: faults, set and
    clear as every simulator answers them, then the simulator's own ``commands``."""
    own = dict(commands or {})
    names = ", ".join((*COMMON_COMMANDS, *own))

    def fault_name(request: dict[str, Any]) -> str:
        name = request.get("fault")
        if not isinstance(name, str) or not name:
            raise ValueError(f"{request.get('cmd')} needs a fault name")
        return canonical_fault(name, switches.described)

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        command = request.get("cmd")
        if command == "faults":
            return {"ok": True, "faults": dict(switches.described),
                    "active": switches.active(), **switches.listing()}
        if command == "set":
            switches.set(fault_name(request), fault_value(request.get("value", True)))
            return {"ok": True, "active": switches.active()}
        if command == "clear":
            if "fault" in request:
                switches.set(fault_name(request), False)
            else:
                switches.clear()
            return {"ok": True, "active": switches.active()}
        if isinstance(command, str) and command in own:
            return own[command](request)
        raise ValueError(f"unknown command {command!r} (one of: {names})")

    return handle


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
            except (ValueError, KeyError, TypeError, RuntimeError) as exc:
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
    """`set paper_out`, `set paper_out_after_lines 5`, `clear`, `clear paper_out`,
    `faults`, or any other command followed by KEY=VALUE pairs (`card pan=6228...`)."""
    if not words:
        raise ValueError("say what to do: faults | set NAME [VALUE] | clear [NAME] | "
                         "CMD KEY=VALUE...")
    cmd, rest = words[0], words[1:]
    if cmd == "set":
        if not rest:
            raise ValueError("set needs a fault name")
        value: Any = True
        if len(rest) > 1:
            value = int(rest[1]) if rest[1].lstrip("-").isdigit() else rest[1]
        return {"cmd": "set", "fault": rest[0], "value": value}
    if cmd == "clear" and len(rest) == 1 and "=" not in rest[0]:
        return {"cmd": "clear", "fault": rest[0]}
    request: dict[str, Any] = {"cmd": cmd}
    for pair in rest:
        key, sep, val = pair.partition("=")
        if not sep:
            raise ValueError(f"{pair!r}: expected KEY=VALUE")
        request[key] = val
    return request
