"""Run central in a background thread (uvicorn), for tests, the demo and the CLI.

The listening socket is bound here, before uvicorn starts, so ``start()`` knows the real
port even when port 0 asked the OS to choose one.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from types import TracebackType

import uvicorn
from fastapi import FastAPI

from central.alerts import AlertSettings
from central.api import create_app
from central.bodylimit import BodyLimits
from central.console import ConsoleSettings
from central.credentials import CredentialPolicy
from central.fleet import FleetSettings
from central.logsafe import uvicorn_log_config
from central.payments.providers import QrProviderClient
from central.ratelimit import RateLimits
from central.scheduler import SchedulerSettings
from central.timeutil import Clock
from kiosk.domain.qr import QrProvider

START_TIMEOUT_S = 15.0


class _PromptServer(uvicorn.Server):
    """uvicorn's server, stopping as soon as it is asked. uvicorn looks at should_exit
    every 0.1 s, then sleeps 0.1 s for the connections it told to close: 0.2 s for every
    stop, which the test suite (some 700 centrals) and every fresh demo restart pay."""

    _loop: asyncio.AbstractEventLoop | None = None
    _wake: asyncio.Event | None = None

    def exit_now(self) -> None:
        """Ask the server to stop, from any thread."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed meanwhile
                loop.call_soon_threadsafe(wake.set)

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's shutdown, waiting for the closed connections to go rather than a
        fixed 0.1 s; the rest (tasks, then the lifespan) as uvicorn does it."""
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        deadline = time.monotonic() + 0.1
        while self.server_state.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        try:
            async with asyncio.timeout(self.config.timeout_graceful_shutdown):
                await self._wait_tasks_to_complete()
        except TimeoutError:
            for task in self.server_state.tasks:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        if not self.force_exit:
            await self.lifespan.shutdown()


class CentralServer:
    def __init__(self, db_url: str, *, host: str = "127.0.0.1", port: int = 0,
                 seed_demo: bool = True, clock: Clock | None = None,
                 log_level: str = "warning", fleet: FleetSettings | None = None,
                 credentials: CredentialPolicy | None = None,
                 body_limits: BodyLimits | None = None,
                 rate_limits: RateLimits | None = None,
                 qr_providers: dict[QrProvider, QrProviderClient] | None = None,
                 public_url: str | None = None,
                 console: ConsoleSettings | None = None, alerts: AlertSettings | None = None,
                 scheduler: SchedulerSettings | None = None) -> None:
        """``public_url``: central's address as payment providers reach it (their
        notifications); default the address it listens on. ``console``: the admin
        console's session spans, cookies and refresh (central.console). ``alerts``,
        ``scheduler``: see create_app. ``app`` is the served app once started (its state
        holds the scheduler, for tests that run a round themselves)."""
        self.db_url = db_url
        self.host = host
        self.port = port
        self.seed_demo = seed_demo
        self.clock = clock
        self.log_level = log_level
        self.fleet = fleet
        self.credentials = credentials
        self.body_limits = body_limits
        self.rate_limits = rate_limits
        self.qr_providers = qr_providers
        self.public_url = public_url
        self.console = console
        self.alerts = alerts
        self.scheduler = scheduler
        self.url = ""
        self.app: FastAPI | None = None
        self._server: _PromptServer | None = None
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Open the database, listen, and return the base URL once requests are served."""
        if self._thread is not None:
            return self.url
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only
        # when the socket's proto says TCP, and proto 0 would leave Nagle on, costing
        # every response ~40 ms of delayed ACK (headers and body are separate writes).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        sock.set_inheritable(True)
        bound_port = sock.getsockname()[1]
        host = f"[{self.host}]" if family == socket.AF_INET6 else self.host
        url = f"http://{host}:{bound_port}"
        public_url = self.public_url or url
        try:
            app = create_app(self.db_url, seed_demo=self.seed_demo, clock=self.clock,
                             fleet=self.fleet, credentials=self.credentials,
                             body_limits=self.body_limits, rate_limits=self.rate_limits,
                             qr_providers=self.qr_providers, public_url=lambda: public_url,
                             console=self.console, alerts=self.alerts,
                             scheduler=self.scheduler)
        except BaseException:
            sock.close()
            raise
        config = uvicorn.Config(app, log_level=self.log_level, lifespan="on",
                                access_log=False, timeout_graceful_shutdown=5,
                                log_config=uvicorn_log_config())
        server = _PromptServer(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                  name=f"central-{bound_port}", daemon=True)
        self._server, self._socket, self._thread = server, sock, thread
        self.app = app
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("central did not start")
            time.sleep(0.01)
        self.url = url
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread; safe to call twice."""
        server, thread, sock = self._server, self._thread, self._socket
        self._server = self._thread = self._socket = None
        if server is not None:
            server.exit_now()
        if thread is not None:
            thread.join(timeout)
        if sock is not None:
            sock.close()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> CentralServer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
