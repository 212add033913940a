"""Payment-code scanner simulator: the scanner's line on a pty, the unplugged, silent and
garbage faults, a control line that holds codes to it. ``kiosk sim scanner`` runs
``main``; docs/hardware/payment-code-scanner.md."""

from hardware.sim.scanner.cli import main
from hardware.sim.scanner.simulator import FAULTS, ScannerSimulator

__all__ = ["FAULTS", "ScannerSimulator", "main"]
