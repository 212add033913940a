"""Waiting for a child process's ``--ready-file`` (hardware.sim.runner.ReadyFile): the
simulators' and central's command lines write one, atomically, once they listen."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from tests.patience import PATIENCE_S


def wait_for_ready_file(path: Path, process: subprocess.Popen[str] | None = None,
                        timeout_s: float = PATIENCE_S) -> dict[str, object]:
    """The ready file's content once it is there. Fails at once, with the process's
    output, if ``process`` ends first; after ``timeout_s`` (a Python start on a loaded
    machine takes seconds) if nothing comes."""
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the process ended before its ready file: "
                                 f"{process.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no ready file at {path} after {timeout_s:.0f} s")
        time.sleep(0.02)
    content: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return content
