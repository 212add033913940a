"""``python -m hardware.sim.scanner``: the same as ``kiosk sim scanner``."""

import sys

from hardware.sim.scanner.cli import main

sys.exit(main())
