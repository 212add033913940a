"""What one screen change costs to draw: Kivy's FadeTransition (two window-sized
offscreen buffers and a shader per change) against the kiosk's CrossFade
(kiosk/ui/transitions.py), on the real UI offscreen, every frame drawn as on a kiosk.
Switches between the language and home screens ``--changes`` times with each and
prints the process's CPU time and wall time per change, and the frames drawn per
change. Figures only: never passes or fails.

    .venv/bin/python bench/ui_screen_change.py [--changes 40]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiosk.ui import kivy_env  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=40)
    args = parser.parse_args()
    kivy_env.configure(headless=True, width=1080, height=1920, driven=True)

    import logging

    for noisy in ("kivy", "kiosk", "hardware", "central", "root", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    from kivy.base import EventLoop
    from kivy.core.window import Window
    from kivy.uix.screenmanager import FadeTransition

    from kiosk.bootstrap import build_app
    from kiosk.devtools.loopback import running_system
    from kiosk.ui.driver import Driver
    from kiosk.ui.transitions import FADE_S, CrossFade

    frames = [0]
    Window.bind(on_flip=lambda *_: frames.__setitem__(0, frames[0] + 1))

    with tempfile.TemporaryDirectory() as tmp, \
            running_system(Path(tmp), background=True) as system:
        driver = Driver(build_app(system.runtime))
        driver.start()
        app = driver.app
        driver.tap(app.screen("attract").ids.start)
        driver.wait_for_screen("language")
        app.screen("home")  # built before timing
        print(f"{args.changes} changes between the language and home screens, 1080x1920")
        for name, transition in (("Kivy FadeTransition", FadeTransition(duration=FADE_S)),
                                 ("CrossFade", CrossFade())):
            app.root.transition = transition
            frames[0] = 0
            cpu, wall = time.process_time(), time.perf_counter()
            for change in range(args.changes):
                app.root.current = "home" if change % 2 == 0 else "language"
                while app.root.transition.is_active:
                    EventLoop.idle()
                EventLoop.idle()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            print(f"{name:<20} cpu {cpu / args.changes * 1000:6.1f} ms/change  "
                  f"wall {wall / args.changes * 1000:6.1f} ms/change  "
                  f"frames {frames[0] / args.changes:4.1f}/change")
        driver.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
