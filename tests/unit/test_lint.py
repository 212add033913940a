"""ruff check . stays clean: the rules chosen in pyproject.toml ([tool.ruff]) hold for
every Python file of the repository, checked on every run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def ruff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """ruff from the venv, in the repository root, writing no cache into the tree."""
    return subprocess.run([str(BIN / "ruff"), "check", "--no-cache", "--output-format",
                           "concise", *args], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=120)


def test_ruff_finds_nothing() -> None:
    """GIVEN the repository and its ruff configuration
    WHEN `ruff check .` runs
    THEN it finds nothing."""
    done = ruff(".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_repositorys_rules_are_the_ones_checked() -> None:
    """GIVEN a module, read as if it were kiosk/probe.py, with an unused import, a naive
    datetime.now() and a 101-character line
    WHEN ruff checks it with the repository's configuration
    THEN each is a finding (F401; DTZ005, which is not among ruff's defaults; E501 at the
    repository's 100 columns), so the clean run above means those rules held."""
    probe = ("import os\nfrom datetime import datetime\n\nNOW = datetime.now()\n"
             f"TEXT = \"{'x' * 92}\"\n")
    done = ruff("--stdin-filename", "kiosk/probe.py", "-", stdin=probe)
    assert done.returncode == 1, done.stdout + done.stderr
    found = {line.split(" ")[1] for line in done.stdout.splitlines() if "probe.py:" in line}
    assert found == {"F401", "DTZ005", "E501"}, done.stdout
