"""`kiosk demo --headless --scenario ...`: every self-service walked by touch, in one
process tree, with every screen and every slip saved.

The scripted user presents documents on the reader simulator through its control line
and reads the SMS code from central's demo gateway, as a person would from their phone.
Paying by QR (bill-qr), the QR providers' simulator is their app: its scripted person
pays every code the kiosk shows (``--auto-pay-after``), and its control line gives the
payment code the user holds to the reader.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from hardware.sim.control import send

SCENARIOS = ("bill", "tax", "stay", "arbitration", "points")  # --scenario all
QR_SCENARIO = "bill-qr"  # on its own: the demo starts the QR providers' simulator for it


@dataclass
class DemoUser:
    """What the walkthroughs need beyond the touch screen, over the demo's real links."""

    reader_control: str
    central_url: str
    qrpay_control: str = ""  # the QR providers' simulator, when the demo runs it

    def present_document(self, name: str) -> None:
        answer = send(self.reader_control, {"cmd": "present", "name": name})
        if not answer.get("ok"):
            raise RuntimeError(f"the reader simulator refused to present {name}: {answer}")

    def present_barcode(self, text: str) -> None:
        answer = send(self.reader_control, {"cmd": "present", "barcode": text})
        if not answer.get("ok"):
            raise RuntimeError(f"the reader simulator refused a barcode: {answer}")

    def pay_shown_code(self, qr_content: str) -> None:
        """Nothing to do: the QR simulator's scripted person scans and pays every code
        shown, ``--auto-pay-after`` seconds after it was made."""

    def payment_code(self, provider: str) -> str:
        if not self.qrpay_control:
            raise RuntimeError("no QR payment simulator in this demo")
        answer = send(self.qrpay_control, {"cmd": "code", "provider": provider})
        if not answer.get("ok"):
            raise RuntimeError(f"the QR simulator gave no payment code: {answer}")
        code: str = answer["code"]
        return code

    def demo_sms_code(self, otp_session: str) -> str:
        answer = requests.get(f"{self.central_url}/v1/demo/sms",
                              params={"otp_session": otp_session}, timeout=5)
        answer.raise_for_status()
        code: str = answer.json()["code"]
        return code


@dataclass
class ScenarioResult:
    name: str
    screens: list[Path]
    slips: list[Path] = field(default_factory=list)
    error: str = ""


def walkers() -> dict[str, Callable[..., list[Path]]]:
    from kiosk.ui import (
        walkthrough_arbitration,
        walkthrough_points,
        walkthrough_qr,
        walkthrough_stay,
        walkthrough_tax,
    )
    from kiosk.ui.walkthrough import pay_water_bill

    def bill(driver: Any, _user: DemoUser, out_dir: Path, lang: str) -> list[Path]:
        return pay_water_bill(driver, out_dir, lang).screenshots

    return {"bill": bill, "tax": walkthrough_tax.walk, "stay": walkthrough_stay.walk,
            "arbitration": walkthrough_arbitration.walk, "points": walkthrough_points.walk,
            QR_SCENARIO: walkthrough_qr.walk}


def _new_jobs(jobs_dir: Path, before: set[Path], timeout: float = 10.0) -> list[Path]:
    """The printer simulator's jobs since ``before`` (text files, PNG alongside)."""
    deadline = time.monotonic() + timeout
    found: list[Path] = []
    while time.monotonic() < deadline:
        found = sorted(p for p in jobs_dir.glob("job-*.txt") if p not in before)
        if found and all(p.with_suffix(".png").exists() for p in found):
            return found
        time.sleep(0.1)
    return found


def run_scenarios(driver: Any, user: DemoUser, names: list[str], out_dir: Path,
                  jobs_dir: Path, lang: str) -> list[ScenarioResult]:
    by_name = walkers()
    results: list[ScenarioResult] = []
    for name in names:
        folder = out_dir / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        driver.app.end_session()
        driver.wait_for_screen("attract")
        before = set(jobs_dir.glob("job-*.txt"))
        result = ScenarioResult(name=name, screens=[])
        try:
            result.screens = by_name[name](driver, user, folder, lang)
        except Exception as exc:  # noqa: BLE001 - go on: the summary says which scenario failed
            result.error = f"{type(exc).__name__}: {exc}"
            driver.screenshot(folder / "failed-here.png")
        for index, job in enumerate(_new_jobs(jobs_dir, before), start=1):
            for suffix in (".txt", ".png"):
                target = folder / f"slip-{index}{suffix}"
                shutil.copyfile(job.with_suffix(suffix), target)
                result.slips.append(target)
        results.append(result)
        status = "FAILED: " + result.error if result.error else "ok"
        print(f"kiosk demo: scenario {name:<12} {len(result.screens)} screens, "
              f"{len(result.slips) // 2} slip(s) in {folder}  {status}", flush=True)
    driver.app.end_session()
    return results
