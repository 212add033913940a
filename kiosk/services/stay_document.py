"""The identity document of an accommodation registration: what the reader gave, as the
registration's fields, and why a document cannot register a stay here.

The checked Person (kiosk.services.flow) lacks two things the police form needs: the
ICAO document code (ordinary, diplomatic or service passport) and a PR card's Chinese
name. ``KeepingReader`` keeps the last document it delivered for them. Personal data:
dropped with the flow, never logged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hardware.base import DeviceStatus, DocumentRead, DocumentReader, ReadRejected
from kiosk.domain.stay import DocType, check_stay, doc_type_from_mrz
from kiosk.errors import ErrorCode
from kiosk.services.flow import Person
from kiosk.services.stay_questions import form_from

# The StayForm fields that come from the document (nothing is typed for them).
DOCUMENT_FIELDS = ("surname", "given_names", "middle_name", "birth_date", "nationality",
                   "doc_type", "doc_number", "doc_expiry")


class KeepingReader:
    """A DocumentReader that remembers the last document it delivered."""

    def __init__(self, reader: DocumentReader) -> None:
        self._reader = reader
        self.last: DocumentRead | None = None

    def read(self, timeout_s: float) -> DocumentRead | ReadRejected | None:
        read = self._reader.read(timeout_s)
        if isinstance(read, DocumentRead):
            self.last = read
        return read

    def status(self) -> DeviceStatus:
        return self._reader.status()

    def discard_pending(self) -> None:
        self._reader.discard_pending()

    def close(self) -> None:
        self._reader.close()


def document_fields(person: Person, read: DocumentRead | None) -> dict[str, Any]:
    """The StayForm fields the document gave. Sex only when it is M or F, the expiry only
    when the document has one: otherwise the flow asks for them."""
    fields: dict[str, Any] = {
        "surname": person.surname, "given_names": person.given_names,
        "birth_date": person.birth_date, "nationality": person.nationality,
        "doc_number": person.doc_number}
    if person.sex in ("M", "F"):
        fields["sex"] = person.sex
    if person.expiry_date is not None:
        fields["doc_expiry"] = person.expiry_date
    if person.doc_type == "pr_card":
        fields["doc_type"] = DocType.PR_CARD
    elif read is not None and read.mrz:
        fields["doc_type"] = doc_type_from_mrz(read.mrz.split("\n", 1)[0][:2])
    else:
        fields["doc_type"] = DocType.OTHER
    chinese_name = (read.chip or {}).get("name_zh", "").strip() if read is not None else ""
    if chinese_name:
        fields["chinese_name"] = chinese_name
    return fields


def document_problem(document: dict[str, Any], now: datetime) -> ErrorCode | None:
    """Why this document cannot register a stay here (E_CHINESE_NATIONAL for a Chinese
    passport, E_DOC_EXPIRED...), before anything is asked; None when it can."""
    check = check_stay(form_from(document, tz=now.tzinfo), now.date(), now)
    return next((code for name, code in check.errors
                 if name in DOCUMENT_FIELDS and code is not ErrorCode.FIELD_REQUIRED), None)
