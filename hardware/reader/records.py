"""What a frame from the document reader means: an MRZ document, a chip record, a bill's
barcode, a status report, or something to reject (docs/hardware/document-reader.md,
sections 3-6).

Pure code, no I/O. Checks framing, lengths and alphabets only: MRZ check digits, dates
and the card number's MOD 11-2 check are kiosk.domain's job. Details of rejections name
line numbers, lengths and counts, never a character of the document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from hardware.base import DocumentFormat, DocumentRead, ReadRejected
from hardware.reader.framing import split_lines

MRZ_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
# Line count -> (format, characters per line) of the MRZ formats the kiosk accepts.
MRZ_SHAPES: dict[int, tuple[DocumentFormat, int]] = {
    2: (DocumentFormat.TD3, 44),
    3: (DocumentFormat.TD1, 30),
}
TD2_LINE_LENGTH = 36  # 2 x 36: ICAO TD2 cards and MRV-B visas, not accepted here

RECORD_PREFIX = "#"  # first line of a record the reader itself composes (not an MRZ)
STATUS_HEADER = "#STATUS"
CHIP_HEADER = "#CHIP"
BARCODE_HEADER = "#BARCODE"
STATUS_READY = "READY"

# A bill's barcode (docs/spec/bills.md#barcode): 10 to 48 of 0-9 A-Z; what it means is
# the biller's.
BARCODE_ALPHABET = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
BARCODE_MIN_LENGTH = 10
BARCODE_MAX_LENGTH = 48

# Rejection reasons (ReadRejected.reason).
TRUNCATED = "truncated"
NOISE = "noise"
BAD_LENGTH = "bad_length"
BAD_CHARACTERS = "bad_characters"
UNKNOWN_FORMAT = "unknown_format"


@dataclass(frozen=True)
class StatusReport:
    """The reader's answer to ENQ: ``READY`` or another state word (a fault)."""

    state: str
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.state == STATUS_READY


@dataclass(frozen=True)
class IgnoredRecord:
    """A well-framed record of a kind this adapter does not know (newer firmware)."""

    kind: str


Decoded = DocumentRead | ReadRejected | StatusReport | IgnoredRecord | None


@dataclass(frozen=True)
class ChipField:
    required: bool
    check: Callable[[str], str | None]  # None when valid, else a rejection reason


def _digits(length: int) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        if not value.isascii() or not value.isdigit():
            return BAD_CHARACTERS
        return None if len(value) == length else BAD_LENGTH
    return check


def _card_number(value: str) -> str | None:
    # Shape only (18 characters, digits and a final digit or X); the MOD 11-2 check and
    # the leading 9 are kiosk.domain's rules.
    if not re.fullmatch(r"[0-9X]*", value):
        return BAD_CHARACTERS
    if len(value) != 18:
        return BAD_LENGTH
    return None if value[:17].isdigit() else BAD_CHARACTERS


def _sex(value: str) -> str | None:
    return None if value in ("M", "F") else BAD_CHARACTERS


def _text(value: str) -> str | None:
    return None if value.isprintable() and len(value) <= 120 else BAD_CHARACTERS


# Fields of a PR2023 chip record, as they appear in DocumentRead.chip. Other fields the
# reader may send (the photo, for instance) are dropped: the kiosk does not need them.
PR2023_FIELDS: dict[str, ChipField] = {
    "card_number": ChipField(True, _card_number),
    "name_en": ChipField(True, _text),
    "name_zh": ChipField(False, _text),
    "sex": ChipField(True, _sex),
    "birth_date": ChipField(True, _digits(8)),  # YYYYMMDD
    "nationality": ChipField(True, _digits(3)),  # ISO 3166-1 numeric
    "issue_date": ChipField(True, _digits(8)),
    "expiry_date": ChipField(True, _digits(8)),
    "authority": ChipField(False, _text),
}
CHIP_FORMATS: dict[str, dict[str, ChipField]] = {DocumentFormat.PR2023.value: PR2023_FIELDS}


def decode_frame(body: bytes, *, now: datetime | None = None) -> Decoded:
    """Classify one frame body (the bytes between STX and ETX, lines split on CR/LF).
    Returns None for an empty frame. Never raises on any input."""
    lines = split_lines(body)
    if not lines:
        return None
    if lines[0].startswith(RECORD_PREFIX.encode()):
        return _decode_record(lines, now)
    return _decode_mrz(lines, now)


def _decode_mrz(lines: list[bytes], now: datetime | None) -> DocumentRead | ReadRejected:
    for number, line in enumerate(lines, start=1):
        if any(byte < 0x20 or byte > 0x7E for byte in line):
            return ReadRejected(NOISE, f"line {number}: bytes that are not printable ASCII")
    for number, line in enumerate(lines, start=1):
        foreign = sum(1 for byte in line if byte not in MRZ_ALPHABET)
        if foreign:
            return ReadRejected(BAD_CHARACTERS,
                                f"line {number}: {foreign} characters outside A-Z 0-9 <")
    lengths = [len(line) for line in lines]
    shape = "/".join(str(length) for length in lengths)
    if len(lines) == 1:
        return ReadRejected(TRUNCATED, f"1 line of {shape} characters")
    if len(lines) == 2 and all(length == TD2_LINE_LENGTH for length in lengths):
        return ReadRejected(UNKNOWN_FORMAT, "2 lines of 36 (TD2) are not accepted")
    if len(lines) not in MRZ_SHAPES:
        return ReadRejected(UNKNOWN_FORMAT, f"{len(lines)} lines")
    document_format, expected = MRZ_SHAPES[len(lines)]
    if any(length > expected for length in lengths):
        return ReadRejected(BAD_LENGTH, f"{len(lines)} lines of {shape}; "
                                        f"{document_format.value} has {expected}")
    if any(length < expected for length in lengths):
        return ReadRejected(TRUNCATED, f"{len(lines)} lines of {shape}; "
                                       f"{document_format.value} has {expected}")
    mrz = "\n".join(line.decode("ascii") for line in lines)
    return DocumentRead(format=document_format, mrz=mrz, read_at=now or _utcnow())


def _decode_record(lines: list[bytes], now: datetime | None) -> Decoded:
    try:
        text = [line.decode("utf-8") for line in lines]
    except UnicodeDecodeError:
        return ReadRejected(NOISE, "record is not UTF-8")
    for number, line in enumerate(text, start=1):
        if not line.isprintable():
            return ReadRejected(NOISE, f"line {number}: control characters")
    kind, _, rest = text[0].partition(" ")
    if kind == STATUS_HEADER:
        state, _, detail = rest.strip().partition(" ")
        return StatusReport(state=state or "?", detail=detail[:80])
    if kind == CHIP_HEADER:
        fields = CHIP_FORMATS.get(rest.strip())
        if fields is None:
            return ReadRejected(UNKNOWN_FORMAT, "chip record of an unknown card type")
        return _decode_chip(DocumentFormat(rest.strip()), fields, text[1:], now)
    if kind == BARCODE_HEADER:
        return _decode_barcode(text[1:], now)
    return IgnoredRecord(kind=kind[:20])


def _decode_barcode(lines: list[str], now: datetime | None) -> DocumentRead | ReadRejected:
    """The lines after ``#BARCODE [SYMBOLOGY]``: exactly one, the decoded text. The
    symbology word is for technicians; the kiosk does not need it."""
    if not lines:
        return ReadRejected(TRUNCATED, "barcode record without its data line")
    if len(lines) > 1:
        return ReadRejected(UNKNOWN_FORMAT, f"barcode record with {len(lines)} data lines")
    data = lines[0]
    foreign = sum(1 for char in data if char not in BARCODE_ALPHABET)
    if foreign:
        return ReadRejected(BAD_CHARACTERS, f"barcode: {foreign} characters outside 0-9 A-Z")
    if not BARCODE_MIN_LENGTH <= len(data) <= BARCODE_MAX_LENGTH:
        return ReadRejected(BAD_LENGTH, f"barcode of {len(data)} characters; a bill's has "
                                        f"{BARCODE_MIN_LENGTH} to {BARCODE_MAX_LENGTH}")
    return DocumentRead(format=DocumentFormat.BARCODE, barcode=data, read_at=now or _utcnow())


def _decode_chip(document_format: DocumentFormat, fields: dict[str, ChipField],
                 lines: list[str], now: datetime | None) -> DocumentRead | ReadRejected:
    values: dict[str, str] = {}
    for number, line in enumerate(lines, start=2):
        key, sep, value = line.partition("=")
        if not sep or not key:
            return ReadRejected(UNKNOWN_FORMAT, f"line {number}: not KEY=VALUE")
        if key in values:
            return ReadRejected(UNKNOWN_FORMAT, f"line {number}: field repeated")
        if key in fields:
            values[key] = value.strip()
    missing = [key for key, field in fields.items() if field.required and not values.get(key)]
    if missing:
        return ReadRejected(TRUNCATED, f"missing fields: {', '.join(missing)}")
    for key, value in values.items():
        if not value:
            continue
        problem = fields[key].check(value)
        if problem is not None:
            return ReadRejected(problem, f"field {key}")
    chip = {key: value for key, value in values.items() if value}
    return DocumentRead(format=document_format, chip=chip, read_at=now or _utcnow())


def _utcnow() -> datetime:
    return datetime.now(UTC)
