"""A command whose reader goes away (`kiosk diag | head -1`) stops quietly, like any
Unix tool, instead of printing a BrokenPipeError traceback.

Python ignores SIGPIPE, so a write to a pipe nobody reads raises BrokenPipeError; at
exit it would also try to flush what is left and print "Exception ignored". The
documented recipe (Python's signal module, "Note on SIGPIPE"): point stdout at devnull
and exit 1. Restoring SIGPIPE's default instead would also kill `kiosk run` on a socket
a device or central closed. Only a closed stdout is taken for this: a BrokenPipeError
from anywhere else is a real error and keeps its traceback. kiosk-central and
kiosk-admin use it too (standard library only, like kiosk.logsetup).
"""

from __future__ import annotations

import functools
import os
import select
import sys
from collections.abc import Callable
from typing import ParamSpec

P = ParamSpec("P")
STDOUT_CLOSED = 1  # the exit status the recipe uses


def _stdout_reader_gone() -> bool:
    """True when stdout is a pipe or socket whose reading end is closed."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP)
                   for _fd, events in poller.poll(0))
    except (OSError, ValueError):  # no stdout at all, or not a file descriptor
        return False


def quiet_when_stdout_closes(main: Callable[P, int]) -> Callable[P, int]:
    """Wrap a command's ``main``: when its output's reader went away, exit
    STDOUT_CLOSED without a traceback (what was not read is lost, as with any tool)."""

    @functools.wraps(main)
    def run(*args: P.args, **kwargs: P.kwargs) -> int:
        try:
            try:
                return main(*args, **kwargs)
            finally:  # --help ends in SystemExit: its text still waits in the buffer
                sys.stdout.flush()  # here, not at exit, where the error is not caught
        except BrokenPipeError:
            if not _stdout_reader_gone():
                raise
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # the exit's flush goes nowhere
            os.close(devnull)
            return STDOUT_CLOSED

    return run
