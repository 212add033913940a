"""One user's visit: from the first touch to the wipe."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.services.ports import CallContext


@dataclass
class Session:
    kiosk_id: str
    lang: str
    started_at: datetime
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def context(self) -> CallContext:
        return CallContext(kiosk_id=self.kiosk_id, session_id=self.id, lang=self.lang)
