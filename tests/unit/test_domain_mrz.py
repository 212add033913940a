"""ICAO 9303 MRZ checks (docs/spec/checks.md#mrz): the specimens, every error code, dates and
centuries, state-code mapping, and the fields the UI shows even on failure."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.domain import checks
from kiosk.domain.mrz import check_digit, split_name
from kiosk.errors import ErrorCode, WarningCode

TODAY = date(2026, 5, 1)

TD3_SPECIMEN = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD3_OLD_SPECIMEN = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                    "L898902C<3UTO6908061F9406236ZE184226B<<<<<14")
TD3_GERMAN = ("P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\n"
              "C01X00T478D<<6408125F3408113<<<<<<<<<<<<<<<2")
TD1_SPECIMEN = ("I<UTOD231458907<<<<<<<<<<<<<<<\n"
                "7408122F1204159UTO<<<<<<<<<<<6\n"
                "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")


def _td3(line2: str, line1: str = "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<") -> str:
    """A TD3 zone whose line 2 gets fresh check digits (for building test documents)."""
    body = line2[:9] + check_digit(line2[:9]) + line2[10:13] + line2[13:19]
    body += check_digit(line2[13:19]) + line2[20] + line2[21:27] + check_digit(line2[21:27])
    optional = line2[28:42]
    body += optional + ("<" if set(optional) == {"<"} else check_digit(optional))
    composite = body[0:10] + body[13:20] + body[21:43]
    return f"{line1}\n{body}{check_digit(composite)}"


def test_specimen_check_digits_are_those_of_domain_md() -> None:
    """GIVEN the ICAO TD3 specimen
    WHEN each check digit is computed
    THEN they are document 6, DOB 2, expiry 9, personal 1 and composite 0, as listed."""
    line2 = TD3_SPECIMEN.splitlines()[1]
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("120415") == "9"
    assert check_digit("ZE184226B<<<<<") == "1"
    assert check_digit(line2[0:10] + line2[13:20] + line2[21:43]) == "0"


def test_td3_specimen_reads_and_is_refused_as_expired() -> None:
    """GIVEN the TD3 specimen (valid check digits, expired 2012-04-15)
    WHEN it is checked in 2026
    THEN the code is E_DOC_EXPIRED and every field is read."""
    result = checks.mrz(TD3_SPECIMEN, TODAY)
    assert not result.ok and result.code == ErrorCode.DOC_EXPIRED
    assert result.fields == {
        "format": "TD3", "doc_code": "P", "issuing_state": "UTO",
        "document_number": "L898902C3", "nationality": "UTO",
        "birth_date": date(1974, 8, 12), "sex": "F", "expiry_date": date(2012, 4, 15),
        "optional_data": "ZE184226B", "surname": "ERIKSSON", "given_names": "ANNA MARIA",
        "name_truncated": False,
    }


def test_older_td3_specimen_passes_its_check_digits() -> None:
    """GIVEN the older specimen (document number of 8 characters plus a filler)
    WHEN it is checked
    THEN only its expiry (1994) stops it, and the number has no filler."""
    result = checks.mrz(TD3_OLD_SPECIMEN, TODAY)
    assert result.code == ErrorCode.DOC_EXPIRED
    assert result.fields["document_number"] == "L898902C"
    assert result.fields["birth_date"] == date(1969, 8, 6)
    assert result.fields["expiry_date"] == date(1994, 6, 23)


def test_td1_specimen_composite_is_6_and_it_reads() -> None:
    """GIVEN the TD1 specimen with a trailing newline and surrounding spaces
    WHEN it is checked
    THEN the composite digit 6 verifies and only the expiry stops it."""
    lines = TD1_SPECIMEN.splitlines()
    composite = lines[0][5:30] + lines[1][0:7] + lines[1][8:15] + lines[1][18:29]
    assert check_digit(composite) == "6"
    result = checks.mrz("  " + TD1_SPECIMEN + "\n", TODAY)
    assert result.code == ErrorCode.DOC_EXPIRED
    assert result.fields["format"] == "TD1"
    assert result.fields["doc_code"] == "I"
    assert result.fields["document_number"] == "D23145890"
    assert (result.fields["surname"], result.fields["given_names"]) == ("ERIKSSON", "ANNA MARIA")


def test_german_passport_is_ok_with_d_mapped_to_deu() -> None:
    """GIVEN a valid German-style passport whose state and nationality are "D"
    WHEN it is checked
    THEN it is ok, both codes are DEU, and W_STATE_CODE_MAPPED says so."""
    result = checks.mrz(TD3_GERMAN, TODAY)
    assert result.ok and result.code is None
    assert result.fields["issuing_state"] == "DEU"
    assert result.fields["nationality"] == "DEU"
    assert result.warnings == [WarningCode.STATE_CODE_MAPPED]
    assert result.fields["expiry_date"] == date(2034, 8, 11)


def test_iso_state_code_gives_no_warning() -> None:
    """GIVEN a passport with ISO codes FRA
    WHEN it is checked
    THEN it is ok without warnings."""
    zone = _td3("X12345678<FRA9001015M3001012<<<<<<<<<<<<<<<<",
                "P<FRADUPONT<<JEAN<<<<<<<<<<<<<<<<<<<<<<<<<<<")
    result = checks.mrz(zone, TODAY)
    assert result.ok and result.warnings == []
    assert result.fields["nationality"] == "FRA"


@pytest.mark.parametrize("text", [
    "",
    "P<UTOERIKSSON",  # one short line
    TD3_GERMAN.replace("MUSTERMANN", "MUSTERMANNN"),  # a line of 45
    TD3_GERMAN.lower(),  # outside the MRZ alphabet
    TD3_GERMAN.replace("ERIKA", "ERİKA"),
    "\n".join(TD1_SPECIMEN.splitlines()[:2]),  # TD1 without its name line
])
def test_wrong_shape_or_alphabet_is_unreadable(text: str) -> None:
    """GIVEN text that is not a TD3 or TD1 zone of the MRZ alphabet
    WHEN it is checked
    THEN the code is E_MRZ_UNREADABLE."""
    result = checks.mrz(text, TODAY)
    assert not result.ok and result.code == ErrorCode.MRZ_UNREADABLE


@pytest.mark.parametrize("position", [9, 19, 27, 42, 43])
def test_each_wrong_check_digit_is_caught(position: int) -> None:
    """GIVEN the German passport with one check digit (number, DOB, expiry, optional,
    composite) changed
    WHEN it is checked
    THEN the code is E_MRZ_CHECKDIGIT and the fields are still read."""
    line1, line2 = TD3_GERMAN.splitlines()
    wrong = "7" if line2[position] != "7" else "8"
    result = checks.mrz(f"{line1}\n{line2[:position]}{wrong}{line2[position + 1:]}", TODAY)
    assert result.code == ErrorCode.MRZ_CHECKDIGIT
    assert result.fields["surname"] == "MUSTERMANN"


def test_a_letter_in_a_check_digit_position_is_a_check_digit_error() -> None:
    """GIVEN a zone whose document check digit is a letter
    WHEN it is checked
    THEN the code is E_MRZ_CHECKDIGIT."""
    line1, line2 = TD3_GERMAN.splitlines()
    assert checks.mrz(f"{line1}\n{line2[:9]}A{line2[10:]}", TODAY).code == ErrorCode.MRZ_CHECKDIGIT


def test_impossible_date_with_good_check_digits_is_a_date_error() -> None:
    """GIVEN a zone with birth date 31 February and correct check digits
    WHEN it is checked
    THEN the code is E_MRZ_DATE and birth_date is None."""
    result = checks.mrz(_td3("C01X00T47<D<<6402315F3408113<<<<<<<<<<<<<<<<"), TODAY)
    assert result.code == ErrorCode.MRZ_DATE
    assert result.fields["birth_date"] is None


def test_birth_century_keeps_the_date_in_the_past() -> None:
    """GIVEN births in (20)25 and (19)27 and a birthday later this year (2026-12-01)
    WHEN read on 2026-05-01
    THEN 2025-01-01 and 1927-01-01 and 1926-12-01 (2026-12-01 would be future)."""
    expect = {"250101": date(2025, 1, 1), "270101": date(1927, 1, 1),
              "261201": date(1926, 12, 1)}
    for yymmdd, born in expect.items():
        zone = _td3(f"C01X00T47<D<<{yymmdd}0F3408113<<<<<<<<<<<<<<<<")
        assert checks.mrz(zone, TODAY).fields["birth_date"] == born


def test_expiry_century_is_at_most_20_years_ahead() -> None:
    """GIVEN expiry years 46 and 47, read on 2026-05-01
    WHEN the zone is checked
    THEN 46 is 2046 (valid, within 20 years) and 47 is 1947 (expired)."""
    ok = checks.mrz(_td3("C01X00T47<D<<6408125F4604303<<<<<<<<<<<<<<<<"), TODAY)
    assert ok.ok and ok.fields["expiry_date"] == date(2046, 4, 30)
    old = checks.mrz(_td3("C01X00T47<D<<6408125F4705013<<<<<<<<<<<<<<<<"), TODAY)
    assert old.code == ErrorCode.DOC_EXPIRED and old.fields["expiry_date"] == date(1947, 5, 1)


def test_expiry_today_is_still_valid() -> None:
    """GIVEN a document that expires today
    WHEN it is checked
    THEN it is ok; one day later it is E_DOC_EXPIRED."""
    zone = _td3("C01X00T47<D<<6408125F2605013<<<<<<<<<<<<<<<<")
    assert checks.mrz(zone, TODAY).ok
    assert checks.mrz(zone, date(2026, 5, 2)).code == ErrorCode.DOC_EXPIRED


def test_filler_sex_is_x_and_unknown_sex_is_unreadable() -> None:
    """GIVEN sex "<" and sex "Q"
    WHEN checked
    THEN "<" reads as X and "Q" is E_MRZ_UNREADABLE."""
    filler_sex = _td3("C01X00T47<D<<6408125<3408113<<<<<<<<<<<<<<<<")
    assert checks.mrz(filler_sex, TODAY).fields["sex"] == "X"
    assert checks.mrz(_td3("C01X00T47<D<<6408125Q3408113<<<<<<<<<<<<<<<<"),
                      TODAY).code == ErrorCode.MRZ_UNREADABLE


def test_unknown_state_code_is_unreadable_and_special_codes_are_kept() -> None:
    """GIVEN a nationality "QQQ" (no such code) and one "XXA" (stateless)
    WHEN checked
    THEN QQQ is E_MRZ_UNREADABLE; XXA is ok, kept as XXA, with W_STATE_CODE_MAPPED."""
    assert checks.mrz(_td3("C01X00T47<QQQ6408125F3408113<<<<<<<<<<<<<<<<"),
                      TODAY).code == ErrorCode.MRZ_UNREADABLE
    stateless = checks.mrz(_td3("C01X00T47<XXA6408125F3408113<<<<<<<<<<<<<<<<"), TODAY)
    assert stateless.ok and stateless.fields["nationality"] == "XXA"
    assert stateless.warnings == [WarningCode.STATE_CODE_MAPPED]


def test_british_and_kosovo_codes_are_mapped() -> None:
    """GIVEN nationalities GBN (British National Overseas) and RKS (Kosovo)
    WHEN checked
    THEN they read as GBR and XKX."""
    for icao, iso in (("GBN", "GBR"), ("RKS", "XKX")):
        result = checks.mrz(_td3(f"C01X00T47<{icao}6408125F3408113<<<<<<<<<<<<<<<<"), TODAY)
        assert result.ok and result.fields["nationality"] == iso


def test_td3_must_be_a_passport() -> None:
    """GIVEN a 2 x 44 zone whose document code is "V" (a visa)
    WHEN checked
    THEN E_MRZ_UNREADABLE."""
    zone = _td3("C01X00T47<D<<6408125F3408113<<<<<<<<<<<<<<<<",
                "V<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<")
    assert checks.mrz(zone, TODAY).code == ErrorCode.MRZ_UNREADABLE


def test_td1_long_document_number_continues_in_optional_data() -> None:
    """GIVEN a TD1 card whose 12-character number overflows (filler at position 15)
    WHEN checked
    THEN the full number is read and checked with the digit after it."""
    number = "D23145890123"
    head = f"I<UTO{number[:9]}<{number[9:]}{check_digit(number)}<"
    line1 = head + "<" * (30 - len(head))
    line2_body = "7408122F3404159UTO<<<<<<<<<<<"
    composite = line1[5:30] + line2_body[0:7] + line2_body[8:15] + line2_body[18:29]
    zone = f"{line1}\n{line2_body}{check_digit(composite)}\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
    result = checks.mrz(zone, TODAY)
    assert result.ok, result
    assert result.fields["document_number"] == number


def test_names_split_and_truncation_flag() -> None:
    """GIVEN name fields with a compound surname, no given name, and a full field
    WHEN split
    THEN spaces replace single fillers and a full field is flagged as maybe truncated."""
    assert split_name("VAN<DER<BERG<<JAN<<<<") == ("VAN DER BERG", "JAN")
    assert split_name("SUKARNO<<<<<<") == ("SUKARNO", "")
    full = "P<UTO" + "A" * 20 + "<<" + "B" * 17
    zone = _td3("C01X00T47<D<<6408125F3408113<<<<<<<<<<<<<<<<", full)
    assert checks.mrz(zone, TODAY).fields["name_truncated"] is True
