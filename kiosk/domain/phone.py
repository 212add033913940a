"""Phone numbers typed at the kiosk (docs/spec/checks.md#phone-numbers): a mainland mobile number
``^1[3-9]\\d{9}$`` or a Shanghai landline of 8 digits, optionally after 021.

phonenumbers parses what people type (+86, 0086, spaces, hyphens, brackets) and tells
real Shanghai landline numbers from impossible ones (no Shanghai number starts with 0 or
1). Respondent employers and witnesses may be elsewhere in China: ``check_china_phone``
accepts any valid Chinese number.
"""

from __future__ import annotations

import re

import phonenumbers

from kiosk.errors import ErrorCode

CHINA_REGION = "CN"
CHINA_CALLING_CODE = 86
SHANGHAI_AREA = "21"
MOBILE = re.compile(r"1[3-9][0-9]{9}")
LANDLINE = re.compile(r"[0-9]{8}")
_TYPED = re.compile(r"\+?\(?[0-9][0-9 ()\-.]*")  # digits and the usual separators only


def _parse(text: str) -> phonenumbers.PhoneNumber | None:
    typed = text.strip()
    if not _TYPED.fullmatch(typed):
        return None
    try:
        number = phonenumbers.parse(typed, CHINA_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if number.country_code == CHINA_CALLING_CODE else None


def normalize_phone(text: str) -> str | None:
    """The number in the kiosk's form ("13800138000", "02161234567"), or None when it
    is neither a mainland mobile number nor a Shanghai landline."""
    number = _parse(text)
    if number is None:
        return None
    national = str(number.national_number)
    if MOBILE.fullmatch(national):
        return national
    if LANDLINE.fullmatch(national):  # typed without the area code
        national = SHANGHAI_AREA + national
    if national.startswith(SHANGHAI_AREA) and LANDLINE.fullmatch(national[2:]):
        landline = phonenumbers.parse("0" + national, CHINA_REGION)
        if phonenumbers.is_valid_number(landline):
            return "0" + national
    return None


def check_phone(text: str) -> ErrorCode | None:
    return None if normalize_phone(text) is not None else ErrorCode.PHONE_FORMAT


def check_china_phone(text: str) -> ErrorCode | None:
    """Any valid number in mainland China (employers and witnesses outside Shanghai)."""
    if normalize_phone(text) is not None:
        return None
    number = _parse(text)
    return None if number is not None and phonenumbers.is_valid_number(number) else \
        ErrorCode.PHONE_FORMAT
