"""Central's out-of-service mark, as this kiosk obeys it: an admin takes the kiosk out of
service on central's console, central says so in every heartbeat's answer, and the
kiosk shows its out-of-service screen, the one its technician's switch shows.

- **Never in the middle of a person's session.** A word from central that would change
  the kiosk waits (``pending``) until ``idle()`` says nobody uses it (the App: the
  attract or out-of-service screen, no session, no flow step running); the App settles
  it at once when it rests, after each session and on its upkeep tick. A payment in
  progress is part of a session, so it is never cut off.
- **Central's, not the technician's.** Kept apart from the technician's switch
  (kiosk.services.technician.OutOfService): the kiosk is out of service while either
  says so; the technician's switch cannot lift central's mark, nor central's word the
  technician's switch. The technician screen says which is on.
- **Kept across a restart** in a file of the data folder, so a kiosk that restarts
  while central is unreachable stays out of service until central lifts the mark. A
  heartbeat that fails changes nothing; an answer without a mark (an older central,
  which has no marks) lifts it.
- **Reported**: each change is an audit event for central
  (``kiosk.out_of_service_by_central``, ``kiosk.back_in_service_by_central``) and the
  heartbeat says who took the kiosk out of service.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from kiosk.services.ports import Clock, ServiceMarkWord
from kiosk.services.technician_events import (
    BACK_IN_SERVICE_BY_CENTRAL,
    OUT_OF_SERVICE_BY_CENTRAL,
    TechnicianEvents,
)

log = logging.getLogger(__name__)

CENTRAL_MARK_FILE = "central-out-of-service"


class CentralMark:
    def __init__(self, data_dir: Path, clock: Clock, events: TechnicianEvents | None = None
                 ) -> None:
        self.path = data_dir / CENTRAL_MARK_FILE
        self.clock = clock
        self.events = events
        self._lock = threading.Lock()  # heard on the heartbeat's thread, settled on the UI's
        self._since, self._reason = self._load()
        self._wanted: ServiceMarkWord | None = None  # None: no word yet in this process
        # Whether the kiosk may change now; without a UI nobody uses it (the App sets it).
        self.idle: Callable[[], bool] = lambda: True
        # How a new word gets settled: at once by default; the App moves it to its thread.
        self.settle_soon: Callable[[], object] = self.settle
        self.listeners: list[Callable[[bool], None]] = []  # called on each change

    @property
    def active(self) -> bool:
        """The kiosk is out of service by central's mark (obeyed, not just heard)."""
        return self._since is not None

    @property
    def since(self) -> datetime | None:
        """When the kiosk obeyed the mark (its own clock); None while in service."""
        return self._since

    @property
    def reason_code(self) -> str | None:
        return self._reason if self._since is not None else None

    @property
    def pending(self) -> bool:
        """Central's last word differs from what the kiosk does: it waits for rest."""
        wanted = self._wanted
        return wanted is not None and wanted.out_of_service != self.active

    def heard(self, word: ServiceMarkWord | None) -> None:
        """Central's word in a heartbeat's answer; None: the answer had no mark (an
        older central). Settled at once if the kiosk rests (settle_soon)."""
        self._wanted = word if word is not None else ServiceMarkWord(out_of_service=False)
        if self.pending:
            self.settle_soon()

    def settle(self) -> bool:
        """Obey central's last word if it differs and the kiosk rests; True if the kiosk
        changed. Listeners and the audit event follow a change."""
        with self._lock:
            wanted = self._wanted
            if wanted is None or wanted.out_of_service == self.active or not self.idle():
                return False
            if wanted.out_of_service:
                self._since, self._reason = self.clock.now(), wanted.reason_code or "admin"
                self._save(wanted)
            else:
                self._since, self._reason = None, None
                self.path.unlink(missing_ok=True)
            active = self.active
        log.log(logging.WARNING if active else logging.INFO,
                "kiosk %s by central's mark", "out of service" if active else "back in service")
        if self.events is not None:
            if active:
                details = {"reason": wanted.reason_code or "admin"}
                if wanted.since is not None:
                    details["marked_at"] = wanted.since.isoformat()
                self.events.record(OUT_OF_SERVICE_BY_CENTRAL, "ok", details=details)
            else:
                self.events.record(BACK_IN_SERVICE_BY_CENTRAL, "ok")
        for listener in list(self.listeners):
            listener(active)
        return True

    def _save(self, word: ServiceMarkWord) -> None:
        assert self._since is not None
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # 0600 like everything in the data folder (kiosk.private_files).
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as mark:
            json.dump({"since": self._since.isoformat(), "reason": self._reason,
                       "marked_at": word.since.isoformat() if word.since else None}, mark)

    def _load(self) -> tuple[datetime | None, str | None]:
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8"))
            return datetime.fromisoformat(kept["since"]), str(kept.get("reason") or "admin")
        except FileNotFoundError:
            return None, None
        except (OSError, ValueError, KeyError, TypeError):
            # A torn file: central marked the kiosk; obey from now until it says otherwise.
            log.warning("central's out-of-service mark unreadable; kept from now on")
            return self.clock.now(), "admin"
