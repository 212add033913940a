"""The only place that turns config into real or simulated adapters and wires them to the
services (docs/architecture.md#real-or-simulated-devices). Which device driver runs is
decided by its URL in config: a simulator is just another TCP address or serial port.
Nothing is opened at import."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from hardware.base import (
    DocumentReader,
    Keypad,
    PaymentCodeScanner,
)
from hardware.keypad import open_keypad
from hardware.payment import open_terminal
from hardware.printer import PrinterProfile, open_printer
from hardware.printer.encoding import python_codec
from hardware.reader import open_reader
from hardware.scanner import open_scanner
from kiosk import __version__
from kiosk.config import Config
from kiosk.diag_server import DiagServer
from kiosk.diagnostics import config_version
from kiosk.domain.bills import Biller
from kiosk.domain.clock import SystemClock
from kiosk.domain.qr import QrProvider
from kiosk.errors import ConfigError
from kiosk.i18n import Catalogs
from kiosk.private_files import private_dir
from kiosk.sd_notify import SystemdNotifier
from kiosk.services.availability import (
    CENTRAL,
    KEYPAD,
    PAYMENT,
    PRINTER,
    READER,
    SCANNER,
    DeviceWatch,
)
from kiosk.services.bill_payment import BillPaymentDeps
from kiosk.services.central_mark import CentralMark
from kiosk.services.disk_guard import DiskGuard
from kiosk.services.key_feed import KeyFeed
from kiosk.services.kiosk import KioskServices
from kiosk.services.maintenance import NightlyRestart, RestartWindow
from kiosk.services.payment_codes import ReaderCodes
from kiosk.services.ports import (
    DeviceLine,
    MaintenanceState,
    PaymentCodes,
    PrintReport,
    Speech,
    TechnicianReport,
)
from kiosk.services.qr_payment import QrPaySettings, QrTimings
from kiosk.services.slips import SlipHeader
from kiosk.services.tax_record import TaxDeps
from kiosk.services.technician import OutOfService, PinGate, RecentErrors, Technician
from kiosk.services.technician_events import AuditedTechnicianPort, TechnicianEvents
from kiosk.speech.espeak import EspeakSpeech
from kiosk.store import Store, open_store
from kiosk.sync.client import CentralClient
from kiosk.sync.config_agent import (
    ConfigAgent,
)
from kiosk.sync.forwarder import OutboxForwarder
from kiosk.sync.heartbeat import HeartbeatSender, HeartbeatSources
from kiosk.sync.periodic import PeriodicThread
from kiosk.sync.qr_client import QrOrdersClient
from kiosk.sync.rotation import CredentialRotator
from kiosk.update.switch import Releases

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp

log = logging.getLogger(__name__)

STORE_FILE = "kiosk.sqlite3"


@dataclass
class Runtime:
    """Everything one kiosk process runs; close() releases it all."""

    config: Config
    clock: SystemClock
    store: Store
    central: CentralClient
    forwarder: OutboxForwarder
    translator: Catalogs
    services: KioskServices
    reader: DocumentReader | None = None
    keypad: Keypad | None = None  # the tactile keypad, when [keypad] url names one
    scanner: PaymentCodeScanner | None = None  # the payment-code scanner ([qrpay] scan)
    diag_server: DiagServer | None = None
    heartbeat: HeartbeatSender | None = None
    config_agent: ConfigAgent | None = None
    technician: Technician | None = None
    recent_errors: RecentErrors | None = None
    rotator: CredentialRotator | None = None
    nightly_restart: NightlyRestart | None = None
    disk_guard: DiskGuard | None = None
    disk_guard_loop: PeriodicThread | None = None
    # The audio mode's voice (docs/accessibility.md): espeak-ng to the audio device.
    speech: Speech | None = None

    def close(self) -> None:
        if self.speech is not None:
            self.speech.stop()
        if self.rotator is not None:
            self.rotator.stop(timeout=5.0)
        if self.disk_guard_loop is not None:
            self.disk_guard_loop.stop(timeout=5.0)
        if self.recent_errors is not None:
            self.recent_errors.detach()
        if self.config_agent is not None:
            self.config_agent.stop(timeout=5.0)
        if self.diag_server is not None:
            self.diag_server.stop()
        if self.heartbeat is not None:
            self.heartbeat.stop(timeout=5.0)
            self.heartbeat.client.close()
        if self.services.watch is not None:
            self.services.watch.stop()
        self.forwarder.stop(timeout=5.0)
        deps = self.services.bill_payment
        for device in (deps.printer, deps.terminal, self.reader, self.keypad, self.scanner):
            if device is None:
                continue
            try:
                device.close()
            except Exception:  # closing must never hide the real error of a shutdown
                log.exception("closing %s failed", type(device).__name__)
        self.central.close()
        self.store.close()


def printer_profile(config: Config) -> PrinterProfile:
    p = config.printer
    for name in p.codepages:
        try:
            python_codec(name)
        except ValueError:
            raise ConfigError("configuration", "printer.codepages",
                              f"{name!r} is not a code page python-escpos knows") from None
    return PrinterProfile(escpos_profile=p.profile, chinese_mode=p.chinese_mode,
                          width_dots=p.paper_width_dots, chars_per_line=p.chars_per_line,
                          codepages=p.codepages, raster_everything=p.raster_everything)


def billers(config: Config) -> tuple[Biller, ...]:
    return tuple(
        Biller(id=b.id, type=b.type.value, name_zh=b.name_zh, name_en=b.name_en,
               account_pattern=b.account_pattern, account_example=b.account_example)
        for b in config.billers if b.enabled)


def _wire_submission_services(services: KioskServices, config: Config, central: CentralClient,
                              store: Store, forwarder: OutboxForwarder,
                              reader: DocumentReader | None, deps: BillPaymentDeps) -> None:
    """Registration, arbitration (both accepted offline through the outbox) and points."""
    sv = config.services
    common = {"reader": reader, "printer": deps.printer, "print_jobs": deps.print_jobs,
              "clock": deps.clock, "translator": deps.translator,
              "slip_header": deps.slip_header, "verify_url": verify_url(config),
              "read_timeout_s": sv.document_wait_s}
    submitting = {"submissions": store.submissions, "outbox": store.outbox, "waker": forwarder,
                  "submit_wait_s": sv.submit_wait_s}
    if sv.accommodation and reader is not None:
        from kiosk.services.stay import StayDeps

        services.stay = StayDeps(addresses=central, **common, **submitting)
    if sv.arbitration and reader is not None:
        from kiosk.services.arbitration import ArbitrationDeps

        services.arbitration = ArbitrationDeps(
            companies=central, kiosk_district=sv.commission_district,
            holidays=tuple(date.fromisoformat(day) for day in sv.holidays),
            **common, **submitting)
    if sv.points:
        from kiosk.services.points import PointsDeps

        services.points = PointsDeps(printer=deps.printer, print_jobs=deps.print_jobs,
                                     clock=deps.clock, translator=deps.translator,
                                     slip_header=deps.slip_header)


def qrpay_settings(config: Config) -> QrPaySettings:
    """[qrpay] for the bill payment: the apps offered, and how long and how often it
    waits (where codes are scanned: payment_codes)."""
    q = config.qrpay
    return QrPaySettings(
        providers=tuple(QrProvider(name) for name in q.providers),
        timings=QrTimings(code_ttl_s=q.code_ttl_s, confirm_wait_s=q.confirm_wait_s,
                          poll_s=q.poll_interval_s))


def payment_codes(config: Config, reader: DocumentReader | None
                  ) -> tuple[PaymentCodes | None, PaymentCodeScanner | None]:
    """Where payment codes are read ([qrpay] scan): the reader's barcode mode, or the
    payment-code scanner, opened here (no I/O until first use); the scanner, if any, is
    the runtime's to watch and close. (None, None): codes are only shown."""
    scan = config.qrpay.scan
    if scan == "scanner":
        s = config.scanner
        scanner = open_scanner(s.url, baudrate=s.baudrate, suffix=s.suffix)
        return scanner, scanner
    if scan == "reader" and reader is not None:
        return ReaderCodes(reader), None
    return None, None


def verify_url(config: Config) -> str:
    """The URL slips' QR codes open ({code} filled in per slip)."""
    return config.central.verify_url or config.central.url.rstrip("/") + "/v1/verify/{code}"


def help_url(config: Config) -> str:
    """Where the Help panel's QR code leads: central's help page of a step, at central's
    public address (that of central.verify_url when set: what phones reach), with
    {service}, {step} and {lang} filled in per step."""
    if config.central.verify_url:
        parts = urlsplit(config.central.verify_url)
        base = f"{parts.scheme}://{parts.netloc}"
    else:
        base = config.central.url.rstrip("/")
    return base + "/help/{service}/{step}?lang={lang}"


def central_token(config: Config) -> str:
    """The kiosk's credential now: central.token from config, else the enrolled credential
    (`kiosk enroll`) if it is this kiosk id's; empty if neither."""
    return central_credentials(config)()


def central_credentials(config: Config) -> Callable[[], str]:
    """What a CentralClient sends as the kiosk's credential, read per request: central.token
    from config, else the credential file (kiosk.sync.enrollment.StoredCredential), so a
    rotated credential reaches every client at once."""
    if config.central.token:
        token = config.central.token
        return lambda: token
    from kiosk.sync.enrollment import StoredCredential

    return StoredCredential(Path(config.kiosk.data_dir), config.kiosk.id)


def central_client(config: Config, *, timeout_s: float | None = None,
                   get_retries: int | None = None) -> CentralClient:
    """A client of central for this kiosk, carrying its credential (central_credentials,
    read per request, so a rotation reaches it at once). Every client the kiosk opens
    comes from here: the UI's, the forwarder's, the device watch's, the heartbeat's, the
    config agent's and the config health check's, so none of them can be left with the
    site file's empty central.token after `kiosk enroll`."""
    options: dict[str, int] = {} if get_retries is None else {"get_retries": get_retries}
    return CentralClient(config.central.url,
                         timeout_s=timeout_s if timeout_s is not None else config.central.timeout_s,
                         kiosk_id=config.kiosk.id, token=central_credentials(config),
                         clock=SystemClock(config.kiosk.timezone), **options)


def store_path(config: Config) -> Path:
    return Path(config.kiosk.data_dir) / STORE_FILE


def build_runtime(config: Config, *, background: bool = True) -> Runtime:
    """Wire everything. With ``background`` (the running kiosk) also start the outbox
    forwarder, the device watch and the diagnostics answer for `kiosk diag`."""
    clock = SystemClock(config.kiosk.timezone)
    private_dir(Path(config.kiosk.data_dir))  # 0700: payments, records, credential
    store = open_store(store_path(config), clock=clock)
    # One client (one requests.Session) per thread that uses it: the UI's worker and
    # the forwarder.
    central = central_client(config)
    forwarder = OutboxForwarder(store.outbox, central_client(config), clock,
                                interval_s=config.sync.forward_interval_s,
                                batch_size=config.sync.batch_size,
                                backoff_max_s=config.sync.backoff_max_s)
    printer = open_printer(config.printer.url, printer_profile(config),
                           status_timeout_s=config.printer.status_timeout_s,
                           connect_timeout_s=config.printer.connect_timeout_s)
    terminal = open_terminal(config.payment.url, baudrate=config.payment.baudrate,
                             ack_timeout_s=config.payment.ack_timeout_s,
                             card_timeout_s=config.payment.card_timeout_s)
    reader = (open_reader(config.reader.url, baudrate=config.reader.baudrate,
                          debounce_s=config.reader.debounce_s) if config.reader.url else None)
    codes, scanner = payment_codes(config, reader)
    translator = Catalogs()
    k = config.kiosk
    deps = BillPaymentDeps(
        directory=central, terminal=terminal, printer=printer, journal=store.payments,
        print_jobs=store.print_jobs, outbox=forwarder, clock=clock, translator=translator,
        slip_header=SlipHeader(kiosk_id=k.id, center_name_zh=k.center_name_zh,
                               center_name_en=k.center_name_en, location=k.location,
                               hotline=k.hotline),
        reader=reader,  # optional: the bill's barcode can always be typed
        verify_url=verify_url(config), qrpay=qrpay_settings(config), payment_codes=codes,
        # Always wired, also with no QR app offered: start-up recovery settles the QR
        # payments a kiosk made before its [qrpay] changed. The bill look-up's client:
        # recovery runs before the UI, the payment on the UI's worker like the look-up.
        qr_orders=QrOrdersClient(central),
        central_online=lambda: not watch.is_down(CENTRAL),
        device_gone=lambda part: watch.gone(part))
    # The watch has its own central client: it polls from its own thread.
    watched = {PRINTER: printer.status, PAYMENT: terminal.status}
    if reader is not None:
        watched[READER] = reader.status
    keypad = (open_keypad(config.keypad.url, baudrate=config.keypad.baudrate)
              if config.keypad.url else None)
    if keypad is not None:  # no service needs it: watched to be reported (kiosk diag)
        watched[KEYPAD] = keypad.status
    if scanner is not None:  # watched to grey "scan my app's code" while it is gone
        watched[SCANNER] = scanner.status
    watch = DeviceWatch(watched, central_client(config),
                        interval_s=config.health.poll_interval_s,
                        grace_polls=config.health.grace_polls)
    tax = None
    if config.services.tax_record and reader is not None:
        tax = TaxDeps(office=central, reader=reader, printer=printer,
                      print_jobs=store.print_jobs, clock=clock, translator=translator,
                      slip_header=deps.slip_header, verify_url=verify_url(config),
                      read_timeout_s=config.services.document_wait_s,
                      max_months=config.services.tax_max_months,
                      code_resend_s=config.services.tax_code_resend_s)
    services = KioskServices(kiosk_id=k.id, languages=k.languages,
                             default_language=k.default_language, billers=billers(config),
                             bill_payment=deps, watch=watch, tax=tax,
                             sale_timeout_s=config.payment.card_timeout_s)
    _wire_submission_services(services, config, central, store, forwarder, reader, deps)
    runtime = Runtime(config=config, clock=clock, store=store, central=central,
                      forwarder=forwarder, translator=translator, services=services,
                      reader=reader, keypad=keypad, scanner=scanner)
    runtime.speech = EspeakSpeech()
    runtime.technician, runtime.recent_errors = build_technician(runtime)
    runtime.nightly_restart, guard = build_maintenance(config, store, clock)
    runtime.disk_guard = guard
    runtime.heartbeat = _heartbeat(runtime, runtime.recent_errors, central_client(config))
    if not config.central.token:  # a credential in the site file is not the kiosk's to rotate
        runtime.rotator = CredentialRotator(config.central.url, k.id, Path(k.data_dir), clock,
                                            timeout_s=config.central.timeout_s)
    if background:
        forwarder.start()
        watch.start()
        runtime.heartbeat.start()
        if runtime.rotator is not None:
            runtime.rotator.start()
        runtime.diag_server = DiagServer(runtime)
        runtime.diag_server.start()
        runtime.disk_guard_loop = PeriodicThread(
            "disk-guard", guard.check_once,
            lambda: config.maintenance.disk_check_interval_s)
        runtime.disk_guard_loop.start()
    log.info("kiosk %s wired: printer %s, payment terminal %s, central %s",
             k.id, config.printer.url, config.payment.url, config.central.url)
    return runtime


def _heartbeat(runtime: Runtime, recent_errors: RecentErrors,
               client: CentralClient) -> HeartbeatSender:
    """The heartbeat sender (its own client: it posts from its own thread); its last error
    is the newest line of the log handler the technician screen reads too."""
    watch = runtime.services.watch

    def out_of_service_since() -> datetime | None:
        technician = runtime.technician
        return technician.out_of_service.since if technician is not None else None

    sources = HeartbeatSources(
        app_version=__version__, config_version=lambda: config_version(runtime),
        devices=watch.latest if watch is not None else dict,
        outbox_depth=runtime.store.outbox.depth, last_error=recent_errors.newest,
        data_dir=Path(runtime.config.kiosk.data_dir),
        outbox_parked=runtime.store.outbox.parked_count,
        out_of_service_since=out_of_service_since,
        central_mark_since=lambda: mark.since if mark is not None else None,
        maintenance=lambda: maintenance_state(runtime),
        update_state=update_state_source(runtime.config))
    mark = runtime.technician.central_mark if runtime.technician is not None else None
    return HeartbeatSender(client, sources, runtime.clock,
                           interval_s=runtime.config.sync.heartbeat_interval_s,
                           on_service_mark=mark.heard if mark is not None else None)


# --- upkeep: the nightly restart and the disk guard (docs/operations.md#maintenance) ------


def build_maintenance(config: Config, store: Store,
                      clock: SystemClock) -> tuple[NightlyRestart, DiskGuard]:
    """The nightly restart (asked by the UI once `kiosk run` attaches it) and the disk
    guard over the store's trim (run on its own thread by a background runtime)."""
    m = config.maintenance
    data_dir = Path(config.kiosk.data_dir)
    window = RestartWindow.parse(m.restart_window) if m.restart_enabled else None
    nightly = NightlyRestart(window, data_dir, clock,
                             min_uptime=timedelta(seconds=m.restart_min_uptime_s))
    guard = DiskGuard(data_dir, store.upkeep, clock, min_free_bytes=m.min_free_disk_mb * 2**20,
                      keep=timedelta(days=m.trim_keep_days))
    return nightly, guard


def attach_maintenance(app: KioskApp, runtime: Runtime) -> None:
    """`kiosk run`: the App asks the nightly restart while it rests (a clean exit, which
    systemd's Restart=always turns into a restart), and the disk guard trims the store
    only while the App rests (its VACUUM holds the store's lock for a moment)."""
    app.restart_due = runtime.nightly_restart.due if runtime.nightly_restart else None
    app.restart_check_s = runtime.config.maintenance.restart_check_s
    if runtime.disk_guard is not None:
        runtime.disk_guard.idle = lambda: app.at_rest


def maintenance_state(runtime: Runtime) -> MaintenanceState | None:
    nightly, guard = runtime.nightly_restart, runtime.disk_guard
    if nightly is None or guard is None:
        return None
    return MaintenanceState(
        up_since=nightly.up_since(), last_restart_at=nightly.last_restart,
        restart_window=str(nightly.window) if nightly.window is not None else None,
        low_disk=guard.low)


# --- technician mode: the screens' view of `kiosk diag` ------------------------------------


class RuntimeTechnicianPort:
    """ports.TechnicianPort over the running kiosk: kiosk.diagnostics for the report and
    the test print, the reprint service, the outbox table for the last delivery."""

    def __init__(self, runtime: Runtime, recent_errors: RecentErrors) -> None:
        self.runtime = runtime
        self.recent_errors = recent_errors

    def report(self) -> TechnicianReport:
        from kiosk.diagnostics import collect

        data = collect(self.runtime)
        devices = tuple(
            DeviceLine(name=name, health=dev["health"], reason=dev.get("reason"))
            for name, dev in data["devices"].items())
        return TechnicianReport(
            kiosk_id=data["kiosk"]["id"], app_version=data["kiosk"]["version"],
            config_version=data["kiosk"]["config_version"], devices=devices,
            outbox_depth=data["store"]["outbox_depth"],
            last_delivery=self.runtime.store.outbox.last_delivered_at(),
            central_reachable=data["central"]["reachable"],
            problems=tuple(data["problems"]), warnings=tuple(data["warnings"]),
            recent_errors=tuple(self.recent_errors.lines()),
            parked_count=data["store"]["outbox_parked"],
            parked=tuple(self.runtime.store.outbox.parked()))

    def test_print(self) -> PrintReport:
        from kiosk.diagnostics import collect

        result = collect(self.runtime, test_print=True)["test_print"]
        return PrintReport(reference=result["reference"], outcome=result["outcome"],
                           reason=result["reason"])

    def reprint(self, reference: str) -> PrintReport:
        result = self.runtime.services.reprint(reference)
        return PrintReport(reference=reference, outcome=result.outcome.value,
                           reason=result.reason)


def build_technician(runtime: Runtime) -> tuple[Technician, RecentErrors]:
    """The PIN gate, the out-of-service switch and central's mark (files in data_dir)
    and the port; the PIN, the switch, central's mark, test prints and reprints report
    to central's audit trail through the outbox."""
    recent = RecentErrors(zone=runtime.config.kiosk.timezone)
    recent.attach("kiosk", "hardware")
    t = runtime.config.technician
    events = TechnicianEvents(runtime.config.kiosk.id, runtime.store.technician_events,
                              runtime.clock, runtime.forwarder)
    gate = PinGate(t.pin_hash, max_tries=t.lockout_tries, lockout_s=t.lockout_s,
                   events=events)
    out_of_service = OutOfService(Path(runtime.config.kiosk.data_dir))
    if out_of_service.active:
        log.warning("kiosk starts out of service (a technician switched it off)")
    out_of_service.listeners.append(events.switched)
    central_mark = CentralMark(Path(runtime.config.kiosk.data_dir), runtime.clock, events)
    if central_mark.active:
        log.warning("kiosk starts out of service (central's mark)")
    return Technician(gate=gate, out_of_service=out_of_service,
                      port=AuditedTechnicianPort(RuntimeTechnicianPort(runtime, recent), events),
                      events=events, central_mark=central_mark), recent


def build_app(runtime: Runtime) -> KioskApp:
    """The Kivy App over the runtime's services. Call kiosk.ui.kivy_env.configure() first:
    this imports Kivy."""
    from kiosk.ui.app import KioskApp, UiSettings

    k, ui = runtime.config.kiosk, runtime.config.ui
    settings = UiSettings(center_name_zh=k.center_name_zh, center_name_en=k.center_name_en,
                          hotline=k.hotline, idle_timeout_s=ui.idle_timeout_s,
                          idle_countdown_s=ui.idle_countdown_s, attract_cycle_s=ui.attract_cycle_s,
                          help_url=help_url(runtime.config))
    app = KioskApp(runtime.services, runtime.translator, settings,
                   technician=runtime.technician)
    app.between_sessions = release_freed_memory
    app.speech = runtime.speech
    if runtime.keypad is not None:
        app.keys = KeyFeed(runtime.keypad)  # listened to once the App starts
    app.service_manager = SystemdNotifier.from_environment()
    return app


def release_freed_memory() -> bool:
    """Give the C heap's free pages back to the system (glibc's malloc_trim), between
    sessions: glibc keeps what the UI freed (texts, textures, the session's widgets) for
    reuse, and a kiosk that runs for months would otherwise carry its busiest moment's
    heap for good. Measured with bench/ui_session_memory.py: about 100 MB less RSS.
    False where there is no glibc."""
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)
    return True


# --- software updates (kiosk/update) -------------------------------------------------------


def update_state_source(config: Config) -> Callable[[], str | None]:
    """What heartbeats say of the software update: the state file's state, or None on a
    kiosk without a software root (update.root empty)."""
    if not config.update.root:
        return lambda: None
    releases = Releases(Path(config.update.root))
    return lambda: releases.read_state().state
