"""The kiosk rotates its central credential by itself: a daemon thread looks every
``check_interval_s`` (and once at start) whether half of the credential's lifetime has
passed and then rotates it (kiosk.sync.enrollment.rotate, which says why a kill at any
point leaves a valid credential). A credential from before central told its lifetime is
rotated at the first look.

Failures are logged once per outage and tried again at the next look: the other half
of the lifetime is the margin for a kiosk that cannot reach central for weeks. A
credential central refuses (revoked or expired) is not the rotator's to fix: it says so
once; a technician enrolls the kiosk again.
"""

from __future__ import annotations

import logging
from pathlib import Path

from kiosk.errors import ErrorCode, KioskError
from kiosk.services.ports import Clock
from kiosk.sync.enrollment import read_credential, rotate
from kiosk.sync.outage import FailureStreak
from kiosk.sync.periodic import PeriodicThread, RunsPeriodically

log = logging.getLogger(__name__)

DEFAULT_CHECK_INTERVAL_S = 3600.0


class CredentialRotator(RunsPeriodically):
    def __init__(self, central_url: str, kiosk_id: str, data_dir: Path, clock: Clock, *,
                 timeout_s: float, check_interval_s: float = DEFAULT_CHECK_INTERVAL_S) -> None:
        if check_interval_s <= 0:
            raise ValueError("check_interval_s must be positive")
        self.central_url = central_url
        self.kiosk_id = kiosk_id
        self.data_dir = Path(data_dir)
        self.clock = clock
        self.timeout_s = timeout_s
        self.check_interval_s = check_interval_s
        self.rotations = 0
        self.failures = FailureStreak(log, "credential rotation")
        self._loop = PeriodicThread("credential-rotation", self.check_once,
                                    lambda: self.check_interval_s)

    def check_once(self) -> bool:
        """Rotate now if it is due; True if the credential was rotated. Never raises."""
        stored = read_credential(self.data_dir)
        if stored is None or stored.kiosk_id != self.kiosk_id:
            return False  # not enrolled (or a credential in the site file): nothing to rotate
        if not stored.rotation_due(self.clock.now()):
            return False
        try:
            rotate(self.central_url, self.kiosk_id, self.data_dir, timeout=self.timeout_s)
        except KioskError as exc:
            self._failed(exc)
            return False
        except Exception as exc:  # noqa: BLE001 - the rotator's thread must live on
            self._failed(KioskError(ErrorCode.INTERNAL, type(exc).__name__))
            return False
        self.failures.succeeded()
        self.rotations += 1
        return True

    def _failed(self, exc: KioskError) -> None:
        # A refused credential is a person's to fix (enroll again): ERROR.
        self.failures.failed(exc.code.value, exc.message,
                             level=logging.ERROR if exc.code is ErrorCode.UNAUTHORIZED
                             else logging.WARNING)
