"""The agents that change a running kiosk from central, wired to it: the pushed
configuration's agent and the software update's, and the device and central health
check both run before they keep a change. kiosk.bootstrap builds the kiosk they change.
See docs/central.md#signed-configuration-and-staged-rollouts and
docs/operations.md#software-updates."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hardware.base import (
    DeviceStatus,
    DocumentReader,
    Health as DeviceHealth,
    PaymentTerminal,
    ReceiptPrinter,
)
from hardware.payment import open_terminal
from hardware.printer import open_printer
from hardware.reader import open_reader
from kiosk import __version__
from kiosk.bootstrap import Runtime, central_client, central_credentials, printer_profile
from kiosk.config import Config, load_config
from kiosk.domain.clock import SystemClock
from kiosk.errors import ConfigError
from kiosk.sd_notify import SystemdNotifier
from kiosk.sync.config_agent import (
    ConfigAgent,
    ConfigSlots,
    HealthCheck,
    site_loader,
    trusted_keys,
)
from kiosk.sync.periodic import PeriodicThread
from kiosk.sync.release_client import ReleaseClient
from kiosk.update.agent import TrialWatch, UpdateAgent
from kiosk.update.switch import Releases

log = logging.getLogger(__name__)

# --- pushed configuration: the agent and its health check ---------------------------------

HEALTH_CHECK_TIMEOUT_S = 2.0  # a health check waits this long at most per device or call


def config_health_check(running: Runtime | None = None, *,
                        timeout_s: float = HEALTH_CHECK_TIMEOUT_S) -> HealthCheck:
    """The check run after a pushed config is applied: the NEW config's printer, payment
    terminal and (if any) reader answer OK, and central answers /v1/health with the new
    central settings. A device whose URL did not change is asked through the running
    adapter (a second open of a serial line would be refused or disturb it)."""
    def check(config: Config) -> list[str]:
        problems: list[str] = []
        for name, status in _device_statuses(config, running, timeout_s):
            if status.health is not DeviceHealth.OK:
                problems.append(f"{name} {status.health.value}"
                                + (f" ({status.reason})" if status.reason else ""))
        central = central_client(config, timeout_s=min(config.central.timeout_s, timeout_s),
                                 get_retries=0)
        with central:
            if not central.health():
                problems.append("central unreachable")
        return problems
    return check


def _device_statuses(config: Config, running: Runtime | None,
                     timeout_s: float) -> list[tuple[str, DeviceStatus]]:
    """Each configured device's status; adapters opened here are closed here."""
    old = running.config if running is not None else None
    deps = running.services.bill_payment if running is not None else None
    statuses: list[tuple[str, DeviceStatus]] = []
    opened: list[ReceiptPrinter | PaymentTerminal | DocumentReader] = []
    try:
        if deps is not None and old is not None and old.printer.url == config.printer.url:
            statuses.append(("printer", deps.printer.status()))
        else:
            printer = open_printer(
                config.printer.url, printer_profile(config),
                status_timeout_s=min(config.printer.status_timeout_s, timeout_s),
                connect_timeout_s=min(config.printer.connect_timeout_s, timeout_s))
            opened.append(printer)
            statuses.append(("printer", printer.status()))
        if deps is not None and old is not None and old.payment.url == config.payment.url:
            statuses.append(("payment terminal", deps.terminal.status()))
        else:
            terminal = open_terminal(config.payment.url, baudrate=config.payment.baudrate,
                                     ack_timeout_s=min(config.payment.ack_timeout_s, timeout_s),
                                     card_timeout_s=config.payment.card_timeout_s,
                                     query_timeout_s=timeout_s)
            opened.append(terminal)
            statuses.append(("payment terminal", terminal.status()))
        if config.reader.url:
            if running is not None and running.reader is not None and old is not None \
                    and old.reader.url == config.reader.url:
                statuses.append(("reader", running.reader.status()))
            else:
                reader = open_reader(config.reader.url, baudrate=config.reader.baudrate,
                                     debounce_s=config.reader.debounce_s,
                                     status_timeout_s=timeout_s)
                opened.append(reader)
                statuses.append(("reader", reader.status()))
    finally:
        for device in opened:
            try:
                device.close()
            except Exception:
                log.exception("closing %s after the config health check failed",
                              type(device).__name__)
    return statuses


def build_config_agent(config: Config, *site_files: Path, session_idle: Callable[[], bool],
                       on_applied: Callable[[Config], None],
                       running: Runtime | None = None) -> ConfigAgent:
    """The agent for this kiosk (not started; call recover() before loading the config
    that will run, then start()). Its client is its own: it polls from its own thread."""
    clock = SystemClock(config.kiosk.timezone)
    return ConfigAgent(ConfigSlots.in_data_dir(Path(config.kiosk.data_dir)), central_client(config),
                       trusted_keys(config.sync.config_keys), site_loader(*site_files),
                       config_health_check(running), session_idle, on_applied, clock,
                       interval_s=config.sync.config_poll_interval_s)


def load_with_pushed(*site_files: Path) -> tuple[Config, ConfigAgent]:
    """Start-up: finish or roll back an apply a power cut interrupted, then load defaults <
    the last good pushed bundle < the site files. Returns the config and its agent (not
    started; build_runtime, then attach it with attach_config_agent)."""
    base = load_config(*site_files)
    agent = build_config_agent(base, *site_files, session_idle=lambda: False,
                               on_applied=lambda _config: None)
    agent.recover()
    layer = agent.slots.current_layer()
    try:
        return load_config(*site_files, pushed=layer), agent
    except ConfigError as exc:  # the site file changed under a bundle that was good
        log.error("pushed config version %s no longer loads (%s: %s); running without it",
                  agent.current_version(), exc.key, exc.reason)
        return base, agent


def attach_config_agent(runtime: Runtime, agent: ConfigAgent, *,
                        session_idle: Callable[[], bool],
                        on_applied: Callable[[Config], None]) -> None:
    """Give the agent the running kiosk: its idle test, what to do once a bundle is
    applied, and its devices for the health check (asked through the running adapters)."""
    agent.session_idle = session_idle
    agent.on_applied = on_applied
    agent.health_check = config_health_check(runtime)
    runtime.config_agent = agent
    agent.start()


# --- software updates (kiosk/update) -------------------------------------------------------


class ReadyWitness:
    """The UI's ServiceManager port in front of systemd's (or of nothing): it passes every
    call on and remembers that the UI said READY, the trial watch's "UI up"."""

    def __init__(self, inner: SystemdNotifier | None) -> None:
        self.inner = inner
        self.ui_up = threading.Event()

    @property
    def watchdog_interval_s(self) -> float | None:
        return self.inner.watchdog_interval_s if self.inner is not None else None

    def ready(self) -> None:
        self.ui_up.set()
        if self.inner is not None:
            self.inner.ready()

    def watchdog(self) -> None:
        if self.inner is not None:
            self.inner.watchdog()

    def status(self, text: str) -> None:
        if self.inner is not None:
            self.inner.status(text)


@dataclass
class Updater:
    agent: UpdateAgent
    rounds: PeriodicThread
    trial: TrialWatch

    def close(self) -> None:
        self.rounds.stop()
        self.trial.stop()


def build_updater(runtime: Runtime, ui_up: threading.Event,
                  on_rolled_back: Callable[[str], None]) -> Updater | None:
    """The update agent (rounds on their own thread and client) and, when this process is
    a new version on trial, the watch that keeps it once the devices and central answer
    and the UI is up, or switches back. None without update.root. Started here."""
    config = runtime.config
    if not config.update.root:
        return None
    releases = Releases(Path(config.update.root))
    client = ReleaseClient(config.central.url, timeout_s=config.central.timeout_s,
                           kiosk_id=config.kiosk.id, token=central_credentials(config),
                           clock=runtime.clock)
    agent = UpdateAgent(releases, client, trusted_keys(config.sync.config_keys),
                        running_version=__version__, now=runtime.clock.now)
    device_check = config_health_check(runtime)

    def problems() -> list[str]:
        found = device_check(config)
        return found if ui_up.is_set() else [*found, "UI not up"]

    rounds = PeriodicThread("update", agent.round, lambda: config.update.poll_interval_s)
    trial = TrialWatch(releases, __version__, problems, config.update.health_deadline_s,
                       on_rolled_back, on_kept=rounds.wake)
    if trial.start():
        log.info("update: %s started on trial; %g s to be healthy", __version__,
                 config.update.health_deadline_s)
    rounds.start()
    return Updater(agent, rounds, trial)
