"""Where the project's files live: assets, packaged config, caches.

The kiosk is installed editable from its repository (setup.sh), so assets and config
are found next to the packages. Nothing here touches the disk at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = REPO_ROOT / "assets"
CONFIG_DIR = REPO_ROOT / "config"
LOCALE_DIR = ASSETS_DIR / "locale"
DEFAULT_CONFIG = CONFIG_DIR / "default.toml"
DEMO_CONFIG = CONFIG_DIR / "demo.toml"


def cache_dir() -> Path:
    """A per-user cache for derived files (extracted font faces, compiled catalogs)."""
    explicit = os.environ.get("KIOSK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "shanghai-kiosk"
