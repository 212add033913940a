from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.devtools.loopback import System, running_system


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    with running_system(tmp_path) as running:
        yield running
