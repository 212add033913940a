"""Memory of the kiosk UI over many sessions: RSS and tracemalloc after a warm-up of 10
sessions and after N (default 1,000), each session driven by simulated touches on the
real UI over the loopback system, offscreen: touch Start, pick a language (all eight in
turn), start the bill payment, pick a biller, type on the keypad, then Cancel and Finish
(every 10th session instead walks off and the idle countdown ends it). Prints the growth
(target <= 10 MB); never passes or fails on it.

    .venv/bin/python bench/ui_session_memory.py [--sessions 1000] [--scale 0.5]

Native memory the figures include: Kivy keeps up to 64 SDL2_ttf fonts open, one per face
and whole-pixel size, each Noto Sans CJK face about 2.5 MB; they open on first use, so the
first sessions that meet a language's screen at a new size grow RSS until every face and
size has been met (about session 75 here). The line "after session 100" shows the growth
once they are all open, which is where a leak would show.

The window is half the reference size by default: offscreen frames are drawn by the CPU
and a 1,000-session run at full size takes most of an hour; the figures are of Python
objects and textures per session, which the size barely touches.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiosk.ui import kivy_env  # noqa: E402

WARM_UP = 10
# By session 100 every language has met every screen of the walk (and the idle question):
# each font face and size has been opened once. Growth after it is what a leak would show.
CACHES_WARM = 100
IDLE_EVERY = 10


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(ln for ln in status if ln.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def one_session(driver: Any, lang: str, idle_out: bool) -> None:
    from kiosk.ui.walkthrough import type_account

    app = driver.app
    driver.wait_for_screen("attract")
    driver.tap(app.screen("attract").ids.start)
    driver.wait_for_screen("language")
    driver.tap(app.screen("language").button_for(lang))
    driver.wait_for_screen("home")
    driver.tap(app.screen("home").tiles["bill_payment"])
    driver.wait_for_screen("biller")
    driver.tap(app.screen("biller").tiles["sh-water"])
    driver.wait_for_screen("account")
    type_account(driver, "3100")
    if idle_out:  # the person walks away: the clock is moved on, the App's own check acts
        settings = app.settings
        app.last_touch = time.monotonic() - settings.idle_timeout_s
        driver.wait_until(lambda: app._idle_dialog is not None, 5, "Are you still there?")
        driver.pump(2)
        app.last_touch = time.monotonic() - settings.idle_timeout_s - settings.idle_countdown_s
    else:
        driver.tap(app.screen("account").ids.cancel)
        driver.wait_for_screen("home")
        driver.tap(app.screen("home").ids.finish)
    driver.wait_for_screen("attract")


def measure() -> tuple[float, float]:
    gc.collect()
    return rss_mb(), tracemalloc.get_traced_memory()[0] / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=0.5, help="of the 1080x1920 screen")
    args = parser.parse_args()
    kivy_env.configure(headless=True, width=int(1080 * args.scale), height=int(1920 * args.scale))

    import logging

    for noisy in ("kivy", "kiosk", "hardware", "central", "root", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    from kiosk.bootstrap import build_app
    from kiosk.devtools.loopback import running_system
    from kiosk.domain.languages import LANGUAGES
    from kiosk.ui.driver import Driver

    langs = list(LANGUAGES)
    with tempfile.TemporaryDirectory() as tmp, \
            running_system(Path(tmp), background=True) as system:
        driver = Driver(build_app(system.runtime))
        driver.start()
        app = driver.app
        started = time.monotonic()
        rss_warm = rss_cached = 0.0
        for number in range(1, args.sessions + 1):
            one_session(driver, langs[number % len(langs)], idle_out=number % IDLE_EVERY == 0)
            if number == WARM_UP:
                tracemalloc.start()  # traces what is allocated from here on and kept
                rss_warm, traced_warm = measure()
                print(f"after {WARM_UP:5d} sessions: RSS {rss_warm:7.1f} MB")
            elif number % 100 == 0 or number == args.sessions:
                rss, traced = measure()
                if number == CACHES_WARM:
                    rss_cached = rss
                print(f"after {number:5d} sessions: RSS {rss:7.1f} MB (+{rss - rss_warm:.1f}), "
                      f"traced since session {WARM_UP}: {traced - traced_warm:.2f} MB "
                      f"({time.monotonic() - started:.0f} s)", flush=True)
        rss_end, traced_end = measure()
        top = tracemalloc.take_snapshot().statistics("lineno")[:5]
        tracemalloc.stop()
        app.end_session()
        driver.stop()
    sessions = args.sessions - WARM_UP
    print(f"\ngrowth over {sessions} sessions (after {WARM_UP} to after {args.sessions}):")
    print(f"  RSS         {rss_end - rss_warm:+7.2f} MB  (target <= 10 MB)")
    if args.sessions > CACHES_WARM:
        print(f"  RSS after session {CACHES_WARM} (fonts opened) to {args.sessions}: "
              f"{rss_end - rss_cached:+.2f} MB")
    print(f"  tracemalloc {traced_end - traced_warm:+7.2f} MB  "
          f"({(traced_end - traced_warm) * 2**20 / max(1, sessions):.0f} bytes a session)")
    print("  largest live allocations since the warm-up:")
    for stat in top:
        print(f"    {stat.size / 1024:8.1f} KiB  {stat.count:6d} blocks  {stat.traceback[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
