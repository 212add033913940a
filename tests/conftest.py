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

