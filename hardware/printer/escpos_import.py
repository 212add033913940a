"""The one place python-escpos is imported, with its import-time side effects tamed.

Importing ``escpos.capabilities`` calls ``logging.basicConfig()`` (stealing the root
logger from the application) and, unless ESCPOS_CAPABILITIES_PICKLE_DIR is set, makes a
new ``mkdtemp()`` folder in /tmp on every start (PLATFORM.md). Other modules of
hardware.printer import escpos names from here.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path


def _prepare_environment() -> None:
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" in os.environ:
        return
    base = os.environ.get("KIOSK_CACHE_DIR") or tempfile.gettempdir()
    folder = Path(base) / f"escpos-capabilities-{os.getuid()}"
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(folder)


_prepare_environment()
_root_handlers = list(logging.getLogger().handlers)

from escpos.capabilities import CAPABILITIES  # noqa: E402
from escpos.escpos import Escpos  # noqa: E402
from escpos.exceptions import DeviceNotFoundError  # noqa: E402
from escpos.exceptions import Error as EscposError  # noqa: E402
from escpos.printer import Dummy, File, Network, Serial, Usb  # noqa: E402

# Undo basicConfig(): drop any handler escpos added to the root logger.
for _handler in list(logging.getLogger().handlers):
    if _handler not in _root_handlers:
        logging.getLogger().removeHandler(_handler)

__all__ = ["CAPABILITIES", "DeviceNotFoundError", "Dummy", "Escpos", "EscposError", "File",
           "Network", "Serial", "Usb"]
