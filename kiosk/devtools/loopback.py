"""The whole system in one process on loopback: central over HTTP, the printer simulator
on TCP, the payment simulator on a pty, and a kiosk runtime wired to them by config;
with ``qrpay``, the QR payment providers' simulator over HTTP too, central holding its
merchant keys and the kiosk offering the three apps (docs/payments-qr.md), payment codes
read by the reader's barcode mode or (``scan="scanner"``) by the payment-code scanner's
simulator on a pty.
Used by the tests and the screenshot script (the demo runs them as child processes).

The kiosk is enrolled for real before its runtime is built: an admin token is put into
central's database, an enrollment is made through the admin API and spent by
kiosk.sync.enrollment, so the runtime finds its credential in its data dir."""

from __future__ import annotations

import atexit
import contextlib
import json
import shutil
import socket
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import requests

from central.db import make_engine, migrate
from central.enrollment import EnrollmentService
from central.payments.config import load_providers
from central.payments.providers import QrProviderClient
from central.ratelimit import Rate, RateLimits
from central.server import CentralServer
from central.service import CentralService
from central.timeutil import ShanghaiClock, in_shanghai
from hardware.sim.keypad import KeypadSimulator
from hardware.sim.payment import PaymentSimulator
from hardware.sim.printer import PrinterSimulator
from hardware.sim.qrpay import QrPaySimulator
from hardware.sim.qrpay.ledger import Provider
from hardware.sim.reader import ReaderSimulator
from hardware.sim.scanner import ScannerSimulator
from kiosk.bootstrap import Runtime, build_runtime
from kiosk.config import Config, load_config
from kiosk.domain.qr import QrProvider
from kiosk.sync.enrollment import enroll, read_credential

# The scripted users of the UI tests and the screenshot walk ask for one-time codes for
# the demo taxpayer's phone many times a minute: here central lets them (its own tests
# check the limits; a UI test that shows one restarts central with it).
# Central, the simulators and the UI share a process and the machine with other test
# processes: an answer that takes central milliseconds can take seconds here, and a
# time-out would fail a test for the machine's load, not for what it tests. Tests about
# time-outs set their own.
LOOPBACK_CENTRAL_TIMEOUT_S = 30.0
# How long central waits for the QR providers' simulator: an answer in milliseconds, or
# seconds on a loaded machine.
QR_PROVIDER_TIMEOUT_S = 10.0

SCRIPTED_USER_LIMITS = RateLimits(codes_per_phone=(Rate(10_000, 60),),
                                  codes_per_kiosk=(Rate(10_000, 60),))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class System:
    tmp: Path
    central: CentralServer
    printer: PrinterSimulator
    payment: PaymentSimulator
    reader: ReaderSimulator
    keypad: KeypadSimulator
    config: Config
    runtime: Runtime
    admin_token: str = ""
    rate_limits: RateLimits = SCRIPTED_USER_LIMITS
    qrpay: QrPaySimulator | None = None  # the providers' simulator, when QR is on
    scanner: ScannerSimulator | None = None  # the payment-code scanner, with scan="scanner"
    _generation: int = 0

    @property
    def central_url(self) -> str:
        return self.config.central.url

    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def kiosk_headers(self) -> dict[str, str]:
        stored = read_credential(Path(self.config.kiosk.data_dir))
        return {"Authorization": f"Bearer {stored.credential if stored else ''}"}

    def other_kiosk_headers(self, kiosk_id: str) -> dict[str, str]:
        """Headers of another enrolled kiosk (its credential put straight into central's
        database), for a test that plays a second kiosk."""
        with _enrollment(self.central.db_url) as enrollment:
            credential = enrollment.issue_credential(kiosk_id)
        return {"Authorization": f"Bearer {credential}", "X-Kiosk-Id": kiosk_id}

    def central_payments(self) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.central_url}/v1/admin/payments",
                              timeout=LOOPBACK_CENTRAL_TIMEOUT_S, headers=self.admin_headers())
        answer.raise_for_status()
        payments: list[dict[str, Any]] = answer.json()["payments"]
        return payments

    def demo_sms_code(self, otp_session: str) -> str:
        """The one-time code central's demo SMS gateway "sent" (what the phone shows)."""
        answer = requests.get(f"{self.central_url}/v1/demo/sms",
                              params={"otp_session": otp_session},
                              timeout=LOOPBACK_CENTRAL_TIMEOUT_S)
        answer.raise_for_status()
        code: str = answer.json()["code"]
        return code

    def present_document(self, name: str) -> None:
        """Place the reader simulator's specimen ``name`` on the reader (the scripted
        user of the walkthroughs)."""
        self.reader.present(name)

    def pay_shown_code(self, qr_content: str) -> None:
        """The person's app scans the code on the kiosk's screen and pays it (the
        walkthroughs' person with a payment app, kiosk.ui.walkthrough_qr.QrPerson)."""
        self._providers().bank.pay_shown(qr_content)

    def payment_code(self, provider: str) -> str:
        """A fresh payment code, as ``provider``'s app shows it to be scanned."""
        return self._providers().bank.codes.issue(Provider(provider))

    def present_barcode(self, text: str) -> None:
        """Hold ``text`` to the reader in its barcode mode (a bill's or an app's code)."""
        self.reader.present_barcode(text)

    def hold_to_scanner(self, code: str) -> None:
        """Hold an app's payment code to where this kiosk reads them: the payment-code
        scanner when it has one, else the reader's barcode mode."""
        if self.scanner is not None:
            self.scanner.scan(code)
        else:
            self.reader.present_barcode(code)

    def _providers(self) -> QrPaySimulator:
        if self.qrpay is None:
            raise RuntimeError("no QR payment providers: running_system(qrpay=True)")
        return self.qrpay

    def restart_central(self, *, fresh_data: bool = False,
                        rate_limits: RateLimits | None = None) -> None:
        """Central comes back on the same address, with the same database or, with
        ``fresh_data``, with the demo data as new; with ``rate_limits`` if given, else
        the scripted user's (SCRIPTED_USER_LIMITS)."""
        self.central.stop()
        db_url = self.central.db_url
        if fresh_data:
            self._generation += 1
            fresh = self.tmp / f"central-{self._generation}.sqlite3"
            DEMO_DATABASES.copy_to(fresh)
            db_url = f"sqlite:///{fresh}"
        self.central = CentralServer(db_url, port=self.central.port, seed_demo=True,
                                     rate_limits=rate_limits or self.rate_limits,
                                     qr_providers=self.central.qr_providers)
        self.central.start()
        if fresh_data:  # the new database knows neither the admin nor the kiosk yet
            stored = read_credential(Path(self.config.kiosk.data_dir))
            with _enrollment(db_url) as enrollment:
                enrollment.ensure_admin_token(self.admin_token, "loopback")
                if stored is not None:
                    enrollment.issue_credential(stored.kiosk_id, credential=stored.credential)
        # The device watch polls every few seconds; a test starting a central-backed
        # service right away must not find it still greyed out from the outage.
        watch = self.runtime.services.watch
        if watch is not None:
            watch.poll_once()

    def write_site_file(self, extra: dict[str, dict[str, Any]] | None = None) -> Path:
        """The runtime's settings as a site file, for commands like `kiosk reprint` and
        the kill trials' kiosk processes; ``extra`` adds or overrides keys per section."""
        c = self.config
        sections: dict[str, dict[str, Any]] = {
            "kiosk": {"id": c.kiosk.id, "data_dir": str(c.kiosk.data_dir)},
            "central": {"url": c.central.url},
            "printer": {"url": c.printer.url},
            "payment": {"url": c.payment.url, "card_timeout_s": c.payment.card_timeout_s},
            "reader": {"url": c.reader.url},
            "keypad": {"url": c.keypad.url},
            "scanner": {"url": c.scanner.url, "suffix": c.scanner.suffix},
            "qrpay": {"scan": c.qrpay.scan},
        }
        for section, values in (extra or {}).items():
            sections.setdefault(section, {}).update(values)
        lines: list[str] = []
        for section, values in sections.items():
            lines.append(f"[{section}]")
            # JSON's strings, numbers, booleans and lists are TOML's too
            lines.extend(f"{key} = {json.dumps(value)}" for key, value in values.items())
        path = self.tmp / "site.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


class DemoDatabases:
    """Central's demo database, migrated and seeded once per process and day, then copied
    for every central a loopback system starts or restarts with fresh data: the same
    database central would make of an empty file, without every migration and the seed
    each time (most of a second; the UI tests start a fresh central a dozen times)."""

    def __init__(self) -> None:
        self._folder: Path | None = None
        self._made: dict[date, Path] = {}
        self._lock = threading.Lock()

    def copy_to(self, target: Path) -> None:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # as central makes it
        shutil.copyfile(self._template(), target)

    def _template(self) -> Path:
        clock = ShanghaiClock()
        today = in_shanghai(clock.now()).date()  # the demo's bills are due relative to it
        with self._lock:
            if today not in self._made:
                if self._folder is None:
                    self._folder = Path(tempfile.mkdtemp(prefix="kiosk-loopback-"))
                    atexit.register(shutil.rmtree, self._folder, True)
                path = self._folder / f"central-{today.isoformat()}.sqlite3"
                engine = make_engine(f"sqlite:///{path}")
                try:
                    migrate(engine)
                    CentralService(engine, clock, demo=True).seed_demo_if_empty()
                finally:
                    engine.dispose()
                with sqlite3.connect(path) as connection:  # all of it in the one file
                    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._made[today] = path
            return self._made[today]


DEMO_DATABASES = DemoDatabases()


@contextlib.contextmanager
def _enrollment(db_url: str) -> Iterator[EnrollmentService]:
    engine = make_engine(db_url)
    try:
        yield EnrollmentService(engine)
    finally:
        engine.dispose()


def enroll_kiosk(central_url: str, admin_token: str, kiosk_id: str, data_dir: Path) -> None:
    """The operator's and the kiosk's part of enrollment, over HTTP."""
    answer = requests.post(f"{central_url}/v1/admin/enrollments", json={"kiosk_id": kiosk_id},
                           headers={"Authorization": f"Bearer {admin_token}"},
                           timeout=LOOPBACK_CENTRAL_TIMEOUT_S)
    answer.raise_for_status()
    enroll(central_url, kiosk_id, answer.json()["token"], data_dir,
           timeout=LOOPBACK_CENTRAL_TIMEOUT_S)


@contextlib.contextmanager
def running_system(tmp: Path, *, card_timeout_s: float = 10.0, step_delay_s: float = 0.02,
                   background: bool = False, kiosk_id: str = "SH-CN-TEST-01",
                   qrpay: bool = False, heartbeat_interval_s: float | None = None,
                   scan: Literal["reader", "scanner"] = "reader") -> Iterator[System]:
    """The system, torn down on exit. ``scan``: where payment codes are read when
    ``qrpay`` is on."""
    with contextlib.ExitStack() as stack:
        providers = None
        sim: QrPaySimulator | None = None
        if qrpay:
            sim = stack.enter_context(QrPaySimulator(tmp / "qrpay-keys",
                                                     notify_backoff_s=0.2))
            sim.start()
            assert sim.settings_file is not None
            providers = load_providers(sim.settings_file, timeout_s=QR_PROVIDER_TIMEOUT_S)
        yield from _running_system(tmp, card_timeout_s=card_timeout_s,
                                   step_delay_s=step_delay_s, background=background,
                                   kiosk_id=kiosk_id, qrpay=sim, providers=providers,
                                   heartbeat_interval_s=heartbeat_interval_s, scan=scan)


def _running_system(tmp: Path, *, card_timeout_s: float, step_delay_s: float,
                    background: bool, kiosk_id: str, qrpay: QrPaySimulator | None,
                    providers: dict[QrProvider, QrProviderClient] | None,
                    heartbeat_interval_s: float | None = None,
                    scan: Literal["reader", "scanner"] = "reader") -> Iterator[System]:
    port = free_port()
    DEMO_DATABASES.copy_to(tmp / "central.sqlite3")
    db_url = f"sqlite:///{tmp / 'central.sqlite3'}"
    central = CentralServer(db_url, port=port, seed_demo=True, rate_limits=SCRIPTED_USER_LIMITS,
                            qr_providers=providers)
    central_url = central.start()
    with _enrollment(db_url) as enrollment:
        admin_token = enrollment.create_admin_token("loopback")
    enroll_kiosk(central_url, admin_token, kiosk_id, tmp / "kiosk")
    with PrinterSimulator(tmp / "printer-jobs") as printer, \
            PaymentSimulator(step_delay_s=step_delay_s) as payment, \
            ReaderSimulator(link_dir=tmp) as reader, \
            KeypadSimulator(link_dir=tmp) as keypad, \
            (ScannerSimulator(link_dir=tmp) if scan == "scanner" else nullcontext()) as scanner:
        printer_url = printer.start_tcp()
        payment_url = payment.start_pty()
        reader_url = reader.start_pty()
        keypad_url = keypad.start_pty()
        scanner_url = scanner.start_pty() if scanner is not None else ""
        config = load_config(overrides={
            "kiosk": {"id": kiosk_id, "data_dir": str(tmp / "kiosk")},
            "central": {"url": central_url, "timeout_s": LOOPBACK_CENTRAL_TIMEOUT_S},
            "sync": {"forward_interval_s": 0.2, "backoff_max_s": 1.0,
                     **({"heartbeat_interval_s": heartbeat_interval_s}
                        if heartbeat_interval_s is not None else {})},
            # A loaded machine's central can take seconds to number a registration; a
            # central that is away ends the wait at once (kiosk.services.submitting).
            "services": {"submit_wait_s": LOOPBACK_CENTRAL_TIMEOUT_S},
            "printer": {"url": printer_url, "status_timeout_s": 3.0},
            "payment": {"url": payment_url, "card_timeout_s": card_timeout_s},
            "reader": {"url": reader_url},
            "keypad": {"url": keypad_url},
            "scanner": {"url": scanner_url},
            "qrpay": ({"providers": [p.value for p in QrProvider], "scan": scan,
                       "poll_interval_s": 0.2} if qrpay is not None else {}),
        })
        runtime = build_runtime(config, background=background)
        system = System(tmp=tmp, central=central, printer=printer, payment=payment,
                        reader=reader, keypad=keypad, config=config, runtime=runtime,
                        admin_token=admin_token, qrpay=qrpay, scanner=scanner)
        try:
            yield system
        finally:
            runtime.close()
            system.central.stop()
