"""Property tests (hypothesis): a single changed character of a valid MRZ, USCC, PR card
number or bank card number is caught, except where the scheme cannot see it by design:

- ICAO's 7-3-1 check digit is blind to a change whose value differs by a multiple of 10
  inside an alphanumeric field ("0" <-> "A" <-> "K" <-> "U", "<" <-> "0"); the name line,
  state codes and sex carry no check digit at all. Those positions are tested apart.
- a UnionPay card failing Luhn is accepted with W_CARD_LUHN (docs/spec/checks.md#bank-cards).
"""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings, strategies as st

from kiosk.domain import checks
from kiosk.domain.mrz import ALPHABET, char_value, check_digit
from kiosk.errors import ErrorCode, WarningCode

TODAY = date(2026, 5, 1)
MRZ_ERRORS = {ErrorCode.MRZ_CHECKDIGIT, ErrorCode.MRZ_DATE, ErrorCode.MRZ_UNREADABLE}
MRZ_CHARS = sorted(ALPHABET)
SETTINGS = settings(max_examples=300, deadline=None)

TD3_VALID = ("P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<",
             "C01X00T478D<<6408125F3408113ZE184226B<<<<<1")


def _td3_with_composite() -> tuple[str, str]:
    line1, line2 = TD3_VALID
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    return line1, line2 + check_digit(composite)


def _td1_valid() -> tuple[str, str, str]:
    line1 = "I<UTOD231458907<<<<<<<<<<<<<<<"
    body = "7408122F" + "340415" + check_digit("340415") + "UTO<<<<<<<<<<<"
    composite = line1[5:30] + body[0:7] + body[8:15] + body[18:29]
    return line1, body + check_digit(composite), "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"


TD3 = _td3_with_composite()
TD1 = _td1_valid()

# (line, position) of characters protected by a check digit, and whether the position
# lies in an alphanumeric data field (where differences of 10 are invisible).
TD3_ALNUM = set(range(9)) | set(range(28, 42))
TD3_COVERED = [(1, p) for p in [*range(10), *range(13, 20), *range(21, 44)]]
TD1_ALNUM = {(0, p) for p in range(5, 14)} | {(0, p) for p in range(15, 30)} | \
    {(1, p) for p in range(18, 29)}
TD1_COVERED = [(0, p) for p in range(5, 30)] + [(1, p) for p in
                                                 [*range(7), *range(8, 15), *range(18, 30)]]


def _replace(lines: tuple[str, ...], line: int, pos: int, char: str) -> str:
    changed = list(lines)
    changed[line] = changed[line][:pos] + char + changed[line][pos + 1:]
    return "\n".join(changed)


def _blind(old: str, new: str, alnum: bool) -> bool:
    return alnum and (char_value(old) - char_value(new)) % 10 == 0


def test_the_fixtures_are_valid() -> None:
    """GIVEN the documents the properties start from
    WHEN checked
    THEN they are ok (so a failure below is the change's doing)."""
    assert checks.mrz("\n".join(TD3), TODAY).ok
    assert checks.mrz("\n".join(TD1), TODAY).ok


@SETTINGS
@given(st.sampled_from(TD3_COVERED), st.sampled_from(MRZ_CHARS))
def test_td3_single_change_is_caught(where: tuple[int, int], char: str) -> None:
    """GIVEN a valid TD3 zone
    WHEN one check-protected character becomes another MRZ character
    THEN the zone is refused (check digit, date or unreadable), unless the 7-3-1 scheme
    is blind to it (value difference of 10 inside an alphanumeric field)."""
    line, pos = where
    old = TD3[line][pos]
    if char == old or _blind(old, char, pos in TD3_ALNUM):
        return
    result = checks.mrz(_replace(TD3, line, pos, char), TODAY)
    assert not result.ok and result.code in MRZ_ERRORS, (pos, old, char, result)


@SETTINGS
@given(st.sampled_from(TD1_COVERED), st.sampled_from(MRZ_CHARS))
def test_td1_single_change_is_caught(where: tuple[int, int], char: str) -> None:
    """GIVEN a valid TD1 zone
    WHEN one check-protected character becomes another MRZ character
    THEN the zone is refused, unless the scheme is blind to it."""
    line, pos = where
    old = TD1[line][pos]
    if char == old or _blind(old, char, (line, pos) in TD1_ALNUM):
        return
    result = checks.mrz(_replace(TD1, line, pos, char), TODAY)
    assert not result.ok and result.code in MRZ_ERRORS, (where, old, char, result)


def test_the_blind_spot_is_icao_s_not_ours() -> None:
    """GIVEN the document number "C01X00T47" with its "0" changed to "A" (10 apart)
    WHEN checked
    THEN the check digits cannot see it: this is why the user confirms what was read."""
    changed = _replace(TD3, 1, 1, "A")
    assert checks.mrz(changed, TODAY).ok


@SETTINGS
@given(st.sampled_from(sorted(set(MRZ_CHARS) - {"M", "F", "X", "<"})))
def test_sex_outside_m_f_x_is_unreadable(char: str) -> None:
    """GIVEN a valid TD3 zone
    WHEN the sex (not check-protected) becomes anything but M, F, X or <
    THEN E_MRZ_UNREADABLE."""
    assert checks.mrz(_replace(TD3, 1, 20, char), TODAY).code == ErrorCode.MRZ_UNREADABLE


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(3 ** i % 31 for i in range(17))


def _gb32100(body: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


uscc_codes = st.builds(
    lambda head, division, org: head + division + org,
    st.text(USCC_ALPHABET, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
).map(lambda body: body + _gb32100(body))


@SETTINGS
@given(uscc_codes, st.integers(0, 17), st.sampled_from(USCC_ALPHABET + "IOSVZ*"))
def test_uscc_single_change_is_caught(code: str, pos: int, char: str) -> None:
    """GIVEN a valid USCC (GB 32100)
    WHEN any one character becomes another one (in or out of the alphabet)
    THEN the code is refused: E_USCC_CHECK or E_USCC_FORMAT."""
    assert checks.uscc(code).ok
    if char == code[pos]:
        return
    result = checks.uscc(code[:pos] + char + code[pos + 1:])
    assert not result.ok and result.code in (ErrorCode.USCC_CHECK, ErrorCode.USCC_FORMAT)


MOD_11_2_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
COUNTRIES = ["276", "840", "250", "392", "410", "826", "036", "124", "643", "724"]

pr_numbers = st.builds(
    lambda province, country, born, seq: f"9{province:02d}{country}{born:%Y%m%d}{seq:03d}",
    st.integers(11, 65), st.sampled_from(COUNTRIES),
    st.dates(date(1920, 1, 1), date(2020, 12, 31)), st.integers(0, 999),
).map(lambda body: body + "10X98765432"[
    sum(int(d) * w for d, w in zip(body, MOD_11_2_WEIGHTS, strict=True)) % 11])


@SETTINGS
@given(pr_numbers, st.integers(0, 17), st.sampled_from("0123456789XAB"))
def test_pr_card_single_change_is_caught(number: str, pos: int, char: str) -> None:
    """GIVEN a valid 2023 PR card number
    WHEN any one character changes
    THEN it is refused: E_PR_CHECK or E_PR_FORMAT."""
    assert checks.pr_card(number).ok
    if char == number[pos]:
        return
    result = checks.pr_card(number[:pos] + char + number[pos + 1:])
    assert not result.ok and result.code in (ErrorCode.PR_CHECK, ErrorCode.PR_FORMAT)


def _luhn_complete(body: str) -> str:
    total = 0
    for i, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    """Luhn-valid numbers of 12 to 19 digits behind the IINs of each brand."""
    prefix = draw(st.sampled_from(["4", "51", "2221", "3530", "37", "62", "81", "9"]))
    length = draw(st.integers(12, 19))
    rest = draw(st.text("0123456789", min_size=length - len(prefix) - 1,
                        max_size=length - len(prefix) - 1))
    return _luhn_complete(prefix + rest)


@SETTINGS
@given(card_numbers(), st.data())
def test_card_single_change_is_caught_or_unionpay_warned(number: str, data: st.DataObject) -> None:
    """GIVEN a card number that passes Luhn
    WHEN one character changes
    THEN it is refused (E_CARD_LUHN or E_CARD_FORMAT), except that a UnionPay number
    (62/81, 16-19 digits) is accepted with W_CARD_LUHN."""
    assert checks.bank_card(number).ok
    pos = data.draw(st.integers(0, len(number) - 1))
    char = data.draw(st.sampled_from("0123456789A"))
    if char == number[pos]:
        return
    changed = number[:pos] + char + number[pos + 1:]
    result = checks.bank_card(changed)
    if result.ok:
        assert changed[:2] in ("62", "81") and 16 <= len(changed) <= 19
        assert result.warnings == [WarningCode.CARD_LUHN]
    else:
        assert result.code in (ErrorCode.CARD_LUHN, ErrorCode.CARD_FORMAT)
