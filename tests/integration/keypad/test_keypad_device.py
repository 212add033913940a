"""The tactile keypad: the real adapter on the simulator's real pty, and the simulator's
command line as a process driven over its control line (docs/hardware/keypad.md)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.base import REASON_DISCONNECTED, DeviceError, Health, Key
from hardware.keypad import SerialKeypad, open_keypad
from hardware.sim.control import send
from hardware.sim.keypad import KeypadSimulator
from tests.ready_files import wait_for_ready_file

pytestmark = pytest.mark.timeout(20)

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def simulator() -> Iterator[KeypadSimulator]:
    with KeypadSimulator() as sim:
        sim.start_pty()
        yield sim


@pytest.fixture
def keypad(simulator: KeypadSimulator) -> Iterator[SerialKeypad]:
    assert simulator.url is not None
    adapter = open_keypad(simulator.url)
    assert adapter.status().health is Health.OK  # opens the line
    yield adapter
    adapter.close()


def read_keys(keypad: SerialKeypad, count: int) -> list[Key]:
    keys: list[Key] = []
    deadline = time.monotonic() + 5
    while len(keys) < count and time.monotonic() < deadline:
        key = keypad.read_key(0.2)
        if key is not None:
            keys.append(key)
    return keys


def test_keys_arrive_in_the_order_pressed(simulator: KeypadSimulator,
                                          keypad: SerialKeypad) -> None:
    """GIVEN the adapter on the simulator's pty
    WHEN every key is pressed, one after the other, with a line that names no key among them
    THEN the adapter gives each key once, in the order pressed, and the stray line is
    skipped; with nothing pressed, read_key gives None after its timeout"""
    pressed = [Key.DOWN, Key.DOWN, Key.SELECT, Key.UP, Key.BACK, Key.HELP,
               Key.VOLUME_UP, Key.VOLUME_DOWN, Key.LEFT, Key.RIGHT]
    for key in pressed[:3]:
        simulator.press(key)
    simulator.send_raw(b"shift\r\n")
    for key in pressed[3:]:
        simulator.press(key)
    assert read_keys(keypad, len(pressed)) == pressed
    started = time.monotonic()
    assert keypad.read_key(0.3) is None
    assert time.monotonic() - started >= 0.25


def test_an_unplugged_keypad_is_reported_and_comes_back(simulator: KeypadSimulator,
                                                        keypad: SerialKeypad) -> None:
    """GIVEN the adapter on the simulator's pty, a key read
    WHEN the keypad is unplugged, then plugged back
    THEN read_key raises DeviceError(disconnected) and status() is UNKNOWN, disconnected;
    once back, status() is OK again and the next key pressed arrives, no restart needed"""
    simulator.press(Key.SELECT)
    assert read_keys(keypad, 1) == [Key.SELECT]
    simulator.set_fault("unplugged")
    with pytest.raises(DeviceError) as failure:
        keypad.read_key(0.5)
    assert failure.value.reason == REASON_DISCONNECTED
    status = keypad.status()
    assert (status.device, status.health, status.reason) == (
        "keypad", Health.UNKNOWN, REASON_DISCONNECTED)
    assert not simulator.press(Key.UP)  # nothing goes out of an unplugged keypad

    simulator.clear_faults()
    assert keypad.status().health is Health.OK
    simulator.press(Key.DOWN)
    assert read_keys(keypad, 1) == [Key.DOWN]


def test_a_hung_or_noisy_keypad(simulator: KeypadSimulator, keypad: SerialKeypad) -> None:
    """GIVEN the adapter on the simulator's pty
    WHEN the keypad sends a line of noise before every key, then hangs, then recovers
    THEN the keys still arrive in order through the noise; a hung keypad's key never
    arrives (read_key gives None, no error); after recovery keys arrive again"""
    simulator.set_fault("garbage")
    for key in (Key.LEFT, Key.SELECT):
        simulator.press(key)
    assert read_keys(keypad, 2) == [Key.LEFT, Key.SELECT]
    simulator.set_fault("silent")
    assert not simulator.press(Key.BACK)
    assert keypad.read_key(0.3) is None
    simulator.clear_faults()
    simulator.press(Key.HELP)
    assert read_keys(keypad, 1) == [Key.HELP]


def test_the_command_presses_keys_sent_on_its_control_line(tmp_path: Path) -> None:
    """GIVEN `kiosk sim keypad --pty --ready-file F` as a process
    WHEN the adapter opens the url from F and the control line presses right, select,
    then an unknown key, and SIGTERM follows
    THEN right and select arrive in order, the unknown key is refused with the known
    ones named, and the process exits 0 having removed F"""
    ready = tmp_path / "keypad-sim.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "hardware.sim.keypad", "--pty", "--ready-file", str(ready)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = wait_for_ready_file(ready, process)
        keypad = open_keypad(info["url"])
        try:
            assert keypad.status().health is Health.OK
            assert send(info["control"], {"cmd": "press", "key": "right"})["ok"]
            assert send(info["control"], {"cmd": "press", "key": "select"})["ok"]
            refused = send(info["control"], {"cmd": "press", "key": "enter"})
            assert not refused["ok"] and "volume_up" in refused["error"]
            assert read_keys(keypad, 2) == [Key.RIGHT, Key.SELECT]
        finally:
            keypad.close()
        process.terminate()
        out, _ = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=5)
    assert process.returncode == 0
    assert "pressed right" in out and "pressed select" in out
    assert not ready.exists()
