"""Screenshots of the admin console into docs/screens/admin/, from the real console of a
real central over the demo fleet (kiosk.devtools.console_demo), in headless chromium.

    python -m kiosk.devtools.console_screens [--out docs/screens/admin]

At 1366x768: the sign-in, the fleet in English and in Chinese, a kiosk's page, the
payments to review, the billers, the rollouts and one rollout, the alerts, the audit
trail with the chain verified, and again after one event was altered in the database;
and the fleet and the alerts on a phone (390x844). Central's scheduler runs once per
round of the demo's heartbeats (alerts raised and cleared, delivered to a webhook on
127.0.0.1). PNGs are stored with a 64-colour palette, as the kiosk's screens are.
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
from kiosk.devtools.console_demo_ops import DemoOperations, demo_operations, webhook_receiver

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
    from sqlalchemy import text

    from central.alerts import AlertSettings, WebhookSettings
    from central.db import make_engine
    from central.scheduler import SchedulerSettings
    from central.server import CentralServer

    out.mkdir(parents=True, exist_ok=True)
    now = demo_now()
    clock = DemoClock(now)
    with tempfile.TemporaryDirectory() as tmp, webhook_receiver() as hook:
        db_url = f"sqlite:///{tmp}/central.db"
        alerts = AlertSettings(webhook=WebhookSettings(url=hook, secret="demo-secret"))
        with CentralServer(db_url, clock=clock, log_level="error", alerts=alerts,
                           scheduler=SchedulerSettings(enabled=False)) as server:
            assert server.app is not None
            scheduler = server.app.state.scheduler
            site = demo_fleet(server.url, db_url, clock, now, each_step=scheduler.run_once)
            ops = DemoOperations(server.url, site.token, site.kiosk_headers, clock)
            try:
                demo_operations(ops, now)
            finally:
                ops.close()
            scheduler.run_once()
            token = site.token
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
                driver.get(f"{server.url}/admin/rollouts")
                _save(driver, out / "08-rollouts.png")
                driver.get(f"{server.url}/admin/rollouts/config/2")
                _save(driver, out / "09-rollout.png")
                driver.get(f"{server.url}/admin/alerts")
                _save(driver, out / "10-alerts.png")
                driver.get(f"{server.url}/admin/audit/verify")
                _save(driver, out / "11-audit.png")
                _tamper(make_engine(db_url), text)
                driver.get(f"{server.url}/admin/audit/verify")
                _save(driver, out / "12-audit-broken.png")
            finally:
                driver.quit()
            phone = start_browser(PHONE, "en")
            try:
                _sign_in(phone, server.url, token)
                _save(phone, out / "07-fleet-phone.png")
                phone.get(f"{server.url}/admin/alerts")
                _save(phone, out / "13-alerts-phone.png")
            finally:
                phone.quit()
    return sorted(out.glob("*.png"))


def _tamper(engine: Any, text: Any) -> None:
    """Alter one admin event in the database, as someone covering their tracks would."""
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "UPDATE audit_events SET actor = 'someone-else' WHERE seq = "
                "(SELECT MIN(seq) FROM audit_events WHERE action = 'rollout.pause')"))
    finally:
        engine.dispose()


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
