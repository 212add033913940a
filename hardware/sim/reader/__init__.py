"""Document reader simulator: the real framing on a pty, specimens (identity documents and
the demo bills' barcodes), faults, control line.

Used by the integration tests and, as ``kiosk sim reader`` (``main``), by demos and
technicians. docs/hardware/document-reader.md lists the specimens and faults.
"""

from hardware.sim.reader.bills import BILL_SPECIMENS, BillSpecimen
from hardware.sim.reader.cli import main
from hardware.sim.reader.simulator import FAULTS, ReaderSimulator
from hardware.sim.reader.specimens import SPECIMENS, Specimen

__all__ = ["BILL_SPECIMENS", "FAULTS", "SPECIMENS", "BillSpecimen", "ReaderSimulator",
           "Specimen", "main"]
