"""Simulated ESC/POS receipt printer (TCP or pty) with fault injection.
See docs/hardware/printer.md."""

from hardware.sim.printer.cli import main
from hardware.sim.printer.faults import Fault
from hardware.sim.printer.interpreter import EscposInterpreter, JobRecord
from hardware.sim.printer.simulator import PrintedJob, PrinterSimulator

__all__ = ["EscposInterpreter", "Fault", "JobRecord", "PrintedJob", "PrinterSimulator", "main"]
