"""Shared test set-up: keep Kivy, python-escpos and caches out of the user's home."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_CACHE = Path(tempfile.gettempdir()) / f"kiosk-test-cache-{os.getuid()}"
_CACHE.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("KIOSK_CACHE_DIR", str(_CACHE))
os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(_CACHE / "escpos"))
(_CACHE / "escpos").mkdir(exist_ok=True)


def pytest_xdist_auto_num_workers(config: object) -> int | None:
    """``-n auto`` (pyproject's addopts): one worker more than the cores. The tests wait
    about a fifth of their time on sockets, the simulators' delays and child processes,
    and a third worker on two cores kept both busy (the whole suite: 891 -> 810 s).
    PYTEST_XDIST_AUTO_NUM_WORKERS still decides when set (None: xdist reads it)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    return len(os.sched_getaffinity(0)) + 1
