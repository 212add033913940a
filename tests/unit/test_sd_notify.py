"""systemd's notification protocol as kiosk/sd_notify.py speaks it, over real sockets."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from kiosk.sd_notify import SystemdNotifier


def test_not_started_by_systemd_means_no_notifier() -> None:
    """GIVEN no NOTIFY_SOCKET (or a value that is no socket address)
    WHEN the notifier is asked for
    THEN there is none, so the UI sends nothing."""
    assert SystemdNotifier.from_environment({}) is None
    assert SystemdNotifier.from_environment({"NOTIFY_SOCKET": "relative/path"}) is None


def test_the_watchdog_counts_only_for_the_process_it_names() -> None:
    """GIVEN WATCHDOG_USEC with a WATCHDOG_PID that is another process's, this one's, or none
    WHEN the notifier is made
    THEN it has a watchdog interval only when meant for this process."""
    env = {"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000"}
    assert SystemdNotifier.from_environment(env).watchdog_interval_s == 30.0
    mine = SystemdNotifier.from_environment({**env, "WATCHDOG_PID": str(os.getpid())})
    assert mine is not None and mine.watchdog_interval_s == 30.0
    other = SystemdNotifier.from_environment({**env, "WATCHDOG_PID": "1"}, pid=4242)
    assert other is not None and other.watchdog_interval_s is None


def test_messages_reach_a_path_and_an_abstract_socket(tmp_path: Path) -> None:
    """GIVEN a notify socket at a path and one in the abstract namespace ("@name")
    WHEN the notifier says ready, pings and sets a two-line status
    THEN each is one datagram, the status on one line."""
    path_socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path_socket.bind(str(tmp_path / "notify"))
    abstract_name = f"kiosk-test-{os.getpid()}"
    abstract_socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    abstract_socket.bind("\0" + abstract_name)
    try:
        for address, listener in ((str(tmp_path / "notify"), path_socket),
                                  ("@" + abstract_name, abstract_socket)):
            notifier = SystemdNotifier.from_environment({"NOTIFY_SOCKET": address})
            assert notifier is not None
            notifier.ready()
            notifier.watchdog()
            notifier.status("out of service\nsince 10:00")
            notifier.close()
            listener.settimeout(2)
            assert [listener.recv(4096) for _ in range(3)] == [
                b"READY=1", b"WATCHDOG=1", b"STATUS=out of service since 10:00"]
    finally:
        path_socket.close()
        abstract_socket.close()


def test_a_gone_socket_is_reported_once_and_never_raises(tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a NOTIFY_SOCKET nobody listens on
    WHEN the UI pings three times
    THEN each send says False, nothing is raised, and the log says it once, in plain
    words (the OS's own text only at INFO)."""
    notifier = SystemdNotifier(str(tmp_path / "nobody"))
    assert [notifier.send("WATCHDOG=1") for _ in range(3)] == [False, False, False]
    records = [r for r in caplog.records if "cannot notify" in r.getMessage()]
    assert len(records) == 1
    # The technician screen lists warnings: plain words, never the OS's text.
    assert records[0].getMessage().endswith(": no such socket")
    assert "Errno" not in records[0].getMessage()
