"""Render every screen of the kiosk in every language into docs/screens, from the real
UI over the real simulators and central (nothing is mocked or drawn by hand).

    python -m kiosk.devtools.screens [--out docs/screens] [--lang ko ...] [--scale 0.5]
                                     [--check textfit] [--no-png]

Per language (docs/screens/<lang>/): the walkthrough of a paid water bill (attract,
language, home, biller, account, review, card, receipt), then an unknown account, a
declined card and a receipt that could not be printed, plus the printed receipt as the
printer simulator rendered it. Then a bill paid with a QR payment app, the QR
providers' simulator playing the app (docs/screens/<lang>/qr/: the ways to pay, show a
code or scan the app's, the code paid in the app, the receipt and its slip, the
scanner, a code refused for its balance). Then each other self-service walked to its
slip, every screen on the way (docs/screens/<lang>/<service>/, with slip.png as
printed). Last,
technician mode in that language (docs/screens/<lang>/technician/: the PIN keypad, a
wrong PIN, the lockout, devices and versions, a test print, a reprint and its slip) and
the out-of-service screen; the walk sets its own technician PIN and puts the kiosk back
in service afterwards. PNGs are
stored with a 64-colour palette: a third of the size, and the flat UI looks the same.
The walk itself is kiosk.devtools.walk; ``--check textfit`` also checks every screen it
shows (kiosk.devtools.textfit) and ``--no-png`` leaves docs/screens alone.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path
from typing import Any

from kiosk.domain.languages import LANGUAGES

log = logging.getLogger(__name__)
# A dev tool run from a checkout (an editable install): the screens go into its docs.
CHECKOUT_SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.devtools.screens", description=__doc__)
    parser.add_argument("--out", default=str(CHECKOUT_SCREENS))
    parser.add_argument("--lang", nargs="*", default=list(LANGUAGES))
    parser.add_argument("--services", nargs="*", default=["tax", "stay", "arbitration", "points"],
                        help="the self-services walked after the bill payment")
    parser.add_argument("--scale", type=float, default=0.5,
                        help="of the 1080x1920 reference screen (0.5 keeps the repository small)")
    parser.add_argument("--check", choices=["textfit"], default=None,
                        help="also check every screen shown (textfit: every text fits)")
    parser.add_argument("--no-png", action="store_true",
                        help="write no PNGs (and leave --out alone): for --check")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("kivy", "kiosk", "hardware", "central", "root", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from kiosk.ui import kivy_env

    # Drawn as a kiosk's GPU draws them, edges smoothed; the checks alone skip that.
    kivy_env.configure(headless=True, width=int(1080 * args.scale),
                       height=int(1920 * args.scale), driven=True, antialias=not args.no_png)

    from kiosk.bootstrap import build_app
    from kiosk.devtools.loopback import running_system
    from kiosk.devtools.walk import WalkDriver, walk_language
    from kiosk.ui.driver import UNWATCHED_DRAW_EVERY_S, draw_at_most_every

    check = _make_check(args.check)
    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp, \
            running_system(Path(tmp), background=True, step_delay_s=0.3,
                           kiosk_id="SH-CN-DEMO-01", qrpay=True) as system:
        draw_at_most_every(UNWATCHED_DRAW_EVERY_S)  # only the screenshots are looked at
        driver = WalkDriver(build_app(system.runtime), check=check, write_png=not args.no_png)
        driver.start()
        for lang in args.lang:
            folder = walk_language(driver, system, out, lang, args.services)
            print(f"{lang}: {folder}" if driver.write_png else f"{lang}: walked")
        driver.app.end_session()
        driver.stop()
    if check is not None:
        print(check.report())
        return 1 if check.problems else 0
    return 0


def _make_check(name: str | None) -> Any:
    if name == "textfit":
        from kiosk.devtools.textfit import TextFitCheck

        return TextFitCheck()
    return None


if __name__ == "__main__":
    raise SystemExit(main())
