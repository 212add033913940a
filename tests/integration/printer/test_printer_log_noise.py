"""python-escpos logs two INFO lines on the root logger at every connection, so at every
status poll (about 17,000 a day): the kiosk's logging set-up keeps them out of its log,
and keeps its own INFO lines, against the printer simulator on a real TCP port."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pytest

from hardware.printer import EscposPrinter
from kiosk.cli import build_parser, setup_logging

ESCPOS_LINES = ("Network printer enabled", "Closing Network connection")
KioskLog = Callable[..., io.StringIO]


@pytest.fixture
def kiosk_log() -> Iterator[KioskLog]:
    """Sets logging up as `kiosk [ARGS] run` does, into a string; restores the root logger."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    streams: list[io.StringIO] = []

    def set_up(*args: str) -> io.StringIO:
        handler = setup_logging(build_parser().parse_args([*args, "run"]))
        stream = io.StringIO()
        handler.setStream(stream)  # type: ignore[attr-defined]  # a StreamHandler
        streams.append(stream)
        return stream

    yield set_up
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def test_status_polls_log_no_escpos_chatter_but_the_kiosks_own_info(
        tcp_printer: EscposPrinter, kiosk_log: KioskLog) -> None:
    """GIVEN the kiosk's logging set-up of `kiosk run` (INFO) and a printer on the simulator
    WHEN the printer's status is polled three times and the kiosk logs an INFO line
    THEN the polls answer ok, no line of python-escpos's is logged, the kiosk's is."""
    log = kiosk_log()
    for _ in range(3):
        assert tcp_printer.status().ok
    logging.getLogger("kiosk.bootstrap").info("kiosk SH-CN-0001 wired")
    text = log.getvalue()
    assert not [line for line in text.splitlines()
                if any(chatter in line for chatter in ESCPOS_LINES)], text
    assert "INFO    kiosk.bootstrap: kiosk SH-CN-0001 wired" in text


def test_debug_logging_still_shows_escpos_as_debug(tcp_printer: EscposPrinter,
                                                   kiosk_log: KioskLog) -> None:
    """GIVEN the set-up of `kiosk -v run` (DEBUG)
    WHEN the printer's status is polled
    THEN python-escpos's connection lines are there, as DEBUG."""
    log = kiosk_log("-v")
    assert tcp_printer.status().ok
    lines = [line for line in log.getvalue().splitlines() if "Network printer enabled" in line]
    assert lines and all(" DEBUG   root: " in line for line in lines)
