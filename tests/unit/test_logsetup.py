"""The one logging set-up (kiosk/logsetup.py): ISO 8601 times with +08:00, text or JSON
lines, a level, and python-escpos's root-logger INFO lines turned into DEBUG."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.domain.clock import machine_timestamp
from kiosk.logsetup import LibraryInfoIsDebug, configure_logging, make_formatter

# 2026-11-22 02:15:30.250 UTC is 10:15:30.250 in Shanghai.
CREATED = datetime(2026, 11, 22, 2, 15, 30, 250000, tzinfo=UTC).timestamp()


def record(message: str, *args: object, name: str = "kiosk.sync.forwarder",
           level: int = logging.WARNING, pathname: str = __file__) -> logging.LogRecord:
    made = logging.LogRecord(name, level, pathname, 1, message, args, None)
    made.created = CREATED
    return made


@pytest.fixture
def root_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


def test_a_text_line_carries_the_shanghai_offset_level_logger_and_message() -> None:
    """GIVEN a WARNING record made at 02:15:30.250 UTC
    WHEN the text formatter formats it (the default zone)
    THEN the line starts with the time in ISO 8601 at +08:00, then level, logger and
    message."""
    line = make_formatter("text").format(record("outbox delivery failing: %s", "E_X"))
    assert line == ("2026-11-22T10:15:30.250+08:00 WARNING kiosk.sync.forwarder: "
                    "outbox delivery failing: E_X")


def test_a_json_line_has_the_same_fields_and_stays_one_ascii_line() -> None:
    """GIVEN a record whose message holds a newline, an escape, Chinese text and a
    right-to-left override, logged with an exception
    WHEN the JSON formatter formats it
    THEN the output is one ASCII line, a JSON object with time (+08:00), level, logger,
    message (as logged) and the traceback."""
    try:
        raise ValueError("boom")
    except ValueError:
        made = record("a\nb\x1b[31m 打印机 \u202e", level=logging.ERROR)
        made.exc_info = sys.exc_info()
    line = make_formatter("json").format(made)
    assert "\n" not in line and line.isascii()
    entry = json.loads(line)
    assert entry["time"] == "2026-11-22T10:15:30.250+08:00"
    assert (entry["level"], entry["logger"]) == ("ERROR", "kiosk.sync.forwarder")
    assert entry["message"] == "a\nb\x1b[31m 打印机 \u202e"
    assert "ValueError: boom" in entry["exception"]


def test_the_log_time_follows_the_convention_of_the_machine_timestamp() -> None:
    """GIVEN the same moment
    WHEN a log line and machine_timestamp (diagnostics, technicians) write it
    THEN both say 2026-11-22T10:15:30 at +08:00; a naive time is refused."""
    moment = datetime.fromtimestamp(CREATED, ZoneInfo("Asia/Shanghai"))
    assert machine_timestamp(moment) == "2026-11-22T10:15:30+08:00"
    assert make_formatter("text").format(record("x")).startswith(
        machine_timestamp(moment, timespec="milliseconds"))
    with pytest.raises(ValueError, match="offset"):
        machine_timestamp(datetime(2026, 11, 22, 10, 15))  # noqa: DTZ001 - naive on purpose


def test_an_unknown_format_is_refused() -> None:
    """GIVEN a format that is neither text nor json
    WHEN a formatter is asked for
    THEN ValueError names the choices."""
    with pytest.raises(ValueError, match="text, json"):
        make_formatter("xml")  # type: ignore[arg-type]


def test_library_info_on_the_root_logger_becomes_debug(tmp_path: Path) -> None:
    """GIVEN the filter for a library folder, and root at INFO
    WHEN the library's INFO record on the root logger, its ERROR record, and an INFO of
    the kiosk (a named logger) and of the root logger elsewhere pass
    THEN the library's INFO is rewritten as DEBUG and dropped; everything else passes."""
    folder = tmp_path / "escpos"
    folder.mkdir()
    library_file = str(folder / "network.py")
    quiet = LibraryInfoIsDebug([str(folder)])
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)
    try:
        chatter = record("Network printer enabled", name="root", level=logging.INFO,
                         pathname=library_file)
        assert quiet.filter(chatter) is False and chatter.levelname == "DEBUG"
        assert quiet.filter(record("Network device x not found", name="root",
                                   level=logging.ERROR, pathname=library_file))
        assert quiet.filter(record("wired", name="kiosk.bootstrap", level=logging.INFO,
                                   pathname=library_file))
        assert quiet.filter(record("mine", name="root", level=logging.INFO))
        root.setLevel(logging.DEBUG)
        assert quiet.filter(record("Network printer enabled", name="root",
                                   level=logging.INFO, pathname=library_file))
    finally:
        root.setLevel(level)


def test_configure_logging_replaces_its_own_handler(root_restored: None) -> None:
    """GIVEN logging configured twice, text then JSON, each on its own stream
    WHEN a kiosk logger logs at INFO and DEBUG
    THEN only the second stream gets the INFO line, as JSON; DEBUG is below the level."""
    first, second = io.StringIO(), io.StringIO()
    configure_logging("INFO", "text", stream=first)
    configure_logging("INFO", "json", stream=second)
    logging.getLogger("kiosk.test").info("payment %s settled", "SH-CN-0001-261122-000001")
    logging.getLogger("kiosk.test").debug("detail")
    assert first.getvalue() == ""
    [line] = second.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == "payment SH-CN-0001-261122-000001 settled"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00", entry["time"])


def test_the_kiosk_takes_level_and_format_from_its_config_and_the_flag_wins(
        tmp_path: Path, root_restored: None) -> None:
    """GIVEN a site file with [logging] level WARNING and format json
    WHEN `kiosk run` sets logging up with it, then `kiosk --log-format text run` does
    THEN the first logs JSON from WARNING on (an INFO line is left out); the flag's text
    format wins over the file's."""
    from kiosk.cli import build_parser, setup_logging
    from kiosk.config import load_config

    site = tmp_path / "site.toml"
    site.write_text('[logging]\nlevel = "WARNING"\nformat = "json"\n', encoding="utf-8")
    config = load_config(site)
    handler = setup_logging(build_parser().parse_args(["run"]), config)
    stream = io.StringIO()
    handler.setStream(stream)  # type: ignore[attr-defined]  # a StreamHandler
    logging.getLogger("kiosk.x").info("routine")
    logging.getLogger("kiosk.x").warning("printer is gone (paper_out)")
    [line] = stream.getvalue().splitlines()
    assert json.loads(line)["message"] == "printer is gone (paper_out)"

    handler = setup_logging(build_parser().parse_args(["--log-format", "text", "run"]), config)
    stream = io.StringIO()
    handler.setStream(stream)  # type: ignore[attr-defined]
    logging.getLogger("kiosk.x").warning("printer is gone (paper_out)")
    assert stream.getvalue().endswith(" WARNING kiosk.x: printer is gone (paper_out)\n")


def test_a_bad_logging_setting_names_its_key(tmp_path: Path) -> None:
    """GIVEN a site file with [logging] format = "xml"
    WHEN it is loaded
    THEN a ConfigError names logging.format."""
    from kiosk.config import load_config
    from kiosk.errors import ConfigError

    site = tmp_path / "site.toml"
    site.write_text('[logging]\nformat = "xml"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(site)
    assert caught.value.key == "logging.format"


def test_the_technician_screens_error_lines_carry_the_log_time() -> None:
    """GIVEN the handler that keeps the kiosk's recent warnings (technician screen,
    heartbeat) for the Shanghai zone
    WHEN a warning made at 02:15:30 UTC is kept
    THEN its line reads as the log's: 2026-11-22T10:15:30+08:00, level, logger, message;
    the heartbeat's newest line carries no time (central stamps the beat)."""
    from kiosk.services.technician import RecentErrors

    kept = RecentErrors(zone="Asia/Shanghai")
    kept.handle(record("printer is gone (paper_out)", name="kiosk.services.availability"))
    line = "2026-11-22T10:15:30+08:00 WARNING kiosk.services.availability: printer is gone"
    assert kept.lines() == [f"{line} (paper_out)"]
    assert kept.newest() == "WARNING kiosk.services.availability: printer is gone (paper_out)"


def test_under_journald_each_line_carries_its_priority(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root_restored: None) -> None:
    """GIVEN standard error connected to the stream systemd names in $JOURNAL_STREAM
    WHEN a WARNING and an INFO are logged
    THEN each line starts with its sd-daemon priority (<4>, <6>), which journald files as
    the record's priority (journalctl -p warning); without the variable, no prefix."""
    with (tmp_path / "journal").open("w", encoding="utf-8") as journal:
        info = os.fstat(journal.fileno())
        monkeypatch.setattr(sys, "stderr", journal)
        monkeypatch.setenv("JOURNAL_STREAM", f"{info.st_dev}:{info.st_ino}")
        configure_logging("INFO")
        logging.getLogger("kiosk.x").warning("printer is gone (paper_out)")
        logging.getLogger("kiosk.x").info("printer is back after 3 min")
        monkeypatch.delenv("JOURNAL_STREAM")
        configure_logging("INFO")
        logging.getLogger("kiosk.x").info("plain")
    lines = (tmp_path / "journal").read_text(encoding="utf-8").splitlines()
    assert [line[:3] for line in lines[:2]] == ["<4>", "<6>"]
    assert lines[0].endswith(" WARNING kiosk.x: printer is gone (paper_out)")
    assert lines[2][0].isdigit()
