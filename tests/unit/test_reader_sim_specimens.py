"""The simulator's specimens are what they claim: ICAO check digits valid (checked here
with an independent implementation), the future-dated passport in the future, and the
PR2023 card number with a correct MOD 11-2 check character (python-stdnum)."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from hardware.sim.reader.specimens import (
    PR2023_FIELDS,
    SPECIMENS,
    TD1_SPECIMEN,
    TD3_SPECIMEN,
    TD3_VALID,
)


def _icao_digit(field: str) -> str:
    values = {**{str(d): d for d in range(10)}, "<": 0,
              **{chr(ord("A") + i): 10 + i for i in range(26)}}
    return str(sum(values[c] * (7, 3, 1)[i % 3] for i, c in enumerate(field)) % 10)


@pytest.mark.parametrize("lines", [TD3_SPECIMEN, TD3_VALID], ids=["specimen", "valid"])
def test_td3_check_digits(lines: tuple[str, str]) -> None:
    """GIVEN a TD3 specimen's second line
    WHEN its document, birth, expiry, personal-number and composite digits are computed
    THEN each equals the digit on the line (the positions of docs/spec/checks.md#mrz)."""
    line = lines[1]
    assert len(lines[0]) == len(line) == 44
    assert _icao_digit(line[0:9]) == line[9]
    assert _icao_digit(line[13:19]) == line[19]
    assert _icao_digit(line[21:27]) == line[27]
    if set(line[28:42]) == {"<"}:
        assert line[42] in ("<", "0")  # no personal number: filler or zero
    else:
        assert _icao_digit(line[28:42]) == line[42]
    assert _icao_digit(line[0:10] + line[13:20] + line[21:43]) == line[43]


def test_the_valid_td3_is_german_and_not_expired() -> None:
    """GIVEN td3-valid
    WHEN its issuing state, nationality and expiry are read
    THEN state and nationality are the ICAO code D, and it expires in 2034."""
    line1, line2 = TD3_VALID
    assert line1[2:5] == "D<<" and line2[10:13] == "D<<"
    assert date(2000 + int(line2[21:23]), int(line2[23:25]), int(line2[25:27])) > date(2030, 1, 1)


def test_td1_check_digits() -> None:
    """GIVEN the TD1 specimen
    WHEN its document, birth, expiry and composite digits are computed
    THEN each equals the digit on the line; the composite is 6."""
    l1, l2, _ = TD1_SPECIMEN
    assert _icao_digit(l1[5:14]) == l1[14]
    assert _icao_digit(l2[0:6]) == l2[6]
    assert _icao_digit(l2[8:14]) == l2[14]
    assert _icao_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]) == l2[29] == "6"


def test_the_pr2023_card_number_is_well_formed() -> None:
    """GIVEN the pr2023 specimen's fields
    WHEN the card number is taken apart (docs/spec/checks.md#pr-card-numbers)
    THEN it is 9 + Shanghai 31 + the nationality field + the birth date + an even
    (female) sequence, and its check character is the MOD 11-2 one."""
    number = PR2023_FIELDS["card_number"]
    assert number[0] == "9" and number[1:3] == "31"
    assert number[3:6] == PR2023_FIELDS["nationality"] == "276"
    assert number[6:14] == PR2023_FIELDS["birth_date"]
    assert int(number[14:17]) % 2 == 0 and PR2023_FIELDS["sex"] == "F"
    assert ric.calc_check_digit(number) == number[-1]


def test_the_specimens_the_brief_names_exist() -> None:
    """GIVEN the simulator's specimen table
    WHEN it is listed
    THEN it has exactly the four documented names."""
    assert set(SPECIMENS) == {"td3-specimen", "td3-valid", "td1-specimen", "pr2023"}
