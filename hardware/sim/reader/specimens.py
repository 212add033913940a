"""Documents the reader simulator can present: specimens, never real people.

The strings are fixed, not computed here: check digits are kiosk.domain's business, and
tests/unit/test_reader_sim_specimens.py verifies them with independent code.
"""

from __future__ import annotations

from dataclasses import dataclass

from hardware.reader.records import CHIP_HEADER


@dataclass(frozen=True)
class Specimen:
    name: str
    description: str
    lines: tuple[str, ...]  # what goes into the frame, one string per line


def chip_record_lines(card_type: str, fields: dict[str, str]) -> tuple[str, ...]:
    """The lines of a chip record: ``#CHIP <type>`` then ``key=value`` per field."""
    return (f"{CHIP_HEADER} {card_type}", *(f"{k}={v}" for k, v in fields.items()))


# ICAO Doc 9303 part 4 specimen (docs/spec/checks.md#mrz): valid check digits, expired in 2012.
TD3_SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
# A German passport in the style of the German specimen (ERIKA MUSTERMANN): state and
# nationality are the non-ISO code "D" (DEU), every check digit is valid, expires 2034.
TD3_VALID = (
    "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<",
    "C01X00T478D<<6408125F3408113<<<<<<<<<<<<<<<2",
)
# ICAO TD1 specimen (docs/spec/checks.md#mrz), composite check digit 6.
TD1_SPECIMEN = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)
# 2023 permanent resident card (docs/spec/checks.md#pr-card-numbers): 9, Shanghai 31,
# Germany 276, born 1964-08-12, sequence 124 (even: female), MOD 11-2 check character X.
PR2023_FIELDS = {
    "card_number": "93127619640812124X",
    "name_en": "MUSTERMANN, ERIKA",
    "name_zh": "穆斯特曼·艾丽卡",
    "sex": "F",
    "birth_date": "19640812",
    "nationality": "276",
    "issue_date": "20240115",
    "expiry_date": "20340114",
    "authority": "National Immigration Administration",
}

SPECIMENS: dict[str, Specimen] = {s.name: s for s in (
    Specimen("td3-specimen", "ICAO passport specimen ERIKSSON ANNA MARIA (TD3, expired 2012)",
             TD3_SPECIMEN),
    Specimen("td3-valid", "German passport MUSTERMANN ERIKA (TD3, state D, expires 2034)",
             TD3_VALID),
    Specimen("td1-specimen", "ICAO ID card specimen ERIKSSON ANNA MARIA (TD1, expired 2012)",
             TD1_SPECIMEN),
    Specimen("pr2023", "2023 permanent resident card chip record (MUSTERMANN ERIKA, "
                       "card 93127619640812124X)",
             chip_record_lines("PR2023", PR2023_FIELDS)),
)}
