"""Foreign Permanent Resident ID Card numbers (外国人永久居留身份证,
docs/spec/checks.md#pr-card-numbers).

- 2023 card: ``9`` + province of issue (2) + ISO 3166-1 numeric nationality (3) +
  birth date YYYYMMDD + sequence (3; odd male, even female) + a GB 11643 MOD 11-2 check
  character, the same as the citizen ID's (stdnum.cn.ric computes it).
- 2017 card: 3 letters (ISO alpha-3 nationality) + 4-digit region + YYMMDD + 1 digit +
  a check digit that one library reads as ICAO 7-3-1 over the first 14 characters.
  † No official source confirms that check, so its failure is only W_PR2017_CHECK.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from stdnum.cn import ric

from kiosk.domain import mrz, nationality
from kiosk.domain.results import CheckResult
from kiosk.errors import ErrorCode, WarningCode

PR2023 = re.compile(r"9[0-9]{16}[0-9X]")
PR2017 = re.compile(r"[A-Z]{3}[0-9]{12}")


def normalize(number: str) -> str:
    return re.sub(r"\s", "", number).upper()


def check_pr_card(number: str) -> CheckResult:
    """Check a PR card number of either version. Never raises."""
    card = normalize(number)
    if PR2023.fullmatch(card):
        return _check_2023(card)
    if PR2017.fullmatch(card):
        return _check_2017(card)
    return CheckResult.failed(ErrorCode.PR_FORMAT)


def _check_2023(card: str) -> CheckResult:
    birth = _date(card[6:14])
    sequence = int(card[14:17])
    fields: dict[str, Any] = {
        "version": "2023",
        "province_code": card[1:3],
        "nationality": nationality.from_numeric(card[3:6]),
        "nationality_numeric": card[3:6],
        "birth_date": birth,
        "sex": "M" if sequence % 2 else "F",
    }
    if ric.calc_check_digit(card) != card[17]:
        return CheckResult.failed(ErrorCode.PR_CHECK, fields)
    if fields["nationality"] is None or birth is None:
        return CheckResult.failed(ErrorCode.PR_FORMAT, fields)
    return CheckResult.passed(fields)


def _check_2017(card: str) -> CheckResult:
    fields: dict[str, Any] = {
        "version": "2017",
        "nationality": card[:3] if nationality.is_iso_alpha3(card[:3]) else None,
        "region_code": card[3:7],
        "province_code": card[3:5],
    }
    warnings = [] if mrz.check_digit(card[:14]) == card[14] else [WarningCode.PR2017_CHECK.value]
    return CheckResult.passed(fields, warnings)


def _date(yyyymmdd: str) -> date | None:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return None
