"""Cold start of the kiosk UI, to the attract screen taking a touch, against a bare Kivy
app opening one window, both offscreen in the same environment (kiosk.ui.kivy_env).

Each run is a fresh interpreter (``python -c``). The kiosk child first builds the whole
system on loopback (central, simulators, enrolled runtime: not UI, timed apart), then
builds the App, shows the attract screen and touches Start; it is ready when the touch
has moved it to the language screen. The bare child opens a window with one Button and
is ready when a touch has pressed it. Prints medians and the ratio (target <= 2x);
never passes or fails on time.

    .venv/bin/python bench/ui_cold_start.py [--runs 5] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

KIOSK_CHILD = """
import json, sys, tempfile, time
from pathlib import Path
from kiosk.ui import kivy_env
kivy_env.configure(headless=True, width={width}, height={height})
from kiosk.devtools.loopback import running_system
with tempfile.TemporaryDirectory() as tmp, running_system(Path(tmp), background=True) as system:
    system_ready = time.monotonic()
    from kiosk.bootstrap import build_app
    from kiosk.ui.driver import Driver
    driver = Driver(build_app(system.runtime))
    driver.start()
    driver.wait_for_screen("attract", timeout=60)
    attract = time.monotonic()
    start = driver.app.screen("attract").ids.start
    driver.tap(start)
    driver.wait_until(lambda: driver.app.root.current == "language", 30, "the touch")
    touched = time.monotonic()
    print(json.dumps({{"system": system_ready, "attract": attract, "touched": touched}}))
    sys.stdout.flush()
    driver.stop()
"""

BARE_CHILD = """
import json, time
from kiosk.ui import kivy_env
kivy_env.configure(headless=True, width={width}, height={height})
from kivy.app import App
from kivy.base import EventLoop
from kivy.tests.common import UnitTestTouch
from kivy.uix.button import Button
pressed = []
class Bare(App):
    def load_kv(self, filename=None):  # no .kv next to `python -c` (Kivy would look)
        return False
    def build(self):
        button = Button(text="Start")
        button.bind(on_release=lambda *_: pressed.append(time.monotonic()))
        return button
app = Bare()
app._run_prepare()
for _ in range(3):
    EventLoop.idle()
shown = time.monotonic()
touch = UnitTestTouch(*app.root.center)
touch.touch_down(); EventLoop.idle(); touch.touch_up()
while not pressed:
    EventLoop.idle()
EventLoop.idle()
print(json.dumps({{"attract": shown, "touched": time.monotonic()}}))
app.stop()
"""


def run_child(code: str) -> dict[str, float]:
    """Seconds since the interpreter was spawned, per phase the child reports."""
    spawned = time.monotonic()  # CLOCK_MONOTONIC is shared by every process on Linux
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=180, check=True)
    line = next(ln for ln in reversed(done.stdout.splitlines()) if ln.startswith("{"))
    return {phase: at - spawned for phase, at in json.loads(line).items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="of the 1080x1920 screen")
    args = parser.parse_args()
    size = {"width": int(1080 * args.scale), "height": int(1920 * args.scale)}
    kiosk_ui: list[float] = []
    kiosk_total: list[float] = []
    kiosk_system: list[float] = []
    bare: list[float] = []
    for run in range(args.runs):  # interleaved: both see the same machine load
        k = run_child(KIOSK_CHILD.format(**size))
        b = run_child(BARE_CHILD.format(**size))
        kiosk_system.append(k["system"])
        kiosk_ui.append(k["touched"] - k["system"])
        kiosk_total.append(k["touched"])
        bare.append(b["touched"])
        print(f"run {run + 1}: kiosk system {k['system']:.2f} s, UI {kiosk_ui[-1]:.2f} s "
              f"(attract at +{k['attract'] - k['system']:.2f} s); bare Kivy {b['touched']:.2f} s")
    ui, whole, alone = (statistics.median(v) for v in (kiosk_ui, kiosk_total, bare))
    print(f"\nmedian of {args.runs} runs at {size['width']}x{size['height']} offscreen:")
    print(f"  bare Kivy app, spawn to a touch taken:          {alone:6.2f} s")
    print("  loopback system (central, simulators, enroll):  "
          f"{statistics.median(kiosk_system):6.2f} s")
    print(f"  kiosk UI after the system, to a touch taken:    {ui:6.2f} s")
    print(f"  kiosk UI incl. interpreter and system:          {whole:6.2f} s")
    print(f"  ratio kiosk UI / bare Kivy: {ui / alone:.2f}x (target <= 2x); "
          f"whole process / bare: {whole / alone:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
