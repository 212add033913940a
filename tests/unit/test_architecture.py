"""The dependency rule and the typing bar of ARCHITECTURE.md, checked on every run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_import_contracts_are_kept(tmp_path: Path) -> None:
    """GIVEN the import-linter contracts in pyproject.toml (the dependency rule)
    WHEN lint-imports checks the code
    THEN every contract is kept."""
    done = subprocess.run([str(BIN / "lint-imports"), "--no-logo", "--no-cache"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_core_is_strictly_typed(tmp_path: Path) -> None:
    """GIVEN the domain, the services and the device protocols
    WHEN mypy --strict checks them
    THEN it finds nothing."""
    done = subprocess.run(
        [str(BIN / "mypy"), "--strict", "--cache-dir", str(tmp_path / "mypy"),
         "kiosk/domain", "kiosk/services", "hardware/base.py", "hardware/document.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
