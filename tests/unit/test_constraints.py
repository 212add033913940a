"""constraints.txt pins every run-time dependency at the version CI installs and tests."""

from __future__ import annotations

import importlib.metadata as metadata
from pathlib import Path

from kiosk import DISTRIBUTION
from kiosk.devtools.constraints import closure, constraints

CONSTRAINTS = Path(__file__).resolve().parents[2] / "constraints.txt"


def pins(text: str) -> dict[str, str]:
    lines = (line for line in text.splitlines() if line and not line.startswith("#"))
    return dict(line.split("==", 1) for line in lines)


def test_the_constraints_file_is_the_venvs_run_time_dependencies() -> None:
    """GIVEN the venv the tests run in
    WHEN its run-time dependencies are pinned again
    THEN the result is constraints.txt as committed: a dependency added, upgraded or
    dropped without re-pinning fails here (`python -m kiosk.devtools.constraints`)."""
    assert constraints() == CONSTRAINTS.read_text(encoding="utf-8")


def test_every_requirement_is_pinned_at_its_installed_version() -> None:
    """GIVEN constraints.txt
    WHEN it is read
    THEN it pins, at the installed version, each direct requirement of the kiosk and
    what they need in turn (sqlalchemy under alembic, pydantic-core under pydantic),
    and no test-only package (pytest, ruff, mypy)."""
    pinned = pins(CONSTRAINTS.read_text(encoding="utf-8"))
    for name in ("kivy", "python-escpos", "fastapi", "sqlalchemy", "pydantic-core",
                 "noto-cjk-sans-otc", "uvicorn", "h11", "psycopg-binary"):
        assert pinned[name] == metadata.version(name)
    assert not {"pytest", "ruff", "mypy", "hypothesis", "import-linter"} & pinned.keys()
    assert closure(DISTRIBUTION).keys() <= pinned.keys()
