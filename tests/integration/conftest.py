"""Shared by every integration test: the root logger as each test found it.

Tests call the commands' main() in-process (`kiosk diag`, `kiosk-central admin-token`),
and each sets logging up as a process would (kiosk.logsetup: a stderr handler on the
root logger, the root level): without this, that set-up would outlive its test and
write every later test's log lines, at its level, to the worker's stderr."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _root_logger_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
