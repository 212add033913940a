"""`kiosk`, `kiosk-central` and `kiosk-admin` say which version they are."""

from __future__ import annotations

import importlib.metadata as metadata
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from central.admin import main as admin_main
from central.cli import main as central_main
from kiosk import DISTRIBUTION, __version__
from kiosk.cli import main as kiosk_main

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


@pytest.mark.parametrize(("prog", "main"), [("kiosk", kiosk_main),
                                            ("kiosk-central", central_main),
                                            ("kiosk-admin", admin_main)])
def test_version_is_the_distributions(prog: str, main: Callable[[list[str]], int],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a command of the kiosk's distribution
    WHEN it runs with --version
    THEN it exits 0 and prints its name and the installed distribution's version, which
    is pyproject.toml's (one version, never a second copy in the code)."""
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    version = tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    assert metadata.version(DISTRIBUTION) == version == __version__
    assert capsys.readouterr().out == f"{prog} {version}\n"
