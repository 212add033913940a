"""python -m hardware.sim.printer (the same as `kiosk sim printer`)."""

import sys

from hardware.sim.printer.cli import main

sys.exit(main())
