"""Sending one-time codes. There is no real SMS gateway here: the demo gateway logs the
message (masked number, the code) and keeps the latest code per session for
GET /v1/demo/sms, which answers only when central runs with its demo data."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from central.masking import mask_phone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentSms:
    otp_session: str
    phone_masked: str
    code: str
    sent_at: datetime


class SmsGateway(Protocol):
    def send_code(self, otp_session: str, phone: str, code: str, now: datetime) -> None: ...


class DemoSmsGateway:
    """Logs "SMS to 138****8000: your code is 123456" and remembers the last ``keep``
    messages in memory (never in the database)."""

    def __init__(self, keep: int = 1000) -> None:
        self._keep = keep
        self._sent: OrderedDict[str, SentSms] = OrderedDict()
        self._lock = threading.Lock()

    def send_code(self, otp_session: str, phone: str, code: str, now: datetime) -> None:
        message = SentSms(otp_session, mask_phone(phone), code, now)
        log.info("SMS to %s: your code is %s", message.phone_masked, code)
        with self._lock:
            self._sent[otp_session] = message
            self._sent.move_to_end(otp_session)
            while len(self._sent) > self._keep:
                self._sent.popitem(last=False)

    def latest(self, otp_session: str) -> SentSms | None:
        with self._lock:
            return self._sent.get(otp_session)
