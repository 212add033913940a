"""A throwaway PostgreSQL server for central's tests: initdb into a temporary directory,
listen on 127.0.0.1 (a free port) and a private Unix socket directory, one fresh database
per test, everything removed at the end.

PostgreSQL refuses to run as root, so when the tests run as root the data directory is
handed to the ``postgres`` system user (which the Debian package creates) and the server
commands run through ``runuser``. The server only trusts connections from this machine,
and its data is thrown away, so durability is switched off for speed, and it lives in
memory when the machine has a RAM-backed /dev/shm.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

PG_COMMAND_TIMEOUT_S = 60.0
PG_SUPERUSER = "postgres"
# Durability off: the data lives for one test session. Small shared buffers keep the
# server light on a machine shared with other jobs.
FAST_SETTINGS = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                 "-c shared_buffers=16MB -c max_connections=60")


# A RAM-backed directory for the data when the machine has one: every test creates a
# database from a template, and on an ext4 disk (mounted with discard) a CREATE DATABASE
# took about 300 ms, in /dev/shm about 35 ms, durability being off either way.
MEMORY_DIR = Path("/dev/shm")
MEMORY_NEEDED = 1 << 30


def memory_dir() -> str | None:
    """/dev/shm when it is a writable directory with 1 GiB free, else None (the system's
    temporary directory)."""
    try:
        free = shutil.disk_usage(MEMORY_DIR).free
    except OSError:
        return None
    return str(MEMORY_DIR) if free >= MEMORY_NEEDED and os.access(MEMORY_DIR, os.W_OK) else None


ROOT_PREFIX = "kiosk-pg-"
ABANDONED_AFTER_S = 3600.0


def remove_abandoned(parent: Path) -> None:
    """Remove what killed test runs left in memory: a server directory whose postmaster
    is gone, or an hour old without ever having one (one being set up has none yet)."""
    for root in parent.glob(f"{ROOT_PREFIX}*"):
        pid_file = root / "data" / "postmaster.pid"
        try:
            if pid_file.exists():
                pid = int(pid_file.read_text().split()[0])
                try:
                    os.kill(pid, 0)
                    continue  # a server of a run still going
                except ProcessLookupError:
                    pass
            elif time.time() - root.stat().st_mtime < ABANDONED_AFTER_S:
                continue
        except (OSError, ValueError, IndexError):
            continue
        shutil.rmtree(root, ignore_errors=True)


class PostgresUnavailable(RuntimeError):
    """No usable PostgreSQL server binaries on this machine."""


def find_bin_dir() -> Path:
    """The directory holding initdb and pg_ctl: $PATH first, then Debian's versioned
    /usr/lib/postgresql/<major>/bin (not on $PATH), the newest major version first."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit()
                        else 0, reverse=True)
    for candidate in candidates:
        directory = Path(candidate)
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install the Debian package "
        "`postgresql` (./setup.sh does when run as root)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThrowawayPostgres:
    """start() → url_for(database) / create_database() → stop(). Safe to stop twice."""

    def __init__(self, bin_dir: Path | None = None) -> None:
        self.bin_dir = bin_dir or find_bin_dir()
        self.port = 0
        self._root: Path | None = None
        self._run_as: str | None = None

    @property
    def data_dir(self) -> Path:
        assert self._root is not None, "server not started"
        return self._root / "data"

    @property
    def log_file(self) -> Path:
        assert self._root is not None, "server not started"
        return self._root / "server.log"

    def start(self) -> None:
        owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:  # the server refuses to run as root
            try:
                owner = pwd.getpwnam(PG_SUPERUSER)
            except KeyError as error:
                raise PostgresUnavailable(
                    "running as root but there is no `postgres` system user to run the "
                    "server as (the Debian package `postgresql` creates it)") from error
            self._run_as = PG_SUPERUSER
        # Not pytest's tmp_path: its parents are private to root, and postgres must reach it.
        memory = memory_dir()
        if memory is not None:
            remove_abandoned(Path(memory))
        self._root = Path(tempfile.mkdtemp(prefix=ROOT_PREFIX, dir=memory))
        if owner is not None:
            os.chown(self._root, owner.pw_uid, owner.pw_gid)
        try:
            self._run([str(self.bin_dir / "initdb"), "-D", str(self.data_dir),
                       "-U", PG_SUPERUSER, "--auth=trust", "--encoding=UTF8", "--no-locale",
                       "--no-sync", "--no-instructions"])
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            self.stop()
            detail = getattr(error, "stderr", b"") or b""
            raise RuntimeError(f"initdb failed: {detail.decode(errors='replace')[-2000:]}"
                               ) from error
        last_error: subprocess.SubprocessError | None = None
        for _attempt in range(3):  # the free port can be taken between probe and bind
            self.port = free_port()
            options = f"-h 127.0.0.1 -p {self.port} -k {self._root} {FAST_SETTINGS}"
            try:
                self._run([str(self.bin_dir / "pg_ctl"), "start", "-w", "-t", "30",
                           "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options])
                return
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
                last_error = error
        log_tail = self._log_tail()
        self.stop()
        raise RuntimeError(f"PostgreSQL did not start: {log_tail}") from last_error

    def stop(self) -> None:
        root, self._root = self._root, None
        if root is None:
            return
        if (root / "data" / "postmaster.pid").exists():
            # immediate: nothing here is worth a clean shutdown checkpoint
            subprocess.run(self._command([str(self.bin_dir / "pg_ctl"), "stop", "-m",
                                          "immediate", "-w", "-t", "30", "-D",
                                          str(root / "data")]),
                           capture_output=True, timeout=PG_COMMAND_TIMEOUT_S, check=False)
        shutil.rmtree(root, ignore_errors=True)

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://{PG_SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, template: str | None = None) -> str:
        """A new database, empty or a copy of ``template`` (which nobody may be connected
        to); returns its name."""
        name = f"central_{uuid.uuid4().hex[:12]}"
        self._admin_sql(f'CREATE DATABASE "{name}"'
                        + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def drop_database(self, name: str) -> None:
        # FORCE: a test that failed half-way may leave connections behind.
        self._admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin_sql(self, statement: str) -> None:
        import psycopg  # imported late: only the PostgreSQL variants need the driver

        with psycopg.connect(host="127.0.0.1", port=self.port, user=PG_SUPERUSER,
                             dbname="postgres", autocommit=True, connect_timeout=10) as conn:
            conn.execute(statement.encode())

    def _command(self, argv: Sequence[str]) -> list[str]:
        if self._run_as is None:
            return list(argv)
        return ["runuser", "-u", self._run_as, "--", *argv]

    def _run(self, argv: Sequence[str]) -> None:
        subprocess.run(self._command(argv), capture_output=True, check=True,
                       timeout=PG_COMMAND_TIMEOUT_S, cwd=self._root)

    def _log_tail(self) -> str:
        try:
            return self.log_file.read_text(encoding="utf-8", errors="replace")[-2000:]
        except (OSError, AssertionError):
            return "(no server log)"
