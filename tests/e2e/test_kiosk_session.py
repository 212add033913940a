"""The installed kiosk session, as far as it runs without a machine's systemd and screen:
the X session script `kiosk install` lays out, under Xvfb in place of Xorg, then
`kiosk run` as kiosk.service starts it (NOTIFY_SOCKET, WATCHDOG_USEC, DISPLAY)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

VENV = Path(sys.prefix)
X_TOOLS = ("Xvfb", "matchbox-window-manager", "xset", "xhost", "xsetroot", "xprop", "xwininfo")
SCREEN = (1920, 1080)  # a landscape panel; the kiosk's portrait UI is turned onto it


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    """The files `kiosk install` lays out, under a root of this test's own."""
    root = tmp_path / "root"
    subprocess.run([str(VENV / "bin" / "kiosk"), "install", "--root", str(root), "--venv",
                    str(VENV)], check=True, capture_output=True, timeout=60)
    return root


def server_options(root: Path) -> list[str]:
    """The X server options kiosk-display.service gives Xorg, less those only Xorg knows
    (its console): Xvfb stands in for Xorg, so it runs as the unit says (-noreset above
    all, see docs/deployment.md)."""
    unit = (root / "etc/systemd/system/kiosk-display.service").read_text(encoding="utf-8")
    [exec_start] = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    xorg = exec_start.split(" -- ", 1)[1].split()
    assert xorg[0] == "/usr/bin/Xorg" and xorg[1] == ":0" and xorg[2].startswith("vt")
    return [option for option in xorg[3:] if option != "-keeptty"]


@pytest.fixture
def display(installed: Path) -> Iterator[str]:
    """A fresh X server (Xvfb in place of the kiosk's Xorg, with the unit's options) on a
    display number drawn at random from a wide range: with -displayfd two suites running
    at once both started at :0, and one server going away took the other's socket with it
    (its window manager could not open the display)."""
    missing = [tool for tool in X_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"missing {', '.join(missing)}: ./setup.sh installs them as root")
    for _attempt in range(5):
        number = 100 + secrets.randbelow(30000)
        read_end, write_end = os.pipe()
        server = subprocess.Popen(
            ["Xvfb", f":{number}", "-displayfd", str(write_end), "-screen", "0",
             f"{SCREEN[0]}x{SCREEN[1]}x24", *server_options(installed)],
            pass_fds=(write_end,), stderr=subprocess.DEVNULL)
        os.close(write_end)
        with os.fdopen(read_end) as numbers:
            ready = numbers.readline().strip()  # written once it takes connections
        if ready == str(number):
            break
        stop(server)  # that number was taken: draw another
    else:
        pytest.fail("Xvfb found no free display in 5 tries")
    yield f":{number}"
    stop(server)


def on_display(display: str) -> dict[str, str]:
    """This process's environment for a child on ``display``: without the offscreen video
    driver kiosk.ui.kivy_env sets in a test process that drove the UI before this test
    (the kiosk would then draw offscreen, and no window would be found)."""
    env = {name: value for name, value in os.environ.items() if name != "SDL_VIDEODRIVER"}
    return {**env, "DISPLAY": display}


def x(display: str, *command: str) -> str:
    done = subprocess.run(command, env=on_display(display),
                          capture_output=True, text=True, timeout=30, check=True)
    return done.stdout


def test_the_session_shows_only_the_kiosk_full_screen_and_the_kiosk_pings(
        tmp_path: Path, installed: Path, display: str) -> None:
    """GIVEN the session files of `kiosk install` and an X server with a landscape screen
    WHEN the session script runs on it (the server started with the display unit's
    options), kiosk-wait-display returns, and `kiosk run` starts as kiosk.service does
    (the site file's ui.fullscreen and ui.rotation = 90)
    THEN the screen never blanks, only this user may use the display, the kiosk tells
    the notify socket READY=1 and pings its watchdog, and its window fills the screen."""
    libexec = installed / "usr/local/lib/kiosk"
    env = on_display(display)
    session = subprocess.Popen([str(libexec / "kiosk-xsession")], env=env)
    kiosk: subprocess.Popen[bytes] | None = None
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(60)
    try:
        subprocess.run([str(libexec / "kiosk-wait-display"), "20"], env=env, check=True,
                       timeout=30)
        site = tmp_path / "site.toml"
        site.write_text(f"""
[kiosk]
data_dir = "{tmp_path / 'data'}"
[ui]
fullscreen = true
rotation = 90
[central]
url = "http://127.0.0.1:9"
[printer]
url = "tcp://127.0.0.1:9"
[payment]
url = "socket://127.0.0.1:9"
""", encoding="utf-8")
        kiosk = subprocess.Popen(
            [str(VENV / "bin" / "kiosk"), "run", "--config", str(site)],
            env={**env, "NOTIFY_SOCKET": str(tmp_path / "notify"),
                 "WATCHDOG_USEC": "1000000"},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        started = time.monotonic()
        messages = [notify.recv(4096).decode()]
        while "READY=1" not in messages:
            messages.append(notify.recv(4096).decode())
        ready_after = time.monotonic() - started
        pings = 0
        while pings < 3:
            pings += notify.recv(4096) == b"WATCHDOG=1"
        assert messages[-2:] == ["STATUS=attract loop: waiting for a user", "READY=1"]
        # The session made its settings right after its window manager came up.
        saver = x(display, "xset", "q")
        assert re.search(r"prefer blanking:\s+no", saver) and re.search(r"timeout:\s+0", saver)
        assert x(display, "xhost").splitlines()[1:] == [f"SI:localuser:{_user()}"]
        geometry = x(display, "xwininfo", "-name", "Self-service kiosk")
        assert _field(geometry, "Absolute upper-left X") == 0
        assert _field(geometry, "Absolute upper-left Y") == 0
        assert (_field(geometry, "Width"), _field(geometry, "Height")) == SCREEN
        print(f"kiosk ready {ready_after:.1f} s after start")
    finally:
        if kiosk is not None:
            stop(kiosk)
        stop(session)
        notify.close()
    assert kiosk.returncode == 0, kiosk.stderr.read().decode() if kiosk.stderr else ""


def _field(xwininfo: str, name: str) -> int:
    match = re.search(rf"{re.escape(name)}:\s+(-?\d+)", xwininfo)
    assert match, xwininfo
    return int(match.group(1))


def _user() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name
