"""Where the kiosk's files are: its package data and the per-user cache.

A wheel is the unit of delivery, so everything the kiosk reads at run time is package
data (kiosk.data) found with importlib.resources, never next to a checkout: an installed
wheel and an editable install read the same files. Nothing here touches the disk at
import time.
"""

from __future__ import annotations

import os
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

DATA_PACKAGE = "kiosk.data"


def config_file(name: str) -> Traversable:
    """A packaged config file: default.toml, demo.toml or site.example.toml."""
    return files(DATA_PACKAGE) / "config" / name


def default_config() -> Traversable:
    """The packaged defaults, the lowest layer of every configuration."""
    return config_file("default.toml")


def demo_config() -> Traversable:
    """What `kiosk demo` layers over the defaults."""
    return config_file("demo.toml")


def locale_dir() -> Traversable:
    """The gettext catalogs: <lang>/LC_MESSAGES/kiosk.po."""
    return files(DATA_PACKAGE) / "locale"


def cache_dir() -> Path:
    """A per-user cache for derived files (extracted font faces, compiled catalogs)."""
    explicit = os.environ.get("KIOSK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "shanghai-kiosk"
