"""Render every screen of the kiosk in every language into docs/screens, from the real
UI over the real simulators and central (nothing is mocked or drawn by hand).

    python -m kiosk.devtools.screens [--out docs/screens] [--lang ko ...] [--scale 0.5]

Per language (docs/screens/<lang>/): the walkthrough of a paid water bill (attract,
language, home, biller, account, review, card, receipt), then an unknown account, a
declined card and a receipt that could not be printed, plus the printed receipt as the
printer simulator rendered it. Then each other self-service walked to its slip, every
screen on the way (docs/screens/<lang>/<service>/, with slip.png as printed). PNGs are
stored with a 64-colour palette: a third of the size, and the flat UI looks the same.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
from pathlib import Path

from kiosk.domain.languages import LANGUAGES
from kiosk.paths import REPO_ROOT

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.devtools.screens", description=__doc__)
    parser.add_argument("--out", default=str(REPO_ROOT / "docs" / "screens"))
    parser.add_argument("--lang", nargs="*", default=list(LANGUAGES))
    parser.add_argument("--services", nargs="*", default=["tax", "stay", "arbitration", "points"],
                        help="the self-services walked after the bill payment")
    parser.add_argument("--scale", type=float, default=0.5,
                        help="of the 1080x1920 reference screen (0.5 keeps the repository small)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("kivy", "kiosk", "hardware", "central", "root", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from kiosk.ui import kivy_env

    kivy_env.configure(headless=True, width=int(1080 * args.scale), height=int(1920 * args.scale))

    from hardware.sim.payment.cards import INSUFFICIENT_FUNDS, UNIONPAY_APPROVED
    from hardware.sim.printer import Fault
    from kiosk.bootstrap import build_app
    from kiosk.demo_scenarios import walkers
    from kiosk.devtools.loopback import running_system
    from kiosk.ui.driver import Driver
    from kiosk.ui.walkthrough import pay_water_bill, start_bill_payment, type_account

    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp, \
            running_system(Path(tmp), background=True, step_delay_s=0.3,
                           kiosk_id="SH-CN-DEMO-01") as system:
        driver = Driver(build_app(system.runtime))
        driver.start()
        app = driver.app
        for lang in args.lang:
            folder = out / lang
            shutil.rmtree(folder, ignore_errors=True)
            system.restart_central(fresh_data=True)
            system.payment.present_card(UNIONPAY_APPROVED.pan)
            system.printer.clear_faults()
            app.end_session()
            result = pay_water_bill(driver, folder, lang)
            job = system.printer.wait_for_jobs(len(system.printer.jobs), timeout=10)[-1]
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
            for service in args.services:
                app.end_session()
                driver.wait_for_screen("attract")
                jobs_before = len(system.printer.jobs)
                shots = walkers()[service](driver, system, folder / service, lang)
                for shot in shots:  # the ones the bill payment shows already
                    if shot.name.endswith(("-attract.png", "-language.png", "-home.png")):
                        shot.unlink()
                slip = system.printer.wait_for_jobs(jobs_before + 1, timeout=10)[-1]
                shutil.copyfile(slip.png_path, folder / service / "slip.png")
            app.end_session()
            for png in folder.rglob("*.png"):
                _to_palette(png)
            log.info("%s: %d screens and the receipt (%s)", lang,
                     len(list(folder.rglob("*.png"))), result.reference)
            print(f"{lang}: {folder}")
        app.end_session()
        driver.stop()
    return 0


def _to_palette(png: Path) -> None:
    from PIL import Image

    with Image.open(png) as image:
        quantized = image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    quantized.save(png, optimize=True)


if __name__ == "__main__":
    raise SystemExit(main())
