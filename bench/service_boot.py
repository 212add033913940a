"""Boot of the kiosk as its systemd unit starts it, to the attract screen taking a touch,
against a bare Kivy app opening one window, both offscreen on this machine.

systemd is not PID 1 here, so the clock starts at process start instead of `systemctl
start`: `kiosk run --headless --config SITE` is spawned with NOTIFY_SOCKET pointing at a
socket of this script's, as kiosk.service (Type=notify) runs it, and is up when it sends
READY=1, which the UI sends from its main loop once the attract screen takes touches
(kiosk/ui/supervision.py). Its site file points at no central and no devices (a kiosk
booting while they are away; they are polled in the background either way). The bare app
is bench/ui_cold_start.py's: a window with one Button, up when a touch has pressed it.
Runs are interleaved so both see the same load. Prints medians; never passes or fails.

    .venv/bin/python bench/service_boot.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ui_cold_start import BARE_CHILD, run_child

BIN = Path(sys.executable).parent
SITE = """
[kiosk]
data_dir = "{data}"
[central]
url = "http://127.0.0.1:9"
[printer]
url = "tcp://127.0.0.1:9"
[payment]
url = "socket://127.0.0.1:9"
"""


def kiosk_boot(folder: Path) -> float:
    """Seconds from spawning `kiosk run` to its READY=1."""
    site = folder / "site.toml"
    site.write_text(SITE.format(data=folder / "data"), encoding="utf-8")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(folder / "notify"))
        notify.settimeout(120)
        env = {**os.environ, "NOTIFY_SOCKET": str(folder / "notify"), "WATCHDOG_USEC": "30000000"}
        env.pop("DISPLAY", None)
        spawned = time.monotonic()
        kiosk = subprocess.Popen([str(BIN / "kiosk"), "run", "--headless", "--config", str(site)],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while b"READY=1" not in notify.recv(4096).split(b"\n"):
                pass
            return time.monotonic() - spawned
        finally:
            kiosk.terminate()
            kiosk.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    kiosk: list[float] = []
    bare: list[float] = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            kiosk.append(kiosk_boot(Path(tmp)))
        bare.append(run_child(BARE_CHILD.format(width=1080, height=1920))["touched"])
        print(f"run {run + 1}: kiosk to READY=1 {kiosk[-1]:.2f} s; bare Kivy {bare[-1]:.2f} s")
    k, b = statistics.median(kiosk), statistics.median(bare)
    print(f"\nmedian of {args.runs} runs at 1080x1920 offscreen:")
    print(f"  kiosk run, process start to READY=1 (attract takes touches): {k:6.2f} s")
    print(f"  bare Kivy app, process start to a touch taken:              {b:6.2f} s")
    print(f"  ratio: {k / b:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
