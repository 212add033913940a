"""``python -m hardware.sim.qrpay``: the same as ``kiosk sim qrpay``."""

import sys

from hardware.sim.qrpay.cli import main

sys.exit(main())
