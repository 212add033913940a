"""The demo billers' bill barcodes (docs/central.md): how a biller parses what the kiosk
scanned into an account and a statement month.

Layout: biller prefix (2 letters) + account number + statement month YYYYMM + one ISO
7064 MOD 37,36 check character over everything before it (python-stdnum), e.g.
``SW3100012345202512`` + ``7``. The account is whatever lies between prefix and month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from stdnum.iso7064 import mod_37_36

from kiosk.errors import ErrorCode, KioskError
from kiosk.sync.wire import BARCODE_PATTERN

# One prefix per demo biller (a real biller would bring its own parser).
BILLER_PREFIXES: dict[str, str] = {
    "sh-water": "SW",
    "sh-power": "SP",
    "sh-gas": "SG",
    "cm-mobile": "CM",
}

_BARCODE = re.compile(BARCODE_PATTERN)
_MONTH = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class ParsedBarcode:
    biller_id: str
    account_no: str
    period: str  # "2025-12": the newest bill on the printed statement


def make_barcode(biller_id: str, account_no: str, month: date) -> str:
    """The barcode a demo biller prints on its statement for ``month``."""
    body = f"{BILLER_PREFIXES[biller_id]}{account_no}{month:%Y%m}"
    return body + mod_37_36.calc_check_digit(body)


def require_shape(barcode: str) -> None:
    """E_BARCODE_FORMAT unless the barcode has the shape of docs/spec/bills.md#barcode."""
    if not _BARCODE.fullmatch(barcode):
        raise KioskError(ErrorCode.BARCODE_FORMAT, "not a bill barcode")


def parse_barcode(biller_id: str, barcode: str) -> ParsedBarcode:
    """Account and statement month of a barcode; E_BARCODE_FORMAT when it is not one of
    this biller's barcodes (shape, prefix, month or check character wrong), and
    E_BILLER_UNKNOWN for a biller without a barcode format."""
    require_shape(barcode)
    prefix = BILLER_PREFIXES.get(biller_id)
    if prefix is None:
        raise KioskError(ErrorCode.BILLER_UNKNOWN, "no such biller", biller_id=biller_id)
    body, month = barcode[:-7], barcode[-7:-1]
    account_no = body[len(prefix):]
    if (not body.startswith(prefix) or not account_no.isdigit()
            or not _MONTH.fullmatch(month) or not mod_37_36.is_valid(barcode)):
        raise KioskError(ErrorCode.BARCODE_FORMAT, "not this biller's barcode",
                         biller_id=biller_id)
    return ParsedBarcode(biller_id, account_no, f"{month[:4]}-{month[4:]}")
