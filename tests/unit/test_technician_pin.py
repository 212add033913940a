"""Technician PIN: salted PBKDF2 hash and verify, lockout after wrong tries (fake
clock), the hidden tap gesture, the out-of-service file, the technician-pin command."""

from __future__ import annotations

import logging
from pathlib import Path
from unittest import mock

import pytest

from kiosk import cli
from kiosk.config import load_config
from kiosk.errors import ConfigError
from kiosk.services.technician import (
    OutOfService,
    PinGate,
    RecentErrors,
    TapSequence,
    hash_pin,
    verify_pin,
)

FAST = 1000  # iterations: the tests check the logic, not the cost


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_hash_is_salted_and_verifies_only_the_right_pin() -> None:
    """GIVEN a PIN hashed twice
    WHEN the hashes are compared and PINs verified
    THEN the salts differ, the format is pbkdf2_sha256$n$salt$hash, only the PIN matches."""
    first, second = hash_pin("2468", iterations=FAST), hash_pin("2468", iterations=FAST)
    assert first != second
    algorithm, iterations, salt, digest = first.split("$")
    assert (algorithm, iterations) == ("pbkdf2_sha256", str(FAST)) and salt and digest
    assert verify_pin("2468", first) and verify_pin("2468", second)
    assert not verify_pin("2469", first)
    assert not verify_pin("", first)


@pytest.mark.parametrize("broken", ["", "2468", "md5$1$a$b", "pbkdf2_sha256$x$AA==$AA==",
                                    "pbkdf2_sha256$10$!!$AA==", "pbkdf2_sha256$0$AA==$AA=="])
def test_a_malformed_hash_never_verifies(broken: str) -> None:
    """GIVEN a malformed or foreign hash WHEN any PIN is checked THEN it is refused."""
    assert not verify_pin("2468", broken)


def test_the_generated_hash_is_accepted_by_the_config() -> None:
    """GIVEN a hash from hash_pin WHEN it is put in the technician section THEN the
    config loads; a mistyped one stops start-up naming the key."""
    good = hash_pin("2468", iterations=FAST)
    assert load_config(overrides={"technician": {"pin_hash": good}}).technician.pin_hash == good
    assert load_config().technician.pin_hash == ""
    with pytest.raises(ConfigError) as caught:
        load_config(overrides={"technician": {"pin_hash": "2468"}})
    assert caught.value.key == "technician.pin_hash"


def test_five_wrong_pins_lock_even_the_right_one_until_the_lockout_ends() -> None:
    """GIVEN a gate with 5 tries and a 300 s lockout
    WHEN 4 wrong PINs are typed THEN the tries left count down; the 5th locks it,
    the right PIN is refused while locked, and accepted once 300 s have passed."""
    clock = FakeClock()
    gate = PinGate(hash_pin("2468", iterations=FAST), max_tries=5, lockout_s=300,
                   monotonic=clock)
    assert [gate.check("1111").tries_left for _ in range(4)] == [4, 3, 2, 1]
    locked = gate.check("1111")
    assert not locked.ok and locked.locked_for_s == 300
    clock.now += 299
    still = gate.check("2468")
    assert not still.ok and still.locked_for_s == pytest.approx(1)
    clock.now += 1
    opened = gate.check("2468")
    assert opened.ok and opened.tries_left == 5


def test_a_right_pin_resets_the_count_of_wrong_ones() -> None:
    """GIVEN 4 wrong PINs WHEN the right one is typed THEN the next wrong one leaves 4 tries."""
    gate = PinGate(hash_pin("2468", iterations=FAST), monotonic=FakeClock())
    for _ in range(4):
        gate.check("0000")
    assert gate.check("2468").ok
    assert gate.check("0000").tries_left == 4


def test_without_a_configured_pin_nothing_opens() -> None:
    """GIVEN no pin_hash WHEN any PIN is typed THEN it is refused as not configured."""
    gate = PinGate("", monotonic=FakeClock())
    result = gate.check("")
    assert not gate.configured and not result.ok and not result.configured


def test_five_taps_within_three_seconds_complete_the_gesture() -> None:
    """GIVEN the hidden gesture WHEN 5 taps come within 3 s THEN the 5th completes it;
    5 taps spread over more than 3 s do not."""
    clock = FakeClock()
    gesture = TapSequence(count=5, within_s=3.0, monotonic=clock)
    results = []
    for _ in range(5):
        results.append(gesture.tap())
        clock.now += 0.9  # 3.6 s from first to fifth
    assert results == [False] * 5
    clock.now += 10
    results = []
    for _ in range(5):
        results.append(gesture.tap())
        clock.now += 0.5
    assert results == [False, False, False, False, True]


def test_out_of_service_survives_a_restart(tmp_path: Path) -> None:
    """GIVEN the switch set on WHEN a new OutOfService reads the same data dir THEN it is
    on; switched off, the file is gone. Listeners hear every change."""
    heard: list[bool] = []
    switch = OutOfService(tmp_path)
    switch.listeners.append(heard.append)
    switch.set(True)
    assert OutOfService(tmp_path).active
    switch.set(False)
    assert not OutOfService(tmp_path).active and not (tmp_path / "out-of-service").exists()
    assert heard == [True, False]


def test_recent_errors_keep_the_newest_twenty_warnings() -> None:
    """GIVEN the ring buffer on a logger WHEN 25 warnings and an info are logged THEN the
    newest 20 warnings are kept, newest first, and the info is not."""
    recent = RecentErrors()
    recent.attach("kiosk.test_technician")
    logger = logging.getLogger("kiosk.test_technician")
    try:
        for n in range(25):
            logger.warning("problem %d", n)
        logger.info("fine")
    finally:
        recent.detach()
    lines = recent.lines()
    assert len(lines) == 20
    assert lines[0].endswith("problem 24") and lines[-1].endswith("problem 5")


def test_the_newest_error_is_one_short_line_for_the_heartbeat() -> None:
    """GIVEN the handler on the kiosk's loggers
    WHEN an info, a warning and a very long error are logged, then it is detached
    THEN newest() is the error without its time, cut to the wire's 300 characters; info
    alone never counts, and after detaching nothing more is recorded."""
    recent = RecentErrors()
    recent.attach("kiosk")
    log = logging.getLogger("kiosk.test.heartbeat")
    try:
        log.info("all fine")
        assert recent.newest() is None
        log.warning("paper low")
        assert recent.newest() == "WARNING kiosk.test.heartbeat: paper low"
        log.error("x" * 1000)
        newest = recent.newest()
        assert newest is not None and newest.startswith("ERROR") and len(newest) == 300
        assert recent.lines()[0].endswith(newest)
    finally:
        recent.detach()
    log.error("after detach")
    assert "after detach" not in (recent.newest() or "")


def test_technician_pin_command_prints_a_hash_of_the_pin(capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    """GIVEN a PIN typed twice at `kiosk technician-pin` WHEN the command runs THEN it
    prints a pin_hash line that verifies the PIN; two different PINs print nothing."""
    # getpass reads the controlling terminal, which a test run has not: patched.
    with mock.patch("getpass.getpass", autospec=True,
                    side_effect=["2468", "2468", "2468", "1357"]):
        assert cli.main(["technician-pin"]) == 0
        line = capsys.readouterr().out.strip().splitlines()[-1]
        assert line.startswith('pin_hash = "pbkdf2_sha256$')
        assert verify_pin("2468", line.split('"')[1])
        assert cli.main(["technician-pin"]) == 1
        assert "pin_hash" not in capsys.readouterr().out
