"""What every self-service flow shares, and what the UI may rely on.

A flow is a plain state machine. The UI shows ``view`` (which kind of screen the current
step needs: read a document, answer a question, check a summary...), calls the cheap
commands on its thread, and runs ``advance()`` on a worker thread while ``busy``. The
bill payment flow predates this and keeps its own screens.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from hardware.base import (
    DeviceError,
    DocumentFormat,
    DocumentRead,
    DocumentReader,
    ReadRejected,
)
from kiosk.domain import checks
from kiosk.errors import ErrorCode, KioskError, WarningCode
from kiosk.services.forms import Questionnaire
from kiosk.services.ports import CallContext, Clock

log = logging.getLogger(__name__)


class View(StrEnum):
    """The kinds of screen a flow step needs."""

    DOCUMENT = "document"  # place your document on the reader (busy while reading)
    IDENTITY = "identity"  # is this you? (name, nationality, document as read)
    QUESTION = "question"  # one question of the flow's questionnaire
    CHOOSE = "choose"  # pick one of a list central gave (address levels)
    CONFIRM = "confirm"  # a record found at central: is this the right one?
    SUMMARY = "summary"  # everything, with warnings, before submitting or printing
    WORKING = "working"  # central or the printer is busy
    DONE = "done"  # the slip came out (or can be reprinted)
    FAILED = "failed"  # could not go on: why, and what to do


@dataclass(frozen=True)
class Row:
    """One label/value line of a summary (label is a msgid; value is shown as is)."""

    label: str
    value: str
    emphasis: bool = False


@dataclass(frozen=True)
class Choice:
    """One entry of a list to choose from (address levels): shown as is, no msgid."""

    id: str
    title: str
    subtitle: str = ""


@dataclass(frozen=True)
class Person:
    """The identity document as read and checked, for confirmation and for the forms.
    Personal data: dropped by wipe()."""

    doc_type: str  # "passport", "id_card", "pr_card"
    doc_number: str
    surname: str
    given_names: str
    nationality: str  # alpha-3
    birth_date: date
    sex: str
    expiry_date: date | None
    warnings: tuple[str, ...] = ()

    @property
    def masked_number(self) -> str:
        return "*" * max(len(self.doc_number) - 4, 0) + self.doc_number[-4:]


def person_from_read(read: DocumentRead, today: date) -> Person:
    """Check a document read with the domain rules; raises KioskError with the first
    code (E_MRZ_CHECKDIGIT, E_DOC_EXPIRED, E_PR_CHECK...)."""
    if read.format is DocumentFormat.BARCODE:  # a bill under the reader, not a document
        raise KioskError(ErrorCode.MRZ_UNREADABLE, reason="barcode")
    if read.mrz is not None:
        result = checks.mrz(read.mrz, today)
        if not result.ok:
            raise KioskError(ErrorCode(result.code or ErrorCode.MRZ_UNREADABLE.value))
        f = result.fields
        doc_type = "passport" if f["format"] == "TD3" else "id_card"
        return Person(doc_type=doc_type, doc_number=f["document_number"],
                      surname=f["surname"], given_names=f["given_names"],
                      nationality=f["nationality"], birth_date=f["birth_date"], sex=f["sex"],
                      expiry_date=f["expiry_date"], warnings=tuple(result.warnings))
    chip = read.chip or {}
    result = checks.pr_card(chip.get("card_number", ""))
    if not result.ok:
        raise KioskError(ErrorCode(result.code or ErrorCode.PR_FORMAT.value))
    expiry = date.fromisoformat(_iso(chip["expiry_date"])) if chip.get("expiry_date") else None
    if expiry is not None and expiry < today:
        raise KioskError(ErrorCode.DOC_EXPIRED)
    surname, _, given = chip.get("name_en", "").partition(",")
    return Person(doc_type="pr_card", doc_number=chip["card_number"],
                  surname=surname.strip().upper(), given_names=given.strip().upper(),
                  nationality=result.fields["nationality"],
                  birth_date=result.fields["birth_date"], sex=result.fields["sex"],
                  expiry_date=expiry, warnings=tuple(result.warnings))


def _iso(compact: str) -> str:
    """"20340811" or "2034-08-11" -> "2034-08-11"."""
    digits = compact.replace("-", "")
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"


class Flow:
    """Base of the questionnaire-style flows: the plumbing every one of them needs."""

    service = ""  # "tax_record", "accommodation", "arbitration", "points"
    title = ""  # msgid for the header

    def __init__(self, ctx: CallContext, clock: Clock) -> None:
        self.ctx = ctx
        self.clock = clock
        self.view = View.WORKING
        self.step: StrEnum | None = None
        self.error: KioskError | None = None
        self.warnings: list[WarningCode] = []
        self.listener: Callable[[Any], None] | None = None
        self.form: Questionnaire | None = None
        self.person: Person | None = None
        self.busy = False
        self.receipt_printed: bool | None = None
        self.reference = ""

    @property
    def at_start(self) -> bool:
        """Back from here leaves the service."""
        return self.view is View.DOCUMENT

    @property
    def can_retry(self) -> bool:
        """The failure screen offers Try again (start over from the document)."""
        return True

    @property
    def step_number(self) -> int:
        return 1

    @property
    def total_steps(self) -> int:
        return 1

    def set_language(self, lang: str) -> None:
        self.ctx = replace(self.ctx, lang=lang)
        self._notify()

    def wipe(self) -> None:
        """Session over: forget everything personal."""
        self.person = None
        self.form = None
        self.error = None
        self.listener = None

    def advance(self) -> None:
        """Do the slow work of the current step (worker thread). Subclasses override
        _work(); a defect never leaves the user stuck."""
        try:
            self._work()
        except Exception:
            log.exception("%s failed unexpectedly at %s", self.service, self.step)
            self._fail(KioskError(ErrorCode.INTERNAL, reference=self.reference))

    def _work(self) -> None:
        raise NotImplementedError

    # --- reading the document ----------------------------------------------------------

    def _wait_for_person(self, reader: DocumentReader | None, timeout_s: float,
                         cancel: threading.Event,
                         problem: Callable[[Person], ErrorCode | None] | None = None,
                         ) -> Person | None:
        """The document step's slow work: wait up to ``timeout_s`` for a usable document.
        Each refusal (or ``problem`` the flow finds in a read person) is shown at once and
        the wait goes on; a reader that is gone ends it. None when cancelled or timed
        out: ``busy`` is cleared and the screen offers to try again."""
        deadline = time.monotonic() + timeout_s
        while not cancel.is_set() and time.monotonic() < deadline:
            had_error = self.error
            person = self._read_document(reader, 0.5)
            if person is not None:
                refused = problem(person) if problem is not None else None
                if refused is None:
                    return person
                self.error = KioskError(refused)
            if self.error is not None and self.error is not had_error:
                self._notify()  # say what was wrong; keep waiting for a document
                if self.error.code is ErrorCode.DEVICE_UNAVAILABLE:
                    break
        self.busy = False
        self._notify()
        return None

    def _read_document(self, reader: DocumentReader | None, timeout_s: float) -> Person | None:
        """Wait for a document; None with ``error`` set when it could not be used (the
        document step stays, so the user can place it again)."""
        if reader is None:
            self.error = KioskError(ErrorCode.DEVICE_UNAVAILABLE, device="reader")
            return None
        try:
            read = reader.read(timeout_s)
        except DeviceError as exc:
            self.error = KioskError(ErrorCode.DEVICE_UNAVAILABLE, device="reader",
                                    reason=exc.reason)
            return None
        if read is None:
            return None  # nothing yet: keep waiting
        if isinstance(read, ReadRejected):
            self.error = KioskError(ErrorCode.MRZ_UNREADABLE, reason=read.reason)
            return None
        try:
            person = person_from_read(read, self.clock.now().date())
        except KioskError as exc:
            self.error = exc
            return None
        self.error = None
        return person

    # --- plumbing -----------------------------------------------------------------------

    def _fail(self, error: KioskError) -> None:
        self.error = error
        self.busy = False
        self._show(View.FAILED)

    def _show(self, view: View, step: StrEnum | None = None) -> None:
        self.view = view
        if step is not None:
            self.step = step
        self._notify()

    def _notify(self) -> None:
        if self.listener is not None:
            self.listener(self)
