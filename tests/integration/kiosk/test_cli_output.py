"""The commands as real processes: every `--help` works, and a command whose output's
reader has gone (`kiosk diag | head -1`) stops quietly, never with a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.devtools.loopback import System, running_system

REPO = Path(__file__).resolve().parents[3]
KIOSK = [sys.executable, "-m", "kiosk.cli"]
CENTRAL = [sys.executable, "-m", "central.cli"]
ADMIN = [sys.executable, "-m", "central.admin"]

pytestmark = pytest.mark.timeout(90)


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with running_system(tmp_path_factory.mktemp("cli-output")) as running:
        yield running


def run_into_closed_pipe(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``command`` with its stdout a pipe whose reading end is already closed (as
    when `head -1` has read its line and gone): its first write meets EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(command, cwd=REPO, stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=60, check=False)
    finally:
        os.close(write_end)


def read_one_line_then_close(command: list[str]) -> tuple[int, str, str]:
    """`command | head -1`: read its first line, close the pipe, and wait for it."""
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()
    errors = process.stderr.read()
    return process.wait(timeout=60), first, errors


def commands(system: System) -> dict[str, list[str]]:
    site = str(system.write_site_file())
    admin = ["--central", system.central_url, "--token", system.admin_token]
    return {
        "kiosk --help": [*KIOSK, "--help"],
        "kiosk sim --help": [*KIOSK, "sim", "--help"],
        "kiosk sim printer --help": [*KIOSK, "sim", "printer", "--help"],
        "kiosk config": [*KIOSK, "config", "--config", site],
        "kiosk diag": [*KIOSK, "diag", "--config", site],
        "kiosk diag --json": [*KIOSK, "diag", "--json", "--config", site],
        "kiosk-central --help": [*CENTRAL, "--help"],
        "kiosk-admin fleet": [*ADMIN, "fleet", *admin],
        "kiosk-admin token list": [*ADMIN, "token", "list", *admin],
    }


NAMES = ["kiosk --help", "kiosk sim --help", "kiosk sim printer --help", "kiosk config",
         "kiosk diag", "kiosk diag --json", "kiosk-central --help", "kiosk-admin fleet",
         "kiosk-admin token list"]


@pytest.mark.parametrize("name", NAMES)
def test_a_closed_output_pipe_stops_the_command_quietly(system: System, name: str) -> None:
    """GIVEN a command whose output goes to a pipe nobody reads any more
    WHEN it runs
    THEN it says nothing on stderr (no traceback, no "Exception ignored" at exit) and
    exits 1, its output lost (argparse's --help drops its text itself and exits 0)."""
    done = run_into_closed_pipe(commands(system)[name])
    assert done.returncode == (0 if name.endswith("--help") else 1), done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert "BrokenPipeError" not in done.stderr, done.stderr


@pytest.mark.parametrize("name", ["kiosk diag", "kiosk config"])
def test_head_one_reads_a_line_and_the_command_ends_without_a_traceback(
        system: System, name: str) -> None:
    """GIVEN a command that prints many lines
    WHEN its first line is read and the pipe closed (`| head -1`)
    THEN the line is there and stderr holds no traceback."""
    code, first, errors = read_one_line_then_close(commands(system)[name])
    assert first.strip() and code in (0, 1), errors
    assert "Traceback" not in errors and "Exception ignored" not in errors, errors


@pytest.mark.parametrize("device", ["printer", "payment", "reader", "keypad", "scanner",
                                    "qrpay", "control"])
def test_kiosk_sim_and_every_simulator_answer_help(device: str) -> None:
    """GIVEN `kiosk sim --help` and `kiosk sim DEVICE --help` for every device
    WHEN each runs
    THEN each exits 0 with its own usage on stdout (the simulator's, not kiosk's)."""
    top = subprocess.run([*KIOSK, "sim", "--help"], cwd=REPO, capture_output=True, text=True,
                         timeout=60, check=False)
    assert top.returncode == 0 and top.stdout.startswith("usage: kiosk sim ")
    assert device in top.stdout
    own = subprocess.run([*KIOSK, "sim", device, "--help"], cwd=REPO, capture_output=True,
                         text=True, timeout=60, check=False)
    assert own.returncode == 0, own.stderr
    assert own.stdout.startswith(f"usage: kiosk sim {device} ")
