"""The reader simulator's demo bill barcodes are central's: the same layout, the same
accounts and statement months, and a check character python-stdnum agrees with (the
simulator may not import central or stdnum, so they are checked here)."""

from __future__ import annotations

import random
from datetime import date

import pytest
from stdnum.iso7064 import mod_37_36

from central.barcodes import parse_barcode
from central.demo_data import demo_barcodes
from hardware.sim.reader.bills import BILL_SPECIMENS, mod_37_36_check

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_the_check_character_is_iso_7064_mod_37_36() -> None:
    """GIVEN 500 random bodies of 1 to 46 characters of 0-9 A-Z
    WHEN the simulator computes their check character
    THEN python-stdnum computes the same one."""
    rng = random.Random(7064)
    for _ in range(500):
        body = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 46)))
        assert mod_37_36_check(body) == mod_37_36.calc_check_digit(body), body


@pytest.mark.parametrize("today", [date(2026, 1, 15), date(2026, 12, 31), date(2027, 3, 1)])
def test_every_demo_statement_has_a_specimen_with_centrals_barcode(today: date) -> None:
    """GIVEN central's demo barcodes on a day in January (the year rolls back), December
    and March
    WHEN the simulator's bill specimens make theirs for that day
    THEN the two sets are equal, and central parses each into its specimen's account."""
    central = {code.barcode for code in demo_barcodes(today)}
    ours = {bill.barcode(today) for bill in BILL_SPECIMENS.values()}
    assert ours == central
    for bill in BILL_SPECIMENS.values():
        biller = {"SW": "sh-water", "SP": "sh-power", "SG": "sh-gas", "CM": "cm-mobile"}
        parsed = parse_barcode(biller[bill.prefix], bill.barcode(today))
        assert parsed.account_no == bill.account_no
