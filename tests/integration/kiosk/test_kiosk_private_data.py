"""The kiosk's data folder and its diagnostics are its own user's: every file 0600 in
0700 folders, and `kiosk diag` answered on a 0600 Unix socket, never on a TCP port."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.devtools.loopback import System, running_system
from kiosk.diag_server import DiagServer, ask_running_kiosk
from kiosk.sync.config_slots import ConfigSlots, SlotState

NOBODY = 65534


def listening_tcp_sockets() -> set[str]:
    """Inodes of the TCP sockets this process listens on (/proc/net/tcp, tcp6)."""
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # TCP_LISTEN
                listening.add(fields[9])
    mine = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            mine.add(target[8:-1])
    return listening & mine


def modes(folder: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(os.stat(folder).st_mode)}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = stat.S_IMODE(os.lstat(path).st_mode)
    return found


def test_every_file_of_a_running_kiosk_is_0600_in_0700_folders(tmp_path: Path) -> None:
    """GIVEN a kiosk enrolled (its credential), running (store, WAL, diagnostics socket),
    with pushed-config state and the out-of-service switch on
    WHEN its data folder is walked
    THEN every folder is 0700 and every file, the socket included, 0600."""
    with running_system(tmp_path, background=True) as system:
        data = Path(system.config.kiosk.data_dir)
        ConfigSlots.in_data_dir(data).save_state(SlotState())
        technician = system.runtime.technician
        assert technician is not None
        technician.out_of_service.set(True)
        system.runtime.store.outbox.depth()
        found = modes(data)
        kinds = {name: stat.S_IFMT(os.lstat(data / name).st_mode) for name in found}
    for name in ("central-credential.json", "kiosk.sqlite3", "kiosk.sqlite3-wal",
                 "kiosk.sqlite3-shm", "diag.sock", "config", "config/state.json"):
        assert name in found, sorted(found)
    assert kinds["diag.sock"] == stat.S_IFSOCK
    wrong = {name: oct(mode) for name, mode in found.items()
             if mode != (0o700 if kinds[name] == stat.S_IFDIR else 0o600)}
    assert wrong == {}


def test_diagnostics_listen_on_a_private_socket_and_no_tcp_port(system: System) -> None:
    """GIVEN a kiosk runtime
    WHEN its diagnostics server starts
    THEN the process listens on no new TCP port; the server is the 0600 Unix socket
    <data_dir>/diag.sock in the 0700 data folder, and `kiosk diag`'s client gets the
    report through it (from this process); once stopped, the socket is gone."""
    data = Path(system.config.kiosk.data_dir)
    before = listening_tcp_sockets()
    server = DiagServer(system.runtime)
    path = server.start()
    try:
        assert listening_tcp_sockets() == before
        assert path == data / "diag.sock" and stat.S_ISSOCK(os.lstat(path).st_mode)
        assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
        report = ask_running_kiosk(data, test_print=False)
        assert report is not None and report["source"] == f"running kiosk, pid {os.getpid()}"
    finally:
        server.stop()
    assert not path.exists() and ask_running_kiosk(data, test_print=False) is None


ANOTHER_USER = """
import socket, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.settimeout(10)
try:
    sock.connect(sys.argv[1])
except OSError as exc:
    print("cannot connect:", type(exc).__name__)
    raise SystemExit(0)
try:  # the kiosk may close before the request is even sent
    sock.sendall(b"GET /diag?test_print=1 HTTP/1.0\\r\\n\\r\\n")
    answer = sock.recv(100)
except OSError as exc:
    print("closed:", type(exc).__name__)
    raise SystemExit(0)
print("answer:", answer[:12])
"""
CLOSED_UNANSWERED = ("answer: b''", "closed: ConnectionResetError", "closed: BrokenPipeError")


@pytest.fixture
def open_home(tmp_path: Path) -> Iterator[Path]:
    """A folder every user may pass through (pytest's own are 0700), for a kiosk's data
    folder that another user tries to reach."""
    home = Path(tempfile.mkdtemp(prefix="kiosk-home-"))
    os.chmod(home, 0o755)
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.skipif(os.getuid() != 0, reason="switching to another user needs root")
def test_another_user_gets_no_report_and_no_test_print(open_home: Path) -> None:
    """GIVEN a running kiosk whose data folder lies where every user may pass
    WHEN another user (nobody) tries its diagnostics socket, first as the kiosk made
    it, then with the folder and socket opened to everyone by mistake
    THEN the first connection is refused by the file system (the socket is 0600 in a
    0700 folder); the second is accepted by the kernel but closed by the kiosk without
    an answer (SO_PEERCRED: not the kiosk's user), so nothing is printed; the kiosk's
    own user still gets its report."""
    python = "/usr/bin/python3"  # one another user may run (root's own may sit in /root)
    if not os.path.exists(python):
        pytest.skip("no system python3 for another user to run")
    with running_system(open_home / "kiosk-tree", background=True) as system:
        os.chmod(open_home / "kiosk-tree", 0o755)
        data = Path(system.config.kiosk.data_dir)
        sock = data / "diag.sock"
        jobs = len(system.printer.jobs)

        def as_nobody() -> str:
            done = subprocess.run([python, "-c", ANOTHER_USER, str(sock)], user=NOBODY,
                                  group=NOBODY, capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, done.stderr
            return done.stdout.strip()

        assert as_nobody() == "cannot connect: PermissionError"
        os.chmod(data, 0o755)
        os.chmod(sock, 0o666)
        assert as_nobody() in CLOSED_UNANSWERED
        assert len(system.printer.jobs) == jobs
        report = ask_running_kiosk(data, test_print=False)
        assert report is not None and report["source"].startswith("running kiosk")
