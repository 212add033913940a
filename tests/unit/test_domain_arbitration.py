"""Labour arbitration application (docs/spec/arbitration.md#errors-and-warnings): required
fields, every error and warning, limitation incl. the wage exception, jurisdiction, totals,
originals, payload."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from kiosk.domain import arbitration
from kiosk.domain.arbitration import (
    Agent,
    Applicant,
    ArbitrationForm,
    Claim,
    ClaimType,
    Employment,
    Evidence,
    Respondent,
    Witness,
    check_application,
    claims_total,
    originals_to_bring,
    to_payload,
)
from kiosk.domain.stay import DocType, Sex
from kiosk.errors import ErrorCode, WarningCode

CST = timezone(timedelta(hours=8))
TODAY = date(2026, 5, 1)
FACTS = "I worked as a software engineer until March and was not paid for two months."


def valid_form() -> ArbitrationForm:
    return ArbitrationForm(
        applicant=Applicant(
            surname="MUSTERMANN", given_names="ERIKA", sex=Sex.F, birth_date=date(1964, 8, 12),
            nationality="DEU", doc_type=DocType.PASSPORT_ORDINARY, doc_number="C01X00T47",
            occupation="Software engineer", address="仙霞路88号3号楼1201室",
            service_address="仙霞路88号3号楼1201室", phone="13800138000",
            work_permit_no="310000123456789"),
        respondent=Respondent(
            uscc="91310110666007217T", name="上海长宁示例科技有限公司", address="长宁区虹桥路1号",
            legal_representative="张三", representative_title="执行董事",
            phone="021-6234 5678", district="长宁区"),
        employment=Employment(start=date(2022, 3, 1), end=date(2026, 3, 31),
                              workplace="长宁区虹桥路1号", workplace_district="长宁区"),
        claims=[Claim(ClaimType.UNPAID_WAGES, Decimal("30000.00"), date(2026, 2, 1),
                      date(2026, 3, 31), "Labour Contract Law Art. 30"),
                Claim(ClaimType.SEVERANCE, Decimal("60000.5"), None, None,
                      "Labour Contract Law Art. 46")],
        facts=FACTS,
        evidence=[Evidence("Labour contract", "my own copy", "employment and wage", 6)],
        witnesses=[Witness("LI SI", "13900139000")],
        knew_date=date(2026, 4, 10))


def test_complete_application_passes() -> None:
    """GIVEN a complete application within the limitation period, in this district
    WHEN checked
    THEN no errors and no warnings."""
    result = check_application(valid_form(), TODAY)
    assert result.ok and result.errors == [] and result.warnings == []


def test_empty_application_names_the_required_fields_and_no_claims() -> None:
    """GIVEN an empty application
    WHEN checked
    THEN the applicant, respondent, employment, facts and knew_date fields are required,
    E_NO_CLAIMS is reported, and missing evidence is warned about."""
    result = check_application(ArbitrationForm(), TODAY)
    fields = {name for name, code in result.errors if code == ErrorCode.FIELD_REQUIRED}
    assert {f"applicant.{n}" for n in arbitration.APPLICANT_REQUIRED} <= fields
    assert {f"respondent.{n}" for n in arbitration.RESPONDENT_REQUIRED} <= fields
    assert {"employment.start", "employment.workplace", "employment.workplace_district",
            "facts", "knew_date"} <= fields
    assert ("claims", ErrorCode.NO_CLAIMS) in result.errors
    assert WarningCode.NO_EVIDENCE in result.warnings


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5.00"), Decimal("10.005"),
                                    Decimal("NaN"), Decimal("1E+11")])
def test_claim_amounts_must_be_positive_with_two_decimals(amount: Decimal) -> None:
    """GIVEN a claim for zero, a negative, three decimals, NaN or too much
    WHEN checked
    THEN E_CLAIM_AMOUNT on that claim."""
    form = valid_form()
    form.claims[1] = replace(form.claims[1], amount=amount)
    assert check_application(form, TODAY).errors == [("claims[1].amount", ErrorCode.CLAIM_AMOUNT)]


def test_claim_without_amount_and_claim_rules() -> None:
    """GIVEN a non-monetary claim, a claim without basis, an unknown type, reversed dates
    WHEN checked
    THEN the first is fine; the others give their (field, code)."""
    form = valid_form()
    form.claims = [Claim(ClaimType.SOCIAL_INSURANCE, None, None, None, "pay the contributions"),
                   Claim(ClaimType.OTHER, Decimal("1.00"), None, None, " "),
                   Claim("bonus", None, None, None, "x"),  # type: ignore[arg-type]
                   Claim(ClaimType.OVERTIME_PAY, Decimal("1.00"), date(2026, 3, 1),
                         date(2026, 2, 1), "x")]
    assert check_application(form, TODAY).errors == [
        ("claims[1].basis", ErrorCode.FIELD_REQUIRED),
        ("claims[2].type", ErrorCode.FIELD_FORMAT),
        ("claims[3].to_date", ErrorCode.DATES_INVALID)]


@pytest.mark.parametrize("facts, code", [("x" * 49, ErrorCode.FACTS_LENGTH),
                                         ("x" * 5001, ErrorCode.FACTS_LENGTH),
                                         ("   ", ErrorCode.FIELD_REQUIRED)])
def test_facts_length(facts: str, code: ErrorCode) -> None:
    """GIVEN facts of 49 and 5001 characters, or only spaces
    WHEN checked
    THEN E_FACTS_LENGTH, or E_FIELD_REQUIRED."""
    assert check_application(replace(valid_form(), facts=facts), TODAY).errors == [("facts", code)]


def test_facts_limits_are_parameters() -> None:
    """GIVEN 49 characters of facts
    WHEN checked with facts_min 20
    THEN no error; exactly 50 and 5000 pass by default."""
    assert check_application(replace(valid_form(), facts="x" * 49), TODAY, facts_min=20).ok
    assert check_application(replace(valid_form(), facts="x" * 50), TODAY).ok
    assert check_application(replace(valid_form(), facts="x" * 5000), TODAY).ok


def test_respondent_uscc_errors_and_override() -> None:
    """GIVEN the pilot USCC, then a malformed one
    WHEN checked, with and without the staff override
    THEN E_USCC_CHECK, W_USCC_CHECK_OVERRIDDEN with the override, E_USCC_FORMAT."""
    pilot = replace(valid_form(), respondent=replace(valid_form().respondent,
                                                     uscc="91350211M00013FA1N"))
    assert check_application(pilot, TODAY).errors == [("respondent.uscc", ErrorCode.USCC_CHECK)]
    overridden = check_application(pilot, TODAY, allow_uscc_override=True)
    assert overridden.ok and overridden.warnings == [WarningCode.USCC_CHECK_OVERRIDDEN]
    bad = replace(valid_form(), co_respondent=replace(valid_form().respondent, uscc="12345"))
    assert check_application(bad, TODAY).errors == [("co_respondent.uscc", ErrorCode.USCC_FORMAT)]


def test_the_co_respondent_is_another_company_with_its_own_override() -> None:
    """GIVEN a dispatch agency as co-respondent: the employer itself (spaced), then the
    pilot code, then a real other company
    WHEN checked, the pilot code with the employer's override only, then its own
    THEN E_AGENCY_IS_EMPLOYER; E_USCC_CHECK until its own override allows it; ok."""
    employer = valid_form().respondent
    same = replace(valid_form(), co_respondent=replace(employer, uscc="91310110 666007217T"))
    assert check_application(same, TODAY).errors == [
        ("co_respondent.uscc", ErrorCode.AGENCY_IS_EMPLOYER)]
    pilot = replace(valid_form(), co_respondent=replace(employer, uscc="91350211M00013FA1N"))
    assert check_application(pilot, TODAY, allow_uscc_override=True,
                             allow_co_respondent_override=False).errors == [
        ("co_respondent.uscc", ErrorCode.USCC_CHECK)]
    overridden = check_application(pilot, TODAY, allow_co_respondent_override=True)
    assert overridden.ok and overridden.warnings == [WarningCode.USCC_CHECK_OVERRIDDEN]
    other = replace(valid_form(), co_respondent=replace(employer, uscc="91310105MA1G2K4P9Y"))
    assert check_application(other, TODAY).ok


def test_agent_needs_name_phone_and_authorization_letter() -> None:
    """GIVEN an agent without a letter and with a bad phone
    WHEN checked
    THEN the letter is required and the phone is E_PHONE_FORMAT; with both fixed, ok."""
    form = replace(valid_form(), agent=Agent("WANG WU", "12345", authorization_letter=False))
    assert check_application(form, TODAY).errors == [
        ("agent.authorization_letter", ErrorCode.FIELD_REQUIRED),
        ("agent.phone", ErrorCode.PHONE_FORMAT)]
    assert check_application(replace(form, agent=Agent("WANG WU", "13700137000", True)),
                             TODAY).ok


@pytest.mark.parametrize("changes, error", [
    ({"phone": "5551234"}, ("applicant.phone", ErrorCode.PHONE_FORMAT)),
    ({"surname": "MÜLLER"}, ("applicant.surname", ErrorCode.FIELD_FORMAT)),
    ({"nationality": "QQQ"}, ("applicant.nationality", ErrorCode.FIELD_FORMAT)),
    ({"birth_date": date(2026, 5, 2)}, ("applicant.birth_date", ErrorCode.DATES_INVALID)),
    ({"doc_type": DocType.PR_CARD, "doc_number": "931276196408121240"},
     ("applicant.doc_number", ErrorCode.PR_CHECK)),
    ({"occupation": "x" * 201}, ("applicant.occupation", ErrorCode.FIELD_FORMAT)),
])
def test_applicant_rules(changes: dict[str, object], error: tuple[str, ErrorCode]) -> None:
    """GIVEN an applicant answer breaking one rule
    WHEN checked
    THEN exactly that (field, code)."""
    form = replace(valid_form(), applicant=replace(valid_form().applicant, **changes))  # type: ignore[arg-type]
    assert check_application(form, TODAY).errors == [error]


def test_dates_of_employment_and_knowledge() -> None:
    """GIVEN employment ending before it starts, and knowledge in the future
    WHEN checked
    THEN E_DATES_INVALID on employment.end and on knew_date."""
    form = replace(valid_form(), employment=replace(valid_form().employment,
                                                    end=date(2021, 1, 1)),
                   knew_date=date(2026, 5, 2))
    assert check_application(form, TODAY).errors == [
        ("employment.end", ErrorCode.DATES_INVALID), ("knew_date", ErrorCode.DATES_INVALID)]


def test_evidence_and_witness_rules_and_no_evidence_warning() -> None:
    """GIVEN evidence without a source and 0 pages, a witness with a foreign phone, then
    no evidence and no witnesses
    WHEN checked
    THEN the field errors, then only W_NO_EVIDENCE."""
    form = replace(valid_form(), evidence=[Evidence("Payslips", None, "wages", 0)],
                   witnesses=[Witness("LI SI", "+1 212 555 0100")])
    assert check_application(form, TODAY).errors == [
        ("evidence[0].source", ErrorCode.FIELD_REQUIRED),
        ("evidence[0].pages", ErrorCode.FIELD_FORMAT),
        ("witnesses[0].phone", ErrorCode.PHONE_FORMAT)]
    bare = check_application(replace(valid_form(), evidence=[], witnesses=[]), TODAY)
    assert bare.ok and bare.warnings == [WarningCode.NO_EVIDENCE]


def test_limitation_warning_after_one_year() -> None:
    """GIVEN a severance claim known on 2025-04-30 (last day 2026-04-30)
    WHEN checked on 2026-04-30 and on 2026-05-01
    THEN no warning on the last day, W_LIMITATION the day after."""
    form = replace(valid_form(), knew_date=date(2025, 4, 30),
                   claims=[valid_form().claims[1]])
    assert check_application(form, date(2026, 4, 30)).warnings == []
    assert check_application(form, date(2026, 5, 1)).warnings == [WarningCode.LIMITATION]


def test_limitation_rolls_past_holidays_given() -> None:
    """GIVEN the same claim and 2026-04-30 to 2026-05-05 as holidays
    WHEN checked on 2026-05-06 with and without the calendar
    THEN no warning with the calendar (last day 2026-05-06), a warning without."""
    form = replace(valid_form(), knew_date=date(2025, 4, 30), claims=[valid_form().claims[1]])
    holidays = {date(2026, 4, 30) + timedelta(days=i) for i in range(6)}
    assert check_application(form, date(2026, 5, 6), holidays=holidays).warnings == []
    assert check_application(form, date(2026, 5, 6)).warnings == [WarningCode.LIMITATION]


def test_unpaid_wages_during_employment_are_not_time_barred() -> None:
    """GIVEN a wage claim known two years ago, employment ongoing, then ended 2025-01-31
    WHEN checked
    THEN no W_LIMITATION while employed; after termination the year runs from the end."""
    wages = [valid_form().claims[0]]
    ongoing = replace(valid_form(), claims=wages, knew_date=date(2024, 4, 1),
                      employment=replace(valid_form().employment, end=None))
    assert check_application(ongoing, TODAY).warnings == []
    ended = replace(ongoing, employment=replace(ongoing.employment, end=date(2025, 1, 31)))
    assert check_application(ended, TODAY).warnings == [WarningCode.LIMITATION]
    recent = replace(ongoing, employment=replace(ongoing.employment, end=date(2026, 1, 31)))
    assert check_application(recent, TODAY).warnings == []


def test_jurisdiction_warning_when_neither_district_is_the_kiosks() -> None:
    """GIVEN a workplace in 浦东新区 with the employer in 长宁区, then both in 浦东新区
    WHEN checked at the 长宁区 kiosk (and once for a 浦东新区 kiosk)
    THEN no warning, then W_JURISDICTION, and none for the 浦东新区 kiosk."""
    form = valid_form()
    form.employment.workplace_district = "浦东新区"
    assert check_application(form, TODAY).warnings == []
    form.respondent.district = "浦东新区"
    assert check_application(form, TODAY).warnings == [WarningCode.JURISDICTION]
    assert check_application(form, TODAY, kiosk_district="浦东新区").warnings == []


def test_no_work_permit_is_a_warning_except_for_pr_card_holders() -> None:
    """GIVEN no work permit number with a passport, then with a PR card
    WHEN checked
    THEN W_NO_WORK_PERMIT, then nothing."""
    passport = replace(valid_form(), applicant=replace(valid_form().applicant,
                                                       work_permit_no=None))
    assert check_application(passport, TODAY).warnings == [WarningCode.NO_WORK_PERMIT]
    pr = replace(passport, applicant=replace(passport.applicant, doc_type=DocType.PR_CARD,
                                             doc_number="93127619640812124X"))
    assert check_application(pr, TODAY).warnings == []


def test_claims_total() -> None:
    """GIVEN claims of 30000.00, 60000.5 and one without an amount
    WHEN totalled
    THEN 90000.50."""
    form = valid_form()
    form.claims.append(Claim(ClaimType.SOCIAL_INSURANCE, None, None, None, "x"))
    assert claims_total(form) == Decimal("90000.50")
    assert str(claims_total(ArbitrationForm())) == "0.00"


def test_originals_to_bring() -> None:
    """GIVEN the application, then with an agent and a co-respondent, then bare
    WHEN the originals are listed
    THEN identity, contract, permit, evidence, agent letter and copies as they apply."""
    assert originals_to_bring(valid_form()) == [
        arbitration.ORIGINAL_IDENTITY, arbitration.ORIGINAL_CONTRACT,
        arbitration.ORIGINAL_WORK_PERMIT, arbitration.ORIGINAL_EVIDENCE,
        arbitration.COPIES_ONE_RESPONDENT]
    full = replace(valid_form(), agent=Agent("WANG WU", "13700137000", True),
                   co_respondent=valid_form().respondent)
    assert originals_to_bring(full)[-2:] == [arbitration.ORIGINAL_AGENT,
                                             arbitration.COPIES_TWO_RESPONDENTS]
    bare = ArbitrationForm()
    assert originals_to_bring(bare) == [arbitration.ORIGINAL_IDENTITY,
                                        arbitration.ORIGINAL_CONTRACT,
                                        arbitration.COPIES_ONE_RESPONDENT]


def test_payload_has_exactly_the_agreed_shape() -> None:
    """GIVEN a complete application with an agent
    WHEN turned into the outbox record
    THEN the agreed keys at every level, amounts as decimal strings, dates ISO, nulls."""
    form = replace(valid_form(), agent=Agent("WANG WU", "137 0013 7000", True))
    submitted = datetime(2026, 5, 1, 9, 30, tzinfo=CST)
    payload = to_payload(form, "HQ-01", "en", submitted, [WarningCode.NO_WORK_PERMIT])
    assert set(payload) == {"kiosk_id", "lang", "submitted_at", "applicant", "agent",
                            "respondent", "co_respondent", "employment", "claims", "facts",
                            "evidence", "witnesses", "knew_date", "warnings"}
    assert set(payload["applicant"]) == {
        "surname", "given_names", "sex", "birth_date", "nationality", "doc_type", "doc_number",
        "occupation", "address", "service_address", "phone", "work_permit_no"}
    assert payload["agent"] == {"name": "WANG WU", "phone": "13700137000",
                                "authorization_letter": True}
    assert set(payload["respondent"]) == {"uscc", "name", "address", "legal_representative",
                                          "representative_title", "phone"}
    assert payload["respondent"]["phone"] == "02162345678"
    assert payload["co_respondent"] is None
    assert payload["employment"] == {"start": "2022-03-01", "end": "2026-03-31",
                                     "workplace": "长宁区虹桥路1号", "workplace_district": "长宁区"}
    assert payload["claims"][1] == {"type": "severance", "amount": "60000.50", "from": None,
                                    "to": None, "basis": "Labour Contract Law Art. 46"}
    assert payload["claims"][0]["from"] == "2026-02-01"
    assert payload["evidence"] == [{"name": "Labour contract", "source": "my own copy",
                                    "fact_proved": "employment and wage", "pages": 6}]
    assert payload["witnesses"] == [{"name": "LI SI", "phone": "13900139000"}]
    assert payload["applicant"]["sex"] == "F"
    assert payload["applicant"]["doc_type"] == "passport_ordinary"
    assert payload["submitted_at"] == "2026-05-01T09:30:00+08:00"
    assert payload["knew_date"] == "2026-04-10" and payload["facts"] == FACTS
    assert payload["warnings"] == ["W_NO_WORK_PERMIT"]


def test_payload_refuses_an_incomplete_application() -> None:
    """GIVEN an application without claims, and a naive submission time
    WHEN turned into the record
    THEN ValueError."""
    with pytest.raises(ValueError):
        to_payload(replace(valid_form(), claims=[]), "HQ-01", "en",
                   datetime(2026, 5, 1, tzinfo=CST), [])
    with pytest.raises(ValueError):
        to_payload(valid_form(), "HQ-01", "en", datetime(2026, 5, 1), [])  # noqa: DTZ001


def test_claim_type_list() -> None:
    """GIVEN the claim type list
    WHEN read
    THEN the nine agreed codes in order, each with an English label."""
    assert [c.code for c in arbitration.CLAIM_TYPES] == [
        "unpaid_wages", "overtime_pay", "severance", "double_wages_no_contract",
        "unlawful_termination_compensation", "social_insurance", "annual_leave_pay",
        "work_injury", "other"]
    assert all(c.label for c in arbitration.CLAIM_TYPES)
