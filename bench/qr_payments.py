"""QR payments measured (issue 13, docs/payments-qr.md#measured): figures printed, never
judged pass or fail.

(a) From the provider's "paid" to the kiosk knowing it is paid. A kiosk runtime built
    from a site file with [qrpay] (the real bill payment flow, journal and central
    client) pays part of a bill by a code shown, through central over HTTP and the
    providers' simulator on loopback (kiosk.devtools.loopback), the three apps in turn.
    The person pays each code at a random moment after it shows (the simulator's person,
    in this process: one clock for both ends); measured is the time from the payment
    taken at the provider to the flow's PRINTING step (paid, recorded in the journal, the
    paid screen up). With notifications, and with query only (the simulator's
    notify_lost fault: central learns it by asking the provider). The kiosk asks central
    every [qrpay] poll_interval_s (``--poll``, the kiosk's default 1.0 s).

(b) QR payments per second central sustains. Central as its own process (`kiosk-central
    serve --payments`), the simulator as its own (`kiosk sim qrpay`), and ``--kiosks``
    kiosks' clients at once (kiosk.sync.qr_client, one thread and credential each), each
    paying again and again: create an order to show, the person pays it (the simulator's
    control line), get until PAID. On SQLite, and on PostgreSQL (a throwaway server as
    central's tests start it; skipped when its binaries or psycopg are missing).

    PYTHONPATH=. .venv/bin/python bench/qr_payments.py [--payments 200] [--poll 1.0]
        [--kiosks 8] [--seconds 30] [--only latency|throughput]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from central.db import make_engine
from central.enrollment import EnrollmentService
from hardware.sim.control import send
from kiosk.bootstrap import build_runtime
from kiosk.config import load_config
from kiosk.devtools.loopback import running_system
from kiosk.devtools.payment_kills import confirm_part
from kiosk.domain.qr import QrMode, QrOrderRequest, QrProvider, QrState
from kiosk.errors import KioskError
from kiosk.services.bill_payment import BillPaymentFlow, Step
from kiosk.services.ports import CallContext, PaymentPrompt
from kiosk.sync.client import CentralClient
from kiosk.sync.qr_client import QrOrdersClient

log = logging.getLogger("bench.qr_payments")

REPO = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
START_TIMEOUT_S = 60.0
PAY_TIMEOUT_S = 60.0
HTTP_TIMEOUT_S = 30.0
PART = Decimal("0.01")
WARM_UP = 3  # payments per kiosk before the throughput is timed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(timings_ms: list[float]) -> str:
    return (f"n={len(timings_ms)}  p50 {percentile(timings_ms, 0.5):6.0f} ms  "
            f"p95 {percentile(timings_ms, 0.95):6.0f} ms  max {max(timings_ms):6.0f} ms")


# --- (a) paid at the provider -> the kiosk knows ---------------------------------------


class PaidSeen:
    """One payment of the flow: the person pays the code once it shows, a random while
    later; the moments the provider took the money and the flow reached PRINTING."""

    def __init__(self, pay_code: Any, delay_s: float) -> None:
        self._pay_code = pay_code
        self._delay_s = delay_s
        self._timer: threading.Timer | None = None
        self.paid_at: float | None = None  # time.monotonic()
        self.seen_at: float | None = None

    def on_change(self, flow: BillPaymentFlow) -> None:
        progress = flow.progress
        if (self._timer is None and progress is not None
                and progress.prompt is PaymentPrompt.SHOW_CODE and progress.qr_content):
            code = progress.qr_content
            self._timer = threading.Timer(self._delay_s, self._pay, args=(code,))
            self._timer.start()
        if flow.step is Step.PRINTING and self.seen_at is None:
            self.seen_at = time.monotonic()

    def _pay(self, code: str) -> None:
        self._pay_code(code)
        self.paid_at = time.monotonic()

    @property
    def latency_ms(self) -> float | None:
        if self.paid_at is None or self.seen_at is None:
            return None
        return (self.seen_at - self.paid_at) * 1000


def measure_latency(payments: int, poll_s: float) -> None:
    print(f"(a) provider's paid -> the kiosk's PRINTING step, a code shown, "
          f"{payments} payments each, the kiosk asking central every {poll_s} s")
    with tempfile.TemporaryDirectory(prefix="qr-bench-") as tmp, \
            running_system(Path(tmp), qrpay=True) as system:
        sim = system.qrpay
        assert sim is not None
        site = system.write_site_file({"qrpay": {
            "providers": ["alipay", "wechat", "unionpay"], "scan": "none",
            "poll_interval_s": poll_s}})
        runtime = build_runtime(load_config(site), background=False)
        rng = random.Random(13)
        try:
            for label, lost in (("with notifications", False), ("query only", True)):
                if lost:
                    sim.faults.set("notify_lost", True)
                timings = [one_paid_seen(runtime, sim.bank.pay_shown,
                                         tuple(QrProvider)[n % 3], rng.uniform(0.2, 0.2 + poll_s))
                           for n in range(payments)]
                sim.faults.clear()
                measured = [t for t in timings if t is not None]
                print(f"  {label:20} {summary(measured)}"
                      + (f"  ({len(timings) - len(measured)} not paid)"
                         if len(measured) < len(timings) else ""))
        finally:
            runtime.close()


def one_paid_seen(runtime: Any, pay_code: Any, provider: QrProvider,
                  delay_s: float) -> float | None:
    services = runtime.services
    flow = services.start_bill_payment(services.new_session("en"))
    seen = PaidSeen(pay_code, delay_s)
    flow.listener = seen.on_change
    confirm_part(flow, PART)
    flow.choose(provider.value)  # no scanner: a code shown
    while flow.busy:
        flow.advance()
    if flow.step is not Step.DONE:
        print(f"  payment by {provider.value} ended {flow.step} ({flow.error})")
    return seen.latency_ms


# --- (b) payments per second at central --------------------------------------------------


@contextmanager
def process(argv: list[str], ready: Path, log: Path) -> Iterator[dict[str, Any]]:
    """A child process that writes ``ready`` (JSON) once it serves; stopped at the end."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    with log.open("wb") as output:
        child = subprocess.Popen([sys.executable, *argv], env=env, stdout=output,
                                 stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ready.exists():
            if child.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{argv[1]} did not start: see {log}")
            time.sleep(0.05)
        yield json.loads(ready.read_text(encoding="utf-8"))
    finally:
        child.terminate()
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(5)


class RealClock:
    def now(self) -> datetime:
        return datetime.now(SHANGHAI)


class Kiosk(threading.Thread):
    """One kiosk's client paying by a code shown, again and again, until told to stop."""

    def __init__(self, number: int, url: str, credential: str, control: str,
                 stop: threading.Event, timed: threading.Event) -> None:
        super().__init__(name=f"kiosk-{number}", daemon=True)
        self.kiosk_id = f"SH-BENCH-{number:02d}"
        self._orders = QrOrdersClient(CentralClient(url, timeout_s=HTTP_TIMEOUT_S,
                                                    kiosk_id=self.kiosk_id, token=credential,
                                                    clock=RealClock()))
        self._control = control
        self._halt = stop
        self._timed = timed
        self._ctx = CallContext(kiosk_id=self.kiosk_id, session_id="bench", lang="en")
        self._provider = tuple(QrProvider)[number % 3]
        self.timings_ms: list[float] = []  # create to PAID, timed payments only
        self.errors = 0
        self.warm = 0

    def run(self) -> None:
        day = f"{datetime.now(SHANGHAI):%y%m%d}"
        number = 0
        while not self._halt.is_set():
            number += 1
            started = time.perf_counter()
            timed = self._timed.is_set()
            try:
                self._pay(f"{self.kiosk_id}-{day}-{number:06d}")
            except (KioskError, RuntimeError, OSError) as exc:  # counted, shown
                self.errors += 1
                log.warning("%s: %s", self.kiosk_id, exc)
                continue
            if timed and not self._halt.is_set():
                self.timings_ms.append((time.perf_counter() - started) * 1000)
            else:
                self.warm += 1

    def _pay(self, order_id: str) -> None:
        order = self._orders.create(self._ctx, QrOrderRequest(
            order_id=order_id, provider=self._provider, mode=QrMode.SHOW, amount=PART,
            subject="bench"))
        answer = send(self._control, {"cmd": "pay", "code": order.qr_content})
        if not answer.get("ok"):
            raise RuntimeError(f"the person could not pay: {answer.get('error')}")
        deadline = time.monotonic() + PAY_TIMEOUT_S
        while order.state is not QrState.PAID:
            if time.monotonic() > deadline:
                raise RuntimeError(f"not PAID in {PAY_TIMEOUT_S} s: {order.state}")
            order = self._orders.get(self._ctx, order_id)


def measure_throughput(label: str, db_url: str, kiosks: int, seconds: float,
                       workdir: Path) -> None:
    sim_ready, central_ready = workdir / "qrpay.json", workdir / "central.json"
    with process(["-m", "hardware.sim.qrpay", "--keys", str(workdir / "keys"),
                  "--control", "127.0.0.1:0", "--ready-file", str(sim_ready),
                  "--notify-backoff", "0.2"], sim_ready, workdir / "qrpay.log") as sim, \
            process(["-m", "central.cli", "serve", "--db", db_url, "--port", "0",
                     "--ready-file", str(central_ready), "--log-level", "warning",
                     "--payments", str(sim["settings"])], central_ready,
                    workdir / "central.log") as central:
        credentials = enroll(db_url, kiosks)
        stop, timed = threading.Event(), threading.Event()
        threads = [Kiosk(n, central["url"], credentials[n], sim["control"], stop, timed)
                   for n in range(kiosks)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while min(t.warm for t in threads) < WARM_UP and time.monotonic() < deadline:
            time.sleep(0.05)
        timed.set()
        started = time.perf_counter()
        time.sleep(seconds)
        stop.set()
        elapsed = time.perf_counter() - started
        for thread in threads:
            thread.join(PAY_TIMEOUT_S)
    timings = [ms for thread in threads for ms in thread.timings_ms]
    errors = sum(thread.errors for thread in threads)
    if not timings:
        print(f"  {label:10} no payment completed ({errors} errors): see {workdir}")
        return
    print(f"  {label:10} {len(timings) / elapsed:6.1f} payments/s  "
          f"(create to PAID: {summary(timings)}; {errors} errors)")


def enroll(db_url: str, kiosks: int) -> dict[int, str]:
    """A credential for every bench kiosk, put straight into central's database."""
    engine = make_engine(db_url)
    try:
        enrollment = EnrollmentService(engine)
        return {n: enrollment.issue_credential(f"SH-BENCH-{n:02d}") for n in range(kiosks)}
    finally:
        engine.dispose()


def throughput(kiosks: int, seconds: float) -> None:
    print(f"(b) QR payments per second at central: {kiosks} kiosks' clients at once, "
          f"each create + pay + get until PAID, {seconds:.0f} s timed, "
          f"{os.cpu_count()} CPU(s)")
    with tempfile.TemporaryDirectory(prefix="qr-bench-") as tmp:
        workdir = Path(tmp) / "sqlite"
        workdir.mkdir()
        measure_throughput("SQLite", f"sqlite:///{workdir / 'central.sqlite3'}", kiosks,
                           seconds, workdir)
    postgres = throwaway_postgres()
    if postgres is None:
        return
    try:
        with tempfile.TemporaryDirectory(prefix="qr-bench-") as tmp:
            measure_throughput("PostgreSQL", postgres.url_for(postgres.create_database()),
                               kiosks, seconds, Path(tmp))
    finally:
        postgres.stop()


def throwaway_postgres() -> Any:
    """A throwaway PostgreSQL server as central's tests start one, or None (said why)."""
    sys.path.insert(0, str(REPO / "tests" / "integration" / "central"))
    from central_pg_server import PostgresUnavailable, ThrowawayPostgres

    try:
        import psycopg  # noqa: F401  (central's PostgreSQL driver)
    except ImportError:
        print("  PostgreSQL  skipped: the psycopg driver is not installed")
        return None
    try:
        server = ThrowawayPostgres()
        server.start()
    except (PostgresUnavailable, RuntimeError) as exc:
        print(f"  PostgreSQL  skipped: {exc}")
        return None
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=200, help="(a): payments per variant")
    parser.add_argument("--poll", type=float, default=1.0,
                        help="(a): the kiosk's [qrpay] poll_interval_s")
    parser.add_argument("--kiosks", type=int, default=8, help="(b): kiosks' clients at once")
    parser.add_argument("--seconds", type=float, default=30.0, help="(b): timed, per database")
    parser.add_argument("--only", choices=["latency", "throughput"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    if args.only != "throughput":
        measure_latency(args.payments, args.poll)
    if args.only != "latency":
        throughput(args.kiosks, args.seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
