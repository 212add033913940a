"""ICAO Doc 9303 machine-readable zones (docs/spec/checks.md#mrz): TD3 passports (2 x 44) and
TD1 identity cards (3 x 30).

python-stdnum has no ICAO check digit (its 7-3-1 checks are digits-only), so it is here,
once. Kiosk rules on top of ICAO's: dates must be real, the birth century is the one that
puts the date in the past, the expiry century the latest one at most 20 years ahead, an
expired document is refused, and non-ISO state codes are mapped (nationality.py).

The name line, the state codes and the sex carry no check digit (ICAO's design): the
user confirms the name, and the codes are checked against the code lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.domain import nationality
from kiosk.domain.limitation import add_years
from kiosk.domain.results import CheckResult
from kiosk.errors import ErrorCode, WarningCode

ALPHABET = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<")
FILLER = "<"
WEIGHTS = (7, 3, 1)
EXPIRY_HORIZON_YEARS = 20  # a document is not issued for longer than this
TD3_SHAPE = (2, 44)
TD1_SHAPE = (3, 30)
TD1_DOC_CODES = frozenset("ACI")


def char_value(char: str) -> int:
    """0-9 as themselves, A-Z as 10-35, the filler as 0."""
    if char == FILLER:
        return 0
    if char.isdigit() and char.isascii():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    raise ValueError(f"not an MRZ character: {char!r}")


def check_digit(data: str) -> str:
    """The ICAO 9303 check digit of ``data``: weights 7, 3, 1 from the left, sum mod 10."""
    total = sum(char_value(c) * WEIGHTS[i % 3] for i, c in enumerate(data))
    return str(total % 10)


@dataclass(frozen=True)
class _Checked:
    """One check-digit-protected stretch of the zone."""

    data: str
    check: str
    filler_allowed: bool = False  # optional data of fillers only may have "<" as check

    def valid(self) -> bool:
        if self.filler_allowed and set(self.data) <= {FILLER} and self.check in (FILLER, "0"):
            return True
        return self.check.isdigit() and self.check == check_digit(self.data)


@dataclass(frozen=True)
class _Zone:
    """The elements of a zone, whatever its format."""

    format: str
    doc_code: str
    issuing_state: str
    document_number: str
    birth: str
    sex: str
    expiry: str
    nationality: str
    optional_data: str
    name: str
    checked: tuple[_Checked, ...]
    extra: dict[str, str]


def split_lines(text: str) -> list[str]:
    """The zone's lines without surrounding whitespace or blank lines."""
    return [line.strip() for line in text.strip().splitlines() if line.strip()]


def read(text: str, today: date) -> CheckResult:
    """Parse and check an MRZ (lines joined by newlines). Never raises."""
    lines = split_lines(text)
    shape = (len(lines), len(lines[0]) if lines else 0)
    if shape not in (TD3_SHAPE, TD1_SHAPE) or any(len(line) != shape[1] for line in lines):
        return CheckResult.failed(ErrorCode.MRZ_UNREADABLE)
    if any(c not in ALPHABET for line in lines for c in line):
        return CheckResult.failed(ErrorCode.MRZ_UNREADABLE)
    zone = _td3(lines) if shape == TD3_SHAPE else _td1(lines)
    return _evaluate(zone, today)


def _td3(lines: list[str]) -> _Zone:
    l1, l2 = lines
    number, number_check = l2[0:9], l2[9]
    birth, birth_check = l2[13:19], l2[19]
    expiry, expiry_check = l2[21:27], l2[27]
    optional, optional_check = l2[28:42], l2[42]
    composite = l2[0:10] + l2[13:20] + l2[21:43]
    checked = (
        _Checked(number, number_check),
        _Checked(birth, birth_check),
        _Checked(expiry, expiry_check),
        _Checked(optional, optional_check, filler_allowed=True),
        _Checked(composite, l2[43]),
    )
    return _Zone("TD3", l1[0:2], l1[2:5], number, birth, l2[20], expiry, l2[10:13],
                 optional, l1[5:44], checked, {})


def _td1(lines: list[str]) -> _Zone:
    l1, l2, l3 = lines
    number, number_check, optional = l1[5:14], l1[14], l1[15:30]
    if number_check == FILLER and optional[:1] not in ("", FILLER):
        # A number longer than 9: its rest and its check digit open the optional data,
        # followed by a filler (ICAO 9303 part 5, 4.2.2 note j).
        end = optional.find(FILLER)
        end = len(optional) if end < 0 else end
        number, number_check = number + optional[:end - 1], optional[end - 1:end]
        optional = optional[end + 1:]
    composite = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
    checked = (
        _Checked(number, number_check),
        _Checked(l2[0:6], l2[6]),
        _Checked(l2[8:14], l2[14]),
        _Checked(composite, l2[29]),
    )
    return _Zone("TD1", l1[0:2], l1[2:5], number, l2[0:6], l2[7], l2[8:14], l2[15:18],
                 optional, l3, checked, {"optional_data_2": _text(l2[18:29])})


def _evaluate(zone: _Zone, today: date) -> CheckResult:
    errors: list[ErrorCode] = []
    warnings: list[str] = []
    if not all(part.valid() for part in zone.checked):
        errors.append(ErrorCode.MRZ_CHECKDIGIT)

    issuing_state = nationality.from_icao(zone.issuing_state)
    citizenship = nationality.from_icao(zone.nationality)
    doc_ok = (zone.doc_code[0] == "P" if zone.format == "TD3"
              else zone.doc_code[0] in TD1_DOC_CODES)
    if not doc_ok or zone.sex not in ("M", "F", "X", FILLER) or None in (issuing_state,
                                                                          citizenship):
        errors.append(ErrorCode.MRZ_UNREADABLE)
    for raw in (zone.issuing_state, zone.nationality):
        if (nationality.from_icao(raw) is not None and not nationality.is_iso_alpha3(raw)
                and WarningCode.STATE_CODE_MAPPED.value not in warnings):
            warnings.append(WarningCode.STATE_CODE_MAPPED.value)

    birth = _birth_date(zone.birth, today)
    expiry = _expiry_date(zone.expiry, today)
    if birth is None or expiry is None:
        errors.append(ErrorCode.MRZ_DATE)
    elif expiry < today:
        errors.append(ErrorCode.DOC_EXPIRED)

    surname, given_names = split_name(zone.name)
    fields: dict[str, Any] = {
        "format": zone.format,
        "doc_code": zone.doc_code.rstrip(FILLER),
        "issuing_state": issuing_state or zone.issuing_state.rstrip(FILLER),
        "document_number": zone.document_number.replace(FILLER, ""),
        "nationality": citizenship or zone.nationality.rstrip(FILLER),
        "birth_date": birth,
        "sex": "X" if zone.sex == FILLER else zone.sex,
        "expiry_date": expiry,
        "optional_data": _text(zone.optional_data),
        "surname": surname,
        "given_names": given_names,
        # A name that fills its field to the last character may have been truncated.
        "name_truncated": not zone.name.endswith(FILLER),
        **zone.extra,
    }
    if errors:
        return CheckResult.failed(errors[0], fields, warnings)
    return CheckResult.passed(fields, warnings)


def split_name(field: str) -> tuple[str, str]:
    """"ERIKSSON<<ANNA<MARIA<<<" -> ("ERIKSSON", "ANNA MARIA")."""
    primary, _, secondary = field.partition(FILLER * 2)
    return _text(primary), _text(secondary)


def _text(raw: str) -> str:
    return " ".join(part for part in raw.split(FILLER) if part)


_YYMMDD = re.compile(r"[0-9]{6}")


def _dates(yymmdd: str, centuries: tuple[int, ...]) -> list[date]:
    if not _YYMMDD.fullmatch(yymmdd):
        return []
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    found = []
    for century in centuries:
        try:
            found.append(date(century + yy, month, day))
        except ValueError:
            continue
    return found


def _birth_date(yymmdd: str, today: date) -> date | None:
    """The latest reading that is not in the future."""
    past = [d for d in _dates(yymmdd, (2000, 1900)) if d <= today]
    return past[0] if past else None


def _expiry_date(yymmdd: str, today: date) -> date | None:
    """The latest reading at most EXPIRY_HORIZON_YEARS ahead."""
    horizon = add_years(today, EXPIRY_HORIZON_YEARS)
    near = [d for d in _dates(yymmdd, (2100, 2000, 1900)) if d <= horizon]
    return near[0] if near else None
