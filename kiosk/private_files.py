"""The kiosk's data folder is its own: 0700, and every file in it 0600 (the store, its
-wal/-shm/-journal companions, the central credential, the pushed config slots, the
diagnostics socket, the out-of-service switch). It holds payments, records waiting for
central and the kiosk's credential: no other user of the machine reads any of it.

Created files get their mode when they are created (never readable by others, not even
for a moment); files and folders made by an older version are tightened at start.
SQLite creates a database's -wal, -shm and -journal files with the database file's
mode, so creating the database file 0600 covers them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """``path`` made (with any missing parents) or tightened to 0700."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):  # outermost first
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
    _chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """``path`` created empty (if missing) or tightened, 0600 either way."""
    path = Path(path)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    _chmod(path, FILE_MODE)
    return path


def private_sqlite_file(path: Path) -> Path:
    """A SQLite database file and whichever companions exist, 0600, in a 0700 folder:
    call it before SQLite opens the file, so the companions inherit the mode."""
    private_dir(Path(path).parent)
    private_file(path)
    for suffix in SQLITE_COMPANIONS:
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            _chmod(companion, FILE_MODE)
    return Path(path)


def _chmod(path: Path, mode: int) -> None:
    """Tighten ``path`` to ``mode`` unless it already is; a path this user may not change
    is left as it is, loudly (the kiosk still starts)."""
    try:
        if stat.S_IMODE(path.stat().st_mode) != mode:
            os.chmod(path, mode)
    except PermissionError:
        log.warning("cannot make %s private (mode %o): not its owner", path, mode)
