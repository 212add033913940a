"""``python -m hardware.sim.payment``: the same as ``kiosk sim payment``."""

import sys

from hardware.sim.payment.cli import main

sys.exit(main())
