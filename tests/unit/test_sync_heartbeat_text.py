"""Heartbeat text: the wire bounds every string of HeartbeatIn (lengths and characters),
and the kiosk makes what it collects fit them, so a log line with a line break or an
escape sequence neither reaches an operator's terminal nor costs the kiosk its beat."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from hardware.base import DeviceStatus, Health
from kiosk.sync.heartbeat import HeartbeatSources, collect_heartbeat
from kiosk.sync.wire_fleet import HeartbeatIn, is_printable

VALID: dict[str, Any] = {"app_version": "0.1.0+g1a2b3c.dirty", "config_version": "12",
                         "devices": {"printer": {"state": "fault", "reason": "paper_out"}},
                         "outbox_depth": 0, "last_error": "ERROR kiosk: 打印机缺纸",
                         "disk_free_bytes": 1}


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 1, 15, 2, 30, tzinfo=UTC)


def test_a_valid_heartbeat_in_any_language_is_taken() -> None:
    """GIVEN versions with a local part and a Chinese error line
    WHEN the heartbeat is validated
    THEN it is taken as is."""
    assert HeartbeatIn.model_validate(VALID).last_error == VALID["last_error"]


@pytest.mark.parametrize(("field", "value"), [
    ("app_version", "0.1.0\n"), ("app_version", "0.1.0\x1b[2J"), ("app_version", " 0.1"),
    ("config_version", "7\r"), ("config_version", "local-\u202eabc"),
    ("last_error", "a\x1b[31mred"), ("last_error", "a\nb"), ("last_error", "a\x9bb"),
    ("last_error", "a\u200fb"), ("last_error", "a\u2029b"), ("last_error", "a\x7f"),
])
def test_text_with_control_or_format_characters_is_refused(field: str, value: str) -> None:
    """GIVEN a heartbeat string holding a control or format character
    WHEN the heartbeat is validated
    THEN it is refused."""
    with pytest.raises(ValidationError):
        HeartbeatIn.model_validate({**VALID, field: value})


@pytest.mark.parametrize("reason", ["paper\x1b[5m", "Paper Out", "", "x" * 65])
def test_a_device_reason_is_a_reason_code(reason: str) -> None:
    """GIVEN a device reason that is not a short lower-case code
    WHEN the heartbeat is validated
    THEN it is refused."""
    with pytest.raises(ValidationError):
        HeartbeatIn.model_validate({**VALID, "devices": {"printer": {"state": "fault",
                                                                     "reason": reason}}})


def test_the_kiosk_sends_what_central_takes(tmp_path: Path) -> None:
    """GIVEN a newest log line of 400 characters with a line break, a tab and an escape
    sequence, and a device reporting a reason that is no reason code
    WHEN the kiosk collects its heartbeat
    THEN the line is one printable line of at most 300 characters, the bad reason is
    left out (the state stays), and central's model takes the beat."""
    line = "ERROR kiosk.x: failed\n  Traceback\t\x1b[31mred" + "x" * 360
    sources = HeartbeatSources(
        app_version="0.1.0", config_version=lambda: "local-0123456789ab",
        devices=lambda: {"printer": DeviceStatus("printer", Health.FAULT, "Paper Out!")},
        outbox_depth=lambda: 0, last_error=lambda: line, data_dir=tmp_path)
    beat = collect_heartbeat(sources, FixedClock())
    assert beat.last_error is not None and is_printable(beat.last_error)
    assert len(beat.last_error) == 300
    assert beat.last_error.startswith("ERROR kiosk.x: failed   Traceback  [31mred")
    assert beat.devices["printer"].state == "fault" and beat.devices["printer"].reason is None
    assert HeartbeatIn.model_validate_json(beat.model_dump_json()) == beat


def test_the_beat_carries_the_software_update_state(tmp_path: Path) -> None:
    """GIVEN a kiosk whose update state file says rolled_back, and one without updates
    WHEN each collects its heartbeat
    THEN the first beat says rolled_back, the second says nothing of updates; a state
    with other characters is refused by the wire"""
    def sources(update_state: str | None) -> HeartbeatSources:
        return HeartbeatSources(
            app_version="1.0.2", config_version=lambda: "local-0", devices=dict,
            outbox_depth=lambda: 0, last_error=lambda: None, data_dir=tmp_path,
            update_state=lambda: update_state)
    assert collect_heartbeat(sources("rolled_back"), FixedClock()).update_state == \
        "rolled_back"
    assert collect_heartbeat(sources(None), FixedClock()).update_state is None
    with pytest.raises(ValidationError):
        HeartbeatIn.model_validate({**VALID, "update_state": "kept\n"})
