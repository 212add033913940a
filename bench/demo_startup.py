"""How long `kiosk demo --headless` takes to get going: central and both simulators
ready, the kiosk UI's first frame, the scripted payment done. Prints figures; never
passes or fails on time.

    .venv/bin/python bench/demo_startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    phases: dict[str, list[float]] = {}
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            subprocess.run([sys.executable, "-m", "kiosk.cli", "demo", "--headless", "--out",
                            str(out), "--data", str(Path(tmp) / "data")],
                           check=True, capture_output=True, timeout=300)
            seconds = json.loads((out / "summary.json").read_text())["seconds"]
        for phase, value in seconds.items():
            phases.setdefault(phase, []).append(value)
        print(f"run {run + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items()))
    print("\nphase               median    min    max   (seconds since `kiosk demo` started)")
    for phase, values in phases.items():
        print(f"{phase:<18} {statistics.median(values):7.2f} {min(values):6.2f} {max(values):6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
