"""A repeating failure is logged when it begins, when its reason changes and when it
ends (kiosk/sync/outage.py), never at every round."""

from __future__ import annotations

import logging

import pytest

from kiosk.domain.clock import format_duration
from kiosk.sync.outage import FailureStreak


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0 s"), (45, "45 s"), (60, "1 min"), (725, "12 min 5 s"), (10920, "3 h 2 min"),
    (3600, "1 h"), (183600, "2 d 3 h"), (86401, "1 d"),
])
def test_durations_read_in_at_most_two_units(seconds: float, text: str) -> None:
    """GIVEN a duration in seconds
    WHEN it is written for a log line
    THEN it reads in its two largest units (the second left out when zero)."""
    assert format_duration(seconds) == text


def test_an_outage_of_a_thousand_rounds_is_two_lines(caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a worker whose rounds fail 1,000 times in a row with the same code over
    2 h 46 min, as a refused connection and a timeout in turn
    WHEN it then succeeds, and succeeds again
    THEN exactly one WARNING (the reason) and one INFO (how long, how many rounds)."""
    ticks = Ticks()
    streak = FailureStreak(logging.getLogger("kiosk.sync.config_agent"), "config poll",
                           clock=ticks)
    caplog.set_level(logging.DEBUG, logger="kiosk.sync.config_agent")
    logged = []
    for _ in range(1000):
        logged.append(streak.failed("E_CENTRAL_UNAVAILABLE",
                                    "connection" if len(logged) % 2 else "timeout"))
        ticks.now += 10
    assert logged.count(True) == 1 and streak.failing and streak.failures == 1000
    assert streak.succeeded() is True and streak.succeeded() is False
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, ("config poll failing: E_CENTRAL_UNAVAILABLE (timeout) (logged "
                           "again when it works or fails otherwise)")),
        (logging.INFO, "config poll works again after 2 h 46 min (1000 failed round(s))"),
    ]
    assert not streak.failing and streak.failures == 0


def test_a_new_reason_is_logged_at_the_level_given(caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN a streak failing for one reason
    WHEN it fails for another reason, at ERROR (a refusal a person must fix)
    THEN that second reason is logged too, at ERROR; the streak goes on."""
    streak = FailureStreak(logging.getLogger("kiosk.sync.rotation"), "credential rotation")
    caplog.set_level(logging.INFO, logger="kiosk.sync.rotation")
    streak.failed("E_CENTRAL_UNAVAILABLE")
    streak.failed("E_CENTRAL_UNAVAILABLE")
    assert streak.failed("E_UNAUTHORIZED", level=logging.ERROR) is True
    assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.ERROR]
    assert "E_UNAUTHORIZED" in caplog.records[-1].getMessage()
    assert streak.failures == 3
