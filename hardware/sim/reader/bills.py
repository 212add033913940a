"""Bill barcodes the reader simulator can present (docs/hardware/document-reader.md,
sections 5 and 8): a barcode record, and named specimens for the demo bills.

The demo billers print barcodes in the layout of docs/central.md: biller prefix (2
letters) + account number + statement month YYYYMM + one ISO 7064 MOD 37,36 check
character. The statement month moves with the calendar (central's demo bills do), so a
specimen's barcode is made for the day it is presented. The simulator must not import
central: the layout and the demo accounts are repeated here, and
tests/unit/test_reader_sim_bills.py checks them against central's demo data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from hardware.reader.records import BARCODE_HEADER

DEFAULT_SYMBOLOGY = "CODE128"  # what the demo statements print; informative only
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SHANGHAI = timezone(timedelta(hours=8))  # the demo bills' calendar (no daylight saving)


def barcode_record_lines(barcode: str, symbology: str = DEFAULT_SYMBOLOGY) -> tuple[str, ...]:
    """The lines of a barcode record: ``#BARCODE <symbology>`` then the decoded text."""
    header = f"{BARCODE_HEADER} {symbology}" if symbology else BARCODE_HEADER
    return (header, barcode)


def mod_37_36_check(body: str) -> str:
    """The ISO 7064 MOD 37,36 check character of ``body`` (0-9 A-Z): the hybrid system
    python-stdnum calls ``iso7064.mod_37_36`` (hardware does not depend on stdnum)."""
    modulus = len(_ALPHABET)
    check = modulus // 2
    for char in body:
        check = ((check or modulus) * 2 % (modulus + 1) + _ALPHABET.index(char)) % modulus
    return _ALPHABET[(1 - (check or modulus) * 2 % (modulus + 1)) % modulus]


def shanghai_today() -> date:
    return datetime.now(_SHANGHAI).date()


def _months_back(today: date, months: int) -> date:
    index = today.year * 12 + (today.month - 1) - months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class BillSpecimen:
    """A demo statement: whose it is and how many months back its newest bill lies."""

    name: str
    description: str
    prefix: str  # the biller's barcode prefix (docs/central.md)
    account_no: str
    months_ago: int  # 0: this month's statement

    def barcode(self, today: date | None = None) -> str:
        month = _months_back(today or shanghai_today(), self.months_ago)
        body = f"{self.prefix}{self.account_no}{month:%Y%m}"
        return body + mod_37_36_check(body)


BILL_SPECIMENS: dict[str, BillSpecimen] = {s.name: s for s in (
    BillSpecimen("bill-water", "water bill, sh-water account 3100012345, last month's statement "
                               "(two bills due, one with a late fee)", "SW", "3100012345", 1),
    BillSpecimen("bill-water-paid", "water bill, sh-water account 3100099999, already paid "
                                    "(E_NO_BILL_DUE)", "SW", "3100099999", 1),
    BillSpecimen("bill-power", "electricity bill, sh-power account 0123456789, last month's "
                               "statement", "SP", "0123456789", 1),
    BillSpecimen("bill-gas", "gas bill, sh-gas account 20123456, last month's statement",
                 "SG", "20123456", 1),
    BillSpecimen("bill-mobile", "mobile bill, cm-mobile account 13800138000, this month's "
                                "statement (part payment allowed)", "CM", "13800138000", 0),
)}
