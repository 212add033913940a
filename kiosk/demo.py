"""`kiosk demo`: the whole system on this machine, in one process tree.

Starts the central service (SQLite, deterministic demo data), the receipt-printer
simulator on 127.0.0.1 and the payment-terminal simulator on a pseudo-terminal as child
processes, then the kiosk in this process, wired to them exactly as to real devices.
With QR payments (the window, and ``--scenario bill-qr``) the QR payment providers'
simulator runs too, with its scripted person paying every code shown, central holds its
merchant keys and the kiosk offers the three apps. With a display the kiosk window
opens; without one the real UI is driven offscreen through a scripted water-bill payment
that writes a PNG of every screen and the printed receipt (text and PNG, as the printer
simulator rendered it). Everything is stopped on exit, including on Ctrl-C and SIGTERM.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import requests

from kiosk.demo_scenarios import QR_SCENARIO
from kiosk.domain.languages import LANGUAGES
from kiosk.paths import demo_config

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 30.0
DELIVERY_TIMEOUT_S = 20.0
# The QR providers' scripted person scans a code shown at half this and pays it at this:
# soon in a scripted walk, later in the window, so a person sees the code first.
AUTO_PAY_AFTER_S = {"headless": 2.0, "window": 8.0}
QR_POLL_INTERVAL_S = 0.5  # the kiosk asks central about a running order (default 1 s)


def _die_with_parent() -> None:
    """Child processes get SIGTERM if the demo itself is killed (Linux prctl)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class ProcessTree:
    """The demo's children, each announcing its address through a ready file."""

    run_dir: Path
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, argv: list[str]) -> dict[str, Any]:
        """Start a child; returns its ready announcement ({"url", "pid", "control"...})."""
        ready = self.run_dir / f"{name}.ready.json"
        ready.unlink(missing_ok=True)
        logfile = (self.run_dir / f"{name}.log").open("wb")
        proc = subprocess.Popen([*argv, "--ready-file", str(ready)], stdout=logfile,
                                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        self.children[name] = proc
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if ready.exists():
                info: dict[str, Any] = json.loads(ready.read_text())
                control = f", control line {info['control']}" if info.get("control") else ""
                print(f"kiosk demo: {name:<8} ready at {info['url']} (pid {proc.pid}{control})",
                      flush=True)
                return info
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"{name} did not start; see {self.run_dir / f'{name}.log'}")

    def stop_all(self) -> None:
        for proc in self.children.values():
            if proc.poll() is None:
                proc.terminate()
        for name, proc in self.children.items():
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop; killing it", name)
                proc.kill()
                proc.wait(timeout=5)
        self.children.clear()


SIGTERM_GRACE_S = 20.0


@contextlib.contextmanager
def _terminate_on_sigterm() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C (children stopped in `finally`). A watchdog makes sure
    the demo is gone SIGTERM_GRACE_S later even if the signal landed somewhere that cannot
    unwind cleanly (inside a C call, or while a non-daemon thread was being started)."""
    def handler(_signum: int, _frame: FrameType | None) -> None:
        threading.Thread(target=_exit_after_grace, name="sigterm-watchdog", daemon=True).start()
        raise SystemExit(143)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_after_grace() -> None:
    time.sleep(SIGTERM_GRACE_S)
    log.error("kiosk demo: still running %.0f s after SIGTERM; exiting now", SIGTERM_GRACE_S)
    os._exit(143)  # the children get SIGTERM from the kernel (PR_SET_PDEATHSIG)


def _write_site_file(path: Path, sections: dict[str, dict[str, Any]]) -> Path:
    """The demo's addresses as a site file layered over the packaged demo.toml, so
    technicians' commands (`kiosk diag`, `kiosk reprint`) reach the same devices and central."""
    lines = [f"# Written by `kiosk demo` over {demo_config()}: the addresses of this run."]
    for section, values in sections.items():
        lines.append(f"\n[{section}]")
        lines.extend(f"{key} = {json.dumps(value)}" for key, value in values.items())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _reset(data_dir: Path, out_dir: Path) -> None:
    """The demo starts from its deterministic data every time (the QR providers' keys
    are kept: the simulator makes them once, like a merchant's)."""
    for sub in ("central", "kiosk", "printer-jobs", "run"):
        shutil.rmtree(data_dir / sub, ignore_errors=True)
    for sub in ("central", "kiosk", "run"):  # databases, credential, admin token: 0700
        (data_dir / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
    (data_dir / "printer-jobs").mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in [*out_dir.glob("[0-9][0-9]-*.png"), *out_dir.glob("receipt.*")]:
        old.unlink()


def _wait_for_receipt(jobs_dir: Path, timeout: float = 10.0) -> tuple[Path, Path] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = sorted(jobs_dir.glob("job-*.txt"))
        if texts and texts[-1].with_suffix(".png").exists():
            return texts[-1], texts[-1].with_suffix(".png")
        time.sleep(0.1)
    return None


def _enroll_kiosk(central_url: str, admin_token_file: Path, kiosk_id: str,
                  data_dir: Path) -> None:
    """What an operator and a technician do: an enrollment through the admin API, then
    `kiosk enroll` with its one-time token (the credential lands in the data dir)."""
    from kiosk.sync.enrollment import enroll

    admin_token = admin_token_file.read_text(encoding="utf-8").strip()
    answer = requests.post(f"{central_url}/v1/admin/enrollments", json={"kiosk_id": kiosk_id},
                           headers={"Authorization": f"Bearer {admin_token}"}, timeout=5)
    answer.raise_for_status()
    enroll(central_url, kiosk_id, answer.json()["token"], data_dir, timeout=5.0)


def _wait_for_central(central_url: str, reference: str, credential: str
                      ) -> dict[str, Any] | None:
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            answer = requests.get(f"{central_url}/v1/bill-payments/{reference}", timeout=2,
                                  headers={"Authorization": f"Bearer {credential}"})
            if answer.status_code == 200:
                recorded: dict[str, Any] = answer.json()
                return recorded
        time.sleep(0.2)
    return None


def run_demo(*, out_dir: Path, data_dir: Path, lang: str, headless: bool,
             scale: float | None, scenario: str = "bill") -> int:
    from kiosk.ui import kivy_env

    if lang not in LANGUAGES:
        print(f"kiosk demo: unknown language {lang!r}; choose from {', '.join(LANGUAGES)}",
              file=sys.stderr)
        return 2
    headless = headless or not kivy_env.has_display()
    with_qr = scenario == QR_SCENARIO or not headless
    started = time.monotonic()
    out_dir, data_dir = out_dir.resolve(), data_dir.resolve()
    _reset(data_dir, out_dir)
    tree = ProcessTree(run_dir=data_dir / "run")
    python = sys.executable
    runtime = None
    with _terminate_on_sigterm():
        try:
            qrpay: dict[str, Any] = {}
            payments: list[str] = []
            if with_qr:
                # Central reads the merchant's keys the simulator wrote; the providers
                # notify central at its own address (--public-url's default).
                qrpay = tree.start("qrpay", [
                    python, "-m", "kiosk.cli", "sim", "qrpay",
                    "--keys", str(data_dir / "qrpay-keys"), "--control", "127.0.0.1:0",
                    "--notify-backoff", "0.5", "--auto-pay-after",
                    str(AUTO_PAY_AFTER_S["headless" if headless else "window"])])
                payments = ["--payments", str(qrpay["settings"])]
            central_url = tree.start("central", [
                python, "-m", "central.cli", "serve", "--host", "127.0.0.1", "--port", "0",
                "--db", f"sqlite:///{data_dir / 'central' / 'central.sqlite3'}",
                "--seed-demo", "--admin-token-file", str(tree.run_dir / "admin-token"),
                *payments])["url"]
            # Each simulator takes fault switches on a control line while the demo runs:
            # `kiosk sim control HOST:PORT set paper_out`.
            printer_url = tree.start("printer", [
                python, "-m", "kiosk.cli", "sim", "printer", "--tcp", "127.0.0.1:0",
                "--jobs-dir", str(data_dir / "printer-jobs"),
                "--control", "127.0.0.1:0"])["url"]
            payment_url = tree.start("payment", [
                python, "-m", "kiosk.cli", "sim", "payment", "--pty", "--step-delay", "0.6",
                "--control", "127.0.0.1:0"])["url"]
            reader = tree.start("reader", [
                python, "-m", "kiosk.cli", "sim", "reader", "--pty",
                "--control", "127.0.0.1:0"])
            reader_url = reader["url"]
            services_ready = time.monotonic() - started

            from kiosk import bootstrap
            from kiosk.config import load_config

            sections: dict[str, dict[str, Any]] = {
                "kiosk": {"id": load_config(demo_config()).kiosk.id,
                          "data_dir": str(data_dir / "kiosk")},
                "central": {"url": central_url},
                "printer": {"url": printer_url},
                "payment": {"url": payment_url},
                "reader": {"url": reader_url},
            }
            if with_qr:  # every app, the reader scanning the apps' payment codes
                sections["qrpay"] = {"providers": ["alipay", "wechat", "unionpay"],
                                     "scan": "reader", "poll_interval_s": QR_POLL_INTERVAL_S}
            site = _write_site_file(data_dir / "kiosk" / "site.toml", sections)
            print(f"kiosk demo: configuration in {site}; while it runs, try "
                  f"`kiosk diag --config {site}`", flush=True)
            config = load_config(demo_config(), site)
            _enroll_kiosk(central_url, tree.run_dir / "admin-token", config.kiosk.id,
                          Path(config.kiosk.data_dir))
            width, height = config.ui.width, config.ui.height
            if not headless:
                width, height = int(width * (scale or 0.5)), int(height * (scale or 0.5))
            kivy_env.configure(headless=headless, width=width, height=height, driven=headless)
            runtime = bootstrap.build_runtime(config)
            runtime.services.recover()
            runtime.services.recover_print_jobs()
            app = bootstrap.build_app(runtime)
            if not headless:
                if scale is None:
                    kivy_env.fit_window_to_display(config.ui.width, config.ui.height)
                print(f"kiosk demo: central {central_url}, printer {printer_url}, "
                      f"payment terminal {payment_url}; receipts in {data_dir / 'printer-jobs'}")
                if with_qr:
                    print(f"kiosk demo: a QR code shown is paid after "
                          f"{AUTO_PAY_AFTER_S['window']:g} s; a payment code to hold to the "
                          f"reader: `kiosk sim control {qrpay['control']} code "
                          f"provider=alipay`, then `kiosk sim control {reader['control']} "
                          f"present barcode=CODE`")
                app.run()
                return 0
            if scenario != "bill":
                from kiosk.demo_scenarios import SCENARIOS, DemoUser

                names = list(SCENARIOS) if scenario == "all" else [scenario]
                user = DemoUser(reader["control"], central_url,
                                qrpay_control=qrpay.get("control", ""))
                return _scenarios(app, runtime, user, names, out_dir, data_dir, lang,
                                  started)
            return _walkthrough(app, runtime, out_dir, data_dir, central_url, lang,
                                started, services_ready)
        finally:
            if runtime is not None:
                runtime.close()
            tree.stop_all()


def _walkthrough(app: Any, runtime: Any, out_dir: Path, data_dir: Path, central_url: str,
                 lang: str, started: float, services_ready: float) -> int:
    from kiosk.bootstrap import central_token
    from kiosk.ui.driver import UNWATCHED_DRAW_EVERY_S, Driver, draw_at_most_every
    from kiosk.ui.walkthrough import pay_water_bill

    draw_at_most_every(UNWATCHED_DRAW_EVERY_S)  # offscreen: only the screenshots are seen
    driver = Driver(app)
    driver.start()
    ui_ready = time.monotonic() - started
    print(f"kiosk demo: kiosk UI ready offscreen after {ui_ready:.1f} s; paying a water bill "
          f"in {lang} by simulated touches", flush=True)
    result = pay_water_bill(driver, out_dir, lang)
    walked = time.monotonic() - started
    receipt = _wait_for_receipt(data_dir / "printer-jobs")
    if receipt is not None:
        shutil.copyfile(receipt[0], out_dir / "receipt.txt")
        shutil.copyfile(receipt[1], out_dir / "receipt.png")
    runtime.forwarder.wake()
    recorded = _wait_for_central(central_url, result.reference,
                                 central_token(runtime.config))
    driver.stop()
    summary = {
        "language": lang,
        "reference": result.reference,
        "receipt_printed": result.receipt_printed,
        "central_recorded": recorded is not None,
        "central_ref": recorded.get("central_ref") if recorded else None,
        "screens": [p.name for p in result.screenshots],
        "seconds": {"services_ready": round(services_ready, 2), "ui_ready": round(ui_ready, 2),
                    "walkthrough_done": round(walked, 2),
                    "total": round(time.monotonic() - started, 2)},
    }
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(f"\nkiosk demo ({lang}): paid the water bill, reference {result.reference}")
    print(f"  screens  {len(result.screenshots)} PNGs in {out_dir}/ "
          f"({', '.join(p.name for p in result.screenshots)})")
    if receipt is not None:
        print(f"  receipt  {out_dir / 'receipt.txt'} and {out_dir / 'receipt.png'}\n")
        print((out_dir / "receipt.txt").read_text(encoding="utf-8").rstrip() + "\n")
    else:
        print("  receipt  NOT PRINTED (see the printer simulator log in "
              f"{data_dir / 'run' / 'printer.log'})")
    central = f"recorded as {summary['central_ref']}" if recorded else "NOT RECORDED"
    print(f"  central  {central}")
    print(f"  timing   services {services_ready:.1f} s, UI {ui_ready:.1f} s, "
          f"whole demo {time.monotonic() - started:.1f} s")
    ok = result.receipt_printed and receipt is not None and recorded is not None
    return 0 if ok else 1


def _scenarios(app: Any, runtime: Any, user: Any, names: list[str], out_dir: Path,
               data_dir: Path, lang: str, started: float) -> int:
    from kiosk.demo_scenarios import run_scenarios
    from kiosk.ui.driver import UNWATCHED_DRAW_EVERY_S, Driver, draw_at_most_every

    draw_at_most_every(UNWATCHED_DRAW_EVERY_S)  # offscreen: only the screenshots are seen
    driver = Driver(app)
    driver.start()
    results = run_scenarios(driver, user, names, out_dir, data_dir / "printer-jobs", lang)
    driver.stop()
    recorded = _central_payments(runtime, user.central_url,
                                 data_dir / "run" / "admin-token")
    summary = {"language": lang, "scenarios": {
        r.name: {"screens": [p.name for p in r.screens], "slips": [p.name for p in r.slips],
                 "error": r.error} for r in results},
        "central_payments": recorded,
        "seconds": round(time.monotonic() - started, 2)}
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    screens = sum(len(r.screens) for r in results)
    slips = sum(len(r.slips) for r in results) // 2
    print(f"\nkiosk demo ({lang}): {len(results)} scenario(s), {screens} screens, "
          f"{slips} slips in {out_dir}/ ({time.monotonic() - started:.1f} s)")
    for payment in recorded:
        paid_with = (f"{payment['method']}, transaction {payment['provider_txn_id']}"
                     if payment["method"] else "card")
        print(f"  central  recorded {payment['reference']} as {payment['central_ref']} "
              f"({paid_with})")
    return 0 if all(not r.error and r.slips for r in results) else 1


def _central_payments(runtime: Any, central_url: str,
                      admin_token_file: Path) -> list[dict[str, Any]]:
    """The bill payments central recorded, once the kiosk's outbox has delivered them
    (what `kiosk-admin payments` lists), oldest first."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    while runtime.store.outbox.depth() and time.monotonic() < deadline:
        runtime.forwarder.wake()
        time.sleep(0.2)
    admin_token = admin_token_file.read_text(encoding="utf-8").strip()
    answer = requests.get(f"{central_url}/v1/admin/payments", timeout=5,
                          headers={"Authorization": f"Bearer {admin_token}"})
    answer.raise_for_status()
    keep = ("reference", "central_ref", "amount", "method", "provider_txn_id")
    return [{key: payment[key] for key in keep}
            for payment in reversed(answer.json()["payments"])]
