"""python-escpos caches its printer database as a pickle, written in place at import:
hardware.printer.escpos_import makes that pickle itself, atomically, so a process killed
mid-write or two processes starting together never break a later start."""

from __future__ import annotations

import os
import platform
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
IMPORT = "import hardware.printer.escpos_import as e; print(len(e.CAPABILITIES['profiles']))"


def _import_in_child(pickle_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "ESCPOS_CAPABILITIES_PICKLE_DIR": str(pickle_dir)}
    return subprocess.Popen([sys.executable, "-c", IMPORT], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _pickle_in(folder: Path) -> Path:
    return folder / f"{platform.python_version()}.capabilities.pickle"


def test_a_pickle_cut_off_by_a_kill_does_not_break_the_next_start(tmp_path: Path) -> None:
    """GIVEN the capabilities pickle as a process killed while writing it leaves it:
    empty, and newer than the database (escpos would trust it)
    WHEN a new process imports the printer layer
    THEN it starts, with escpos's printer profiles, and the pickle is whole again."""
    _pickle_in(tmp_path).write_bytes(b"")
    child = _import_in_child(tmp_path)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err[-2000:]
    assert int(out) > 10
    assert _pickle_in(tmp_path).stat().st_size > 1000


def test_processes_starting_together_all_start(tmp_path: Path) -> None:
    """GIVEN no capabilities pickle yet
    WHEN six processes import the printer layer at the same moment
    THEN every one starts, and no temporary file is left beside the pickle."""
    children = [_import_in_child(tmp_path) for _ in range(6)]
    results = [(*child.communicate(timeout=120), child.returncode) for child in children]
    assert all(code == 0 for _out, _err, code in results), [err[-500:] for _o, err, _c in results]
    assert [path.name for path in tmp_path.iterdir()] == [_pickle_in(tmp_path).name]


def test_a_cache_folder_another_user_could_write_is_not_used(tmp_path: Path) -> None:
    """GIVEN the cache base holds an escpos-capabilities folder others may write to (a
    planted folder: a pickle in it would run as the kiosk)
    WHEN the printer layer picks its pickle folder
    THEN it uses a fresh private folder instead."""
    planted = tmp_path / "escpos-capabilities"
    planted.mkdir()
    os.chmod(planted, 0o777)
    env = {key: value for key, value in os.environ.items()
           if key != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    env["KIOSK_CACHE_DIR"] = str(tmp_path)
    code = ("import os, hardware.printer.escpos_import; "
            "print(os.environ['ESCPOS_CAPABILITIES_PICKLE_DIR'])")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, text=True,
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    chosen = Path(done.stdout.strip())
    assert chosen != planted and not list(planted.iterdir())
    assert stat.S_IMODE(chosen.stat().st_mode) == 0o700
