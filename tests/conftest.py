"""Shared test set-up: keep Kivy, python-escpos and caches out of the user's home."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_CACHE = Path(tempfile.gettempdir()) / f"kiosk-test-cache-{os.getuid()}"
_CACHE.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("KIOSK_CACHE_DIR", str(_CACHE))
os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(_CACHE / "escpos"))
(_CACHE / "escpos").mkdir(exist_ok=True)
# Mesa's software rasterizer (the offscreen window has no GPU) draws in the calling
# thread, not in a thread per core: with a worker per core already, its threads only
# contend, and a label's texture upload waited on them (a text-fit walk: 80 -> 71 s).
os.environ.setdefault("LP_NUM_THREADS", "0")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """One worker more than the cores (`-n auto`): the suite is wait-bound (central
    round trips, printer lines at their baud rate, venv installs), so two workers left
    28% of two cores idle. KIOSK_TEST_WORKERS overrides."""
    wanted = os.environ.get("KIOSK_TEST_WORKERS")
    if wanted:
        return int(wanted)
    return len(os.sched_getaffinity(0)) + 1


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "long(seconds): a test that runs for about that long on an idle 2-core "
        "machine; the long ones start first, spread over the workers")


@pytest.hookimpl(trylast=True)  # after pytest-randomly has shuffled
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start the long tests first, shared out so each worker's first batch carries the
    same number of long seconds. In random order a 150 s test that came up last kept
    one worker busy while the other had nothing left to do. pytest-xdist's worksteal
    schedule hands each worker a contiguous slice of this list (then balances by
    stealing from the tail), so each slice is built here with its long tests in front."""
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    long_tests = sorted((item for item in items if item.get_closest_marker("long")),
                        key=_expected_seconds, reverse=True)
    if not long_tests:
        return
    chosen = {id(item) for item in long_tests}
    rest = [item for item in items if id(item) not in chosen]
    shares: list[list[pytest.Item]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for item in long_tests:  # longest first, each to the least loaded worker
        lightest = loads.index(min(loads))
        shares[lightest].append(item)
        loads[lightest] += _expected_seconds(item)
    ordered: list[pytest.Item] = []
    left = len(items)
    for worker, share in enumerate(shares):
        size = left // (workers - worker)  # the slice xdist sends this worker first
        fill = max(0, size - len(share))
        ordered += share + rest[:fill]
        rest = rest[fill:]
        left -= size
    items[:] = ordered + rest


def _expected_seconds(item: pytest.Item) -> float:
    marker = item.get_closest_marker("long")
    return float(marker.args[0]) if marker and marker.args else 0.0
