"""The one place python-escpos is imported, with its import-time side effects tamed.

Importing ``escpos.capabilities`` calls ``logging.basicConfig()`` (stealing the root
logger from the application) and, unless ESCPOS_CAPABILITIES_PICKLE_DIR is set, makes a
new ``mkdtemp()`` folder in /tmp on every start. It also caches its printer database as
a pickle in that folder, written in place: a second process starting meanwhile reads a
half-written file, and a process killed while writing leaves one that fails every later
start (EOFError at import). So the pickle is made here first, atomically, and escpos
only ever reads it. Other modules of hardware.printer import escpos names from here.
"""

from __future__ import annotations

import importlib.resources
import logging
import os
import pickle
import platform
import tempfile
from pathlib import Path

import yaml


def _prepare_environment() -> None:
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(_private_cache_folder())
    if "ESCPOS_CAPABILITIES_FILE" not in os.environ:
        _ensure_capabilities_pickle(Path(os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"]))


def _private_cache_folder() -> Path:
    """The user's cache (as kiosk.paths.cache_dir), 0700. A pickle is code: a folder
    another user could write to (a planted /tmp name) is refused for a fresh one."""
    base = (os.environ.get("KIOSK_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
            or str(Path.home() / ".cache"))
    folder = Path(base) / "escpos-capabilities"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
        if info.st_uid == os.getuid() and not info.st_mode & 0o022:
            return folder
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix="escpos-capabilities-"))


def _ensure_capabilities_pickle(folder: Path) -> None:
    """Write the pickle escpos.capabilities looks for (its name and freshness rule),
    unless a readable one newer than the database is there: into a temporary file, then
    renamed, so no reader ever sees it half-written."""
    source = Path(str(importlib.resources.files("escpos") / "capabilities.json"))
    target = folder / f"{platform.python_version()}.capabilities.pickle"
    try:
        if target.stat().st_mtime >= source.stat().st_mtime:
            with target.open("rb") as cached:
                pickle.load(cached)
            return
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError):
        pass  # missing, stale or broken (a kill mid-write by an older version): rebuild
    with source.open(encoding="utf-8") as database:
        capabilities = yaml.safe_load(database)
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    with partial.open("wb") as out:
        pickle.dump(capabilities, out)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(target)


_prepare_environment()
_root_handlers = list(logging.getLogger().handlers)

from escpos.capabilities import CAPABILITIES  # noqa: E402
from escpos.escpos import Escpos  # noqa: E402
from escpos.exceptions import DeviceNotFoundError, Error as EscposError  # noqa: E402
from escpos.printer import Dummy, File, Network, Serial, Usb  # noqa: E402

# Undo basicConfig(): drop any handler escpos added to the root logger.
for _handler in list(logging.getLogger().handlers):
    if _handler not in _root_handlers:
        logging.getLogger().removeHandler(_handler)

__all__ = ["CAPABILITIES", "DeviceNotFoundError", "Dummy", "Escpos", "EscposError", "File",
           "Network", "Serial", "Usb"]
