"""Bank cards (docs/spec/checks.md#bank-cards): shape, Luhn (stdnum), brand and the printed mask.

UnionPay (IIN 62 or 81, 16-19 digits) issues cards that fail Luhn, so for those a Luhn
failure is only W_CARD_LUHN; any other card failing Luhn is refused.
"""

from __future__ import annotations

import re

from stdnum import luhn

from kiosk.domain.results import CheckResult
from kiosk.errors import ErrorCode, WarningCode

UNIONPAY = "UnionPay"
VISA = "Visa"
MASTERCARD = "Mastercard"
JCB = "JCB"
AMEX = "Amex"
OTHER = "other"

MIN_LENGTH, MAX_LENGTH = 12, 19
UNIONPAY_LENGTHS = range(16, 20)
MASK_HEAD, MASK_TAIL = 6, 4  # † first 6 / last 4


def normalize(number: str) -> str:
    return number.replace(" ", "")


def brand(digits: str) -> str:
    """The card scheme by IIN range."""
    two, four = int(digits[:2] or 0), int(digits[:4] or 0)
    if digits[:2] in ("62", "81"):
        return UNIONPAY
    if digits[:1] == "4":
        return VISA
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return MASTERCARD
    if 3528 <= four <= 3589:
        return JCB
    if two in (34, 37):
        return AMEX
    return OTHER


def mask(digits: str) -> str:
    """"6212345678901234" -> "621234******1234"."""
    return digits[:MASK_HEAD] + "*" * (len(digits) - MASK_HEAD - MASK_TAIL) + digits[-MASK_TAIL:]


def check_bank_card(number: str) -> CheckResult:
    """Check a card number (spaces allowed). Never raises."""
    digits = normalize(number)
    if not re.fullmatch(f"[0-9]{{{MIN_LENGTH},{MAX_LENGTH}}}", digits):
        return CheckResult.failed(ErrorCode.CARD_FORMAT)
    fields = {"brand": brand(digits), "masked": mask(digits)}
    if luhn.is_valid(digits):
        return CheckResult.passed(fields)
    if fields["brand"] == UNIONPAY and len(digits) in UNIONPAY_LENGTHS:
        return CheckResult.passed(fields, [WarningCode.CARD_LUHN.value])
    return CheckResult.failed(ErrorCode.CARD_LUHN, fields)
