"""The nightly restart's decision (kiosk/services/maintenance.py): a pure function of
explicit times, so every row of its table is a case here."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.services.maintenance import RestartWindow, Verdict, decide_restart

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = timedelta(hours=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


NIGHT = RestartWindow.parse("03:00-04:00")
ACROSS_MIDNIGHT = RestartWindow.parse("23:30-00:30")


@pytest.mark.parametrize(("now", "window", "up_since", "last_restart", "busy", "verdict"), [
    # inside the window, up for a day, never restarted, nobody there: restart
    (at(10, 3, 5), NIGHT, at(9, 3, 5), None, False, Verdict.RESTART),
    # the first and the last minute of the window count; its end does not
    (at(10, 3, 0), NIGHT, at(9, 3, 0), None, False, Verdict.RESTART),
    (at(10, 3, 59), NIGHT, at(9, 3, 0), None, False, Verdict.RESTART),
    (at(10, 4, 0), NIGHT, at(9, 3, 0), None, False, Verdict.OUTSIDE),
    (at(10, 2, 59), NIGHT, at(9, 3, 0), None, False, Verdict.OUTSIDE),
    (at(10, 14, 0), NIGHT, at(1, 3, 0), None, False, Verdict.OUTSIDE),
    # no window: never
    (at(10, 3, 5), None, at(1, 3, 0), None, False, Verdict.OFF),
    # a session or a payment: not now ...
    (at(10, 3, 5), NIGHT, at(9, 3, 0), None, True, Verdict.BUSY),
    # ... and once the window has passed while busy, not until the next night
    (at(10, 4, 1), NIGHT, at(9, 3, 0), None, False, Verdict.OUTSIDE),
    (at(11, 3, 1), NIGHT, at(9, 3, 0), None, False, Verdict.RESTART),
    # once per night: restarted at 03:02 tonight, so not again at 03:40 (even with a
    # process that has been up long enough) ...
    (at(10, 3, 40), NIGHT, at(10, 2, 0), at(10, 3, 2), False, Verdict.DONE),
    # ... but the next night again; last night's restart does not count tonight
    (at(11, 3, 2), NIGHT, at(10, 3, 2), at(10, 3, 2), False, Verdict.RESTART),
    # a kiosk that just booted (a power cut at 03:10) is fresh: no restart tonight
    (at(10, 3, 30), NIGHT, at(10, 3, 10), None, False, Verdict.FRESH),
    (at(10, 3, 30), NIGHT, at(10, 2, 30), None, False, Verdict.RESTART),
    # a window across midnight: open before and after 00:00, keyed to its opening day
    (at(10, 23, 45), ACROSS_MIDNIGHT, at(9, 12, 0), None, False, Verdict.RESTART),
    (at(11, 0, 15), ACROSS_MIDNIGHT, at(9, 12, 0), None, False, Verdict.RESTART),
    (at(11, 0, 15), ACROSS_MIDNIGHT, at(9, 12, 0), at(10, 23, 40), False, Verdict.DONE),
    (at(11, 0, 30), ACROSS_MIDNIGHT, at(9, 12, 0), None, False, Verdict.OUTSIDE),
    (at(11, 23, 31), ACROSS_MIDNIGHT, at(9, 12, 0), at(10, 23, 40), False, Verdict.RESTART),
])
def test_restart_decision_table(now: datetime, window: RestartWindow | None,
                                up_since: datetime, last_restart: datetime | None,
                                busy: bool, verdict: Verdict) -> None:
    """GIVEN a time, a restart window, when the process started, the last nightly
    restart and whether someone uses the kiosk (one-hour minimum uptime)
    WHEN the restart is decided
    THEN it is due only inside the window, once per window, for a process up an hour
    or more, and never while the kiosk is in use."""
    decision = decide_restart(now, window=window, up_since=up_since,
                              last_restart=last_restart, min_uptime=HOUR, busy=busy)
    assert decision.verdict is verdict
    assert decision.restart is (verdict is Verdict.RESTART)


def test_restart_decision_reads_times_in_any_offset() -> None:
    """GIVEN now in Shanghai time and the last restart written in UTC the same night
    WHEN the restart is decided
    THEN the instants are compared, not the wall-clock texts: already done tonight."""
    last_utc = datetime(2026, 3, 9, 19, 10, tzinfo=ZoneInfo("UTC"))  # 03:10 in Shanghai
    decision = decide_restart(at(10, 3, 30), window=NIGHT, up_since=at(1, 0, 0),
                              last_restart=last_utc, min_uptime=HOUR, busy=False)
    assert decision.verdict is Verdict.DONE


def test_a_zero_minimum_uptime_restarts_a_fresh_process_once() -> None:
    """GIVEN no minimum uptime and a process started inside the window
    WHEN the restart is decided before and after one was recorded
    THEN the first is due, the second is not (the record keeps it to once)."""
    fresh = at(10, 3, 20)
    first = decide_restart(at(10, 3, 21), window=NIGHT, up_since=fresh, last_restart=None,
                           min_uptime=timedelta(0), busy=False)
    second = decide_restart(at(10, 3, 22), window=NIGHT, up_since=at(10, 3, 21),
                            last_restart=at(10, 3, 21), min_uptime=timedelta(0), busy=False)
    assert (first.verdict, second.verdict) == (Verdict.RESTART, Verdict.DONE)


@pytest.mark.parametrize(("text", "start", "end", "hours"), [
    ("03:00-04:00", time(3, 0), time(4, 0), 1.0),
    ("23:30-00:30", time(23, 30), time(0, 30), 1.0),
    ("00:00-23:59", time(0, 0), time(23, 59), 23 + 59 / 60),
])
def test_a_window_is_parsed_and_printed_back(text: str, start: time, end: time,
                                              hours: float) -> None:
    """GIVEN a window as the setting writes it WHEN parsed THEN its start, end, length
    and text are the setting's."""
    window = RestartWindow.parse(text)
    assert (window.start, window.end) == (start, end)
    assert window.length == timedelta(hours=hours)
    assert str(window) == text


@pytest.mark.parametrize("text", ["03:00-03:00", "3:00-4:00", "03:00", "24:00-01:00",
                                  "03:00-04:60", "03:00 - 04:00", ""])
def test_a_malformed_or_empty_window_is_refused(text: str) -> None:
    """GIVEN a window that is not HH:MM-HH:MM or starts where it ends WHEN parsed THEN
    ValueError."""
    with pytest.raises(ValueError, match="restart window"):
        RestartWindow.parse(text)
