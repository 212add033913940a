"""The shared validators of docs/spec/checks.md, in one place for the services and the UI.

Every check returns a CheckResult and never raises for what a user typed or a device
read. The rules live in their modules (mrz, identity, cards, limitation); the Unified
Social Credit Code is small enough to live here.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date

from stdnum.cn import uscc as stdnum_uscc

from kiosk.domain import cards, identity, limitation, mrz as mrz_rules
from kiosk.domain.results import CheckResult, FormCheck
from kiosk.errors import ErrorCode, WarningCode

__all__ = ["CheckResult", "FormCheck", "bank_card", "limitation_deadline", "mrz", "pr_card",
           "uscc"]

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714


def mrz(text: str, today: date) -> CheckResult:
    """A TD3 (2 x 44) or TD1 (3 x 30) zone, lines joined by newlines. Codes:
    E_MRZ_UNREADABLE, E_MRZ_CHECKDIGIT, E_MRZ_DATE, E_DOC_EXPIRED; warning
    W_STATE_CODE_MAPPED. fields: format, doc_code, issuing_state, document_number,
    nationality, birth_date, sex, expiry_date, optional_data, surname, given_names,
    name_truncated (TD1 also optional_data_2)."""
    return mrz_rules.read(text, today)


def pr_card(number: str) -> CheckResult:
    """A permanent resident card number, 2023 or 2017 format. Codes: E_PR_FORMAT,
    E_PR_CHECK; warning W_PR2017_CHECK. fields: version, province_code, nationality,
    and for 2023 cards nationality_numeric, birth_date, sex."""
    return identity.check_pr_card(number)


def uscc(code: str, allow_override: bool = False) -> CheckResult:
    """A Unified Social Credit Code (GB 32100-2015). Codes: E_USCC_FORMAT, E_USCC_CHECK
    (with allow_override, staff accept it: warning W_USCC_CHECK_OVERRIDDEN instead);
    warning W_USCC_ORG_CODE when the embedded GB 11714 organization code fails its own
    (advisory) check. fields: registration_authority, entity_type, division,
    organization_code."""
    normalized = stdnum_uscc.compact(code)
    if (len(normalized) != 18 or any(c not in USCC_ALPHABET for c in normalized)
            or not re.fullmatch(r"[0-9]{6}", normalized[2:8])):
        return CheckResult.failed(ErrorCode.USCC_FORMAT)
    fields = {
        "registration_authority": normalized[0],
        "entity_type": normalized[1],
        "division": normalized[2:8],
        "organization_code": normalized[8:17],
    }
    warnings = [] if _org_code_valid(normalized[8:17]) else [WarningCode.USCC_ORG_CODE.value]
    if stdnum_uscc.calc_check_digit(normalized) != normalized[17]:
        if not allow_override:
            return CheckResult.failed(ErrorCode.USCC_CHECK, fields, warnings)
        warnings.append(WarningCode.USCC_CHECK_OVERRIDDEN.value)
    return CheckResult.passed(fields, warnings)


def _org_code_valid(org_code: str) -> bool:
    """GB 11714: c = 11 - (sum of weighted values mod 11); 10 is X, 11 is 0."""
    # 8 weights over the 9 characters: the 9th is the check character itself
    total = sum(_char_value(c) * w for c, w in zip(org_code, ORG_CODE_WEIGHTS, strict=False))
    expected = 11 - total % 11
    check = {10: "X", 11: "0"}.get(expected, str(expected))
    return org_code[8] == check


def _char_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def bank_card(number: str) -> CheckResult:
    """A card number (spaces allowed). Codes: E_CARD_FORMAT, E_CARD_LUHN; warning
    W_CARD_LUHN for UnionPay cards. fields: brand, masked."""
    return cards.check_bank_card(number)


def limitation_deadline(knew: date, holidays: Collection[date] = ()) -> date:
    """The last day to file a labour dispute claim (see kiosk.domain.limitation)."""
    return limitation.limitation_deadline(knew, holidays)
