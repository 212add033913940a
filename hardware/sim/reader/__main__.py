"""``python -m hardware.sim.reader``: the same as ``kiosk sim reader``."""

import sys

from hardware.sim.reader.cli import main

sys.exit(main())
