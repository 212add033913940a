"""``python -m hardware.sim.keypad``: the same as ``kiosk sim keypad``."""

import sys

from hardware.sim.keypad.cli import main

sys.exit(main())
