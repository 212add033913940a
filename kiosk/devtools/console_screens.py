"""Screenshots of the admin console into docs/screens/admin/, from the real console of a
real central over the demo fleet (kiosk.devtools.console_demo), in headless chromium.

    python -m kiosk.devtools.console_screens [--out docs/screens/admin]

At 1366x768: the sign-in, the fleet in English and in Chinese, a kiosk's page, the
payments to review, the billers; and the fleet on a phone (390x844). PNGs are stored
with a 64-colour palette, as the kiosk's screens are.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image

from kiosk.devtools.browser import DESKTOP, PHONE, missing, start_browser
from kiosk.devtools.console_demo import DemoClock, demo_fleet, demo_now

CHECKOUT_SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens" / "admin"
log = logging.getLogger(__name__)


def _save(driver: Any, path: Path) -> None:
    driver.save_screenshot(str(path))
    with Image.open(path) as image:
        quantized = image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    quantized.save(path, optimize=True)
    log.info("wrote %s", path)


def _sign_in(driver: Any, url: str, token: str) -> None:
    from selenium.webdriver.common.by import By
    driver.get(f"{url}/admin/sign-in")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.ID, "sign-in").click()


def shoot(out: Path) -> list[Path]:
    from central.server import CentralServer

    out.mkdir(parents=True, exist_ok=True)
    now = demo_now()
    clock = DemoClock(now)
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/central.db"
        with CentralServer(db_url, clock=clock, log_level="error") as server:
            token = demo_fleet(server.url, db_url, clock, now)
            driver = start_browser(DESKTOP, "en")
            try:
                driver.get(f"{server.url}/admin/sign-in")
                _save(driver, out / "01-sign-in.png")
                _sign_in(driver, server.url, token)
                _save(driver, out / "02-fleet.png")
                driver.get(f"{server.url}/admin/kiosks/SH-PD-0002")
                _save(driver, out / "03-kiosk.png")
                driver.get(f"{server.url}/admin/payments")
                _save(driver, out / "04-payments.png")
                driver.get(f"{server.url}/admin/billers")
                _save(driver, out / "05-billers.png")
                driver.get(f"{server.url}/admin/language/zh-Hans?next=/admin")
                _save(driver, out / "06-fleet-zh-Hans.png")
                driver.get(f"{server.url}/admin/language/en?next=/admin")
            finally:
                driver.quit()
            phone = start_browser(PHONE, "en")
            try:
                _sign_in(phone, server.url, token)
                _save(phone, out / "07-fleet-phone.png")
            finally:
                phone.quit()
    return sorted(out.glob("*.png"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.devtools.console_screens",
                                     description=__doc__)
    parser.add_argument("--out", type=Path, default=CHECKOUT_SCREENS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    reason = missing()
    if reason:
        parser.error(reason)
    shoot(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
