"""The walk behind docs/screens: every screen of the kiosk in one language, by simulated
touches on the real UI over the loopback system. ``python -m kiosk.devtools.screens``
photographs it; ``python -m kiosk.devtools.textfit`` checks it (a hook at every screen,
no PNGs), so both see the same set of screens. Import after ``kivy_env.configure()``."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from kiosk.devtools.loopback import System
from kiosk.ui.app import KioskApp
from kiosk.ui.driver import Driver

log = logging.getLogger(__name__)

Check = Callable[[str, str], None]  # (screen name, language): called at every screen


class WalkDriver(Driver):
    """The walk's driver: at every screenshot it runs ``check`` on the screen as shown,
    and writes the PNG only if ``write_png`` (the text-fit walk writes none)."""

    def __init__(self, app: KioskApp, *, check: Check | None = None,
                 write_png: bool = True) -> None:
        super().__init__(app)
        self.check = check
        self.write_png = write_png
        self.lang = ""  # the language being walked (the attract screen shows it too)

    def screenshot(self, path: Path) -> Path:
        if self.check is not None:
            self.pump(2)
            self.check(self.app.root.current, self.lang or self.app.lang)
        if self.write_png:
            return super().screenshot(path)
        return path


def walk_language(driver: WalkDriver, system: System, out: Path, lang: str,
                  services: list[str]) -> Path:
    """Every screen of ``lang``: the bill payment, its failures, then each of ``services``
    to its slip. Screenshots (and checks) go through ``driver.screenshot``."""
    from hardware.sim.payment.cards import INSUFFICIENT_FUNDS, UNIONPAY_APPROVED
    from hardware.sim.printer import Fault
    from kiosk.demo_scenarios import walkers
    from kiosk.ui.walkthrough import pay_water_bill, start_bill_payment, type_account

    app = driver.app
    driver.lang = lang
    folder = out / lang
    if driver.write_png:
        shutil.rmtree(folder, ignore_errors=True)
    system.restart_central(fresh_data=True)
    system.payment.present_card(UNIONPAY_APPROVED.pan)
    system.printer.clear_faults()
    app.end_session()
    result = pay_water_bill(driver, folder, lang)
    job = system.printer.wait_for_jobs(len(system.printer.jobs), timeout=10)[-1]
    if driver.write_png:
        shutil.copyfile(job.png_path, folder / "receipt-printed.png")

    app.end_session()
    start_bill_payment(driver, lang, "sh-power")
    type_account(driver, "0999999999")
    driver.tap(driver.find("account", "submit"))
    driver.wait_until(lambda: bool(driver.find("account", "notice").text), 15,
                      "the unknown-account message")
    driver.settle(0.2)
    driver.screenshot(folder / "09-account-unknown.png")

    driver.tap(driver.find("account", "cancel"))
    driver.wait_for_screen("home")
    system.payment.present_card(INSUFFICIENT_FUNDS.pan)
    driver.tap(app.screen("home").tiles["bill_payment"])
    driver.wait_for_screen("biller")
    driver.tap(app.screen("biller").tiles["sh-gas"])
    driver.wait_for_screen("account")
    type_account(driver, "20123456")
    driver.tap(driver.find("account", "submit"))
    driver.wait_for_screen("review")
    driver.tap(driver.find("review", "pay"))
    driver.wait_for_screen("failed", timeout=30)
    driver.screenshot(folder / "10-card-declined.png")

    system.payment.present_card(UNIONPAY_APPROVED.pan)
    system.printer.set_fault(Fault.PAPER_OUT)
    driver.tap(driver.find("failed", "again"))
    driver.wait_for_screen("review")
    driver.tap(driver.find("review", "pay"))
    driver.wait_until(lambda: app.flow is not None and app.flow.receipt_printed is False,
                      30, "the failed receipt")
    driver.wait_for_screen("done")
    driver.settle(0.3)
    driver.screenshot(folder / "11-receipt-not-printed.png")
    system.printer.clear_faults()
    for service in services:
        app.end_session()
        driver.wait_for_screen("attract")
        jobs_before = len(system.printer.jobs)
        shots = walkers()[service](driver, system, folder / service, lang)
        slip = system.printer.wait_for_jobs(jobs_before + 1, timeout=10)[-1]
        if driver.write_png:
            for shot in shots:  # the ones the bill payment shows already
                if shot.name.endswith(("-attract.png", "-language.png", "-home.png")):
                    shot.unlink()
            shutil.copyfile(slip.png_path, folder / service / "slip.png")
    app.end_session()
    if driver.write_png:
        for png in folder.rglob("*.png"):
            _to_palette(png)
        log.info("%s: %d screens and the receipt (%s)", lang,
                 len(list(folder.rglob("*.png"))), result.reference)
    return folder


def _to_palette(png: Path) -> None:
    from PIL import Image

    with Image.open(png) as image:
        quantized = image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    quantized.save(png, optimize=True)
