"""Tactile keypad simulator: the line protocol on a pty, the unplugged fault, a control
line that presses keys. ``kiosk sim keypad`` runs ``main``; docs/hardware/keypad.md."""

from hardware.sim.keypad.cli import main
from hardware.sim.keypad.simulator import FAULTS, KeypadSimulator

__all__ = ["FAULTS", "KeypadSimulator", "main"]
