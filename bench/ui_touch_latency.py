"""Touch-to-frame latency of the kiosk UI: from a finger lifting (touch up, where a
button acts) to the next frame drawn (Window ``on_flip``), for every touch of the
docs/screens walk (bill payment, its failures, every self-service to its slip), on the
real UI over the loopback system, offscreen. Prints p50/p95/p99 for all touches and for
the touches that switched screens (targets p95 <= 50 ms, p99 <= 100 ms); never passes
or fails on time. A screen that waits for central or a device changes later: that wait
is the service's, not the touch's, and is not counted here.

    .venv/bin/python bench/ui_touch_latency.py [--lang en] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiosk.ui import kivy_env  # noqa: E402

NO_FRAME_AFTER_S = 2.0


@dataclass(frozen=True)
class Sample:
    before: str
    after: str
    seconds: float


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]  # nearest rank


def summary(name: str, samples: list[Sample]) -> str:
    ms = [s.seconds * 1000 for s in samples]
    if not ms:
        return f"{name:<22} no samples"
    return (f"{name:<22} n={len(ms):4d}  p50 {percentile(ms, 50):6.1f}"
            f"  p95 {percentile(ms, 95):6.1f}  p99 {percentile(ms, 99):6.1f}"
            f"  max {max(ms):6.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", nargs="*", default=["en"])
    parser.add_argument("--services", nargs="*", default=["tax", "stay", "arbitration", "points"])
    parser.add_argument("--scale", type=float, default=1.0, help="of the 1080x1920 screen")
    args = parser.parse_args()
    kivy_env.configure(headless=True, width=int(1080 * args.scale), height=int(1920 * args.scale))

    import logging

    for noisy in ("kivy", "kiosk", "hardware", "central", "root", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    from kivy.base import EventLoop
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch
    from kivy.uix.widget import Widget

    from kiosk.bootstrap import build_app
    from kiosk.devtools.loopback import running_system
    from kiosk.devtools.walk import WalkDriver, walk_language

    flips: list[float] = []
    Window.bind(on_flip=lambda *_: flips.append(time.perf_counter()))

    class TimingDriver(WalkDriver):
        """Taps as Driver does, timing each touch up to the next frame drawn."""

        samples: ClassVar[list[Sample]] = []

        def tap(self, widget: Widget) -> None:
            if widget.disabled:
                raise AssertionError(f"tapping a disabled widget: {widget!r}")
            self.tap_at(*widget.to_window(*widget.center))

        def tap_at(self, x: float, y: float) -> None:
            before = self.app.root.current
            touch = UnitTestTouch(x, y)
            touch.touch_down()
            self.pump(1)
            seen = len(flips)
            lifted = time.perf_counter()
            touch.touch_up()  # Kivy dispatches it now: the button's action runs here
            while len(flips) == seen and time.perf_counter() - lifted < NO_FRAME_AFTER_S:
                EventLoop.idle()
            if len(flips) > seen:
                self.samples.append(Sample(before, self.app.root.current, flips[seen] - lifted))
            self.pump(1)

    out: Any = None
    with tempfile.TemporaryDirectory() as tmp, \
            running_system(Path(tmp), background=True, step_delay_s=0.3) as system:
        driver = TimingDriver(build_app(system.runtime), write_png=False)
        driver.start()
        for lang in args.lang:
            out = walk_language(driver, system, Path(tmp) / "out", lang, args.services)
        driver.app.end_session()
        driver.stop()
    del out
    samples = TimingDriver.samples
    switched = [s for s in samples if s.before != s.after]
    print(f"touch up -> next frame, {Window.width}x{Window.height} offscreen, "
          f"languages {' '.join(args.lang)}:")
    print(summary("every touch", samples))
    print(summary("touch that switched", switched))
    print(summary("touch on same screen", [s for s in samples if s.before == s.after]))
    slowest = sorted(switched, key=lambda s: -s.seconds)[:5]
    print("slowest switches: " + ", ".join(f"{s.before}->{s.after} {s.seconds * 1000:.0f} ms"
                                           for s in slowest))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
