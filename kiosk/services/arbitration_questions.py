"""The questions of the labour arbitration application (docs/spec/arbitration.md#steps), one
per screen, and how their answers become the domain's ArbitrationForm.

Each answer is checked as it is given with the domain's rules (USCC, phones, dates,
amounts, facts length), so the summary rarely finds anything left to fix. The employer
and, when a labour dispatch agency sent the worker there, the agency (co-respondent,
Art. 22) are each typed as a USCC, which the flow looks up at central. The flow
(kiosk.services.arbitration) supplies what the questions need to know about the session
through ``QuestionContext``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from kiosk.domain import checks
from kiosk.domain.arbitration import (
    CLAIM_TYPES,
    FACTS_MAX,
    FACTS_MIN,
    MAX_CLAIMS,
    MAX_EVIDENCE,
    MAX_LONG_TEXT,
    MAX_WITNESSES,
    WRITTEN_LANGUAGE_NOTE,
    Agent,
    Applicant,
    ArbitrationForm,
    Claim,
    ClaimType,
    Employment,
    Evidence,
    Respondent,
    Witness,
    amount_ok,
)
from kiosk.domain.limitation import limitation_deadline
from kiosk.domain.phone import check_china_phone, check_phone
from kiosk.domain.records import Company
from kiosk.domain.stay import compact_id
from kiosk.domain.stay_choices import DocType, Sex
from kiosk.errors import ErrorCode
from kiosk.services.flow import Person
from kiosk.services.forms import Answers, Group, Item, Kind, Option, Question, Validator
from kiosk.services.help import CONTRACT_USCC, WORK_PERMIT


def N_(message: str) -> str:
    return message


# The 16 districts of Shanghai (GB/T 2260 order). The code is what central receives and
# what jurisdiction compares with the registry's district ("长宁区").
SHANGHAI_DISTRICTS: tuple[Option, ...] = (
    Option("黄浦区", N_("Huangpu District")),
    Option("徐汇区", N_("Xuhui District")),
    Option("长宁区", N_("Changning District")),
    Option("静安区", N_("Jing'an District")),
    Option("普陀区", N_("Putuo District")),
    Option("虹口区", N_("Hongkou District")),
    Option("杨浦区", N_("Yangpu District")),
    Option("闵行区", N_("Minhang District")),
    Option("宝山区", N_("Baoshan District")),
    Option("嘉定区", N_("Jiading District")),
    Option("浦东新区", N_("Pudong New Area")),
    Option("金山区", N_("Jinshan District")),
    Option("松江区", N_("Songjiang District")),
    Option("青浦区", N_("Qingpu District")),
    Option("奉贤区", N_("Fengxian District")),
    Option("崇明区", N_("Chongming District")),
)
DISTRICT_LABELS = {option.code: option.label for option in SHANGHAI_DISTRICTS}
CLAIM_OPTIONS = tuple(Option(str(choice.code), choice.label) for choice in CLAIM_TYPES)
CLAIM_LABELS = {option.code: option.label for option in CLAIM_OPTIONS}
# Claims that need not be for a sum of money (paying contributions, anything else).
NON_MONETARY = frozenset({ClaimType.SOCIAL_INSURANCE.value, ClaimType.OTHER.value})

# Which screen of the header's "Step n of 6" each question belongs to.
TOTAL_STEPS = 6
STEP_YOU, STEP_EMPLOYER, STEP_CLAIMS, STEP_FACTS, STEP_SUMMARY = 2, 3, 4, 5, 6
USCC_KEYS = ("uscc", "uscc_override")  # leaving these looks the employer up
AGENCY_KEYS = ("agency_uscc", "agency_uscc_override")  # ... and these the agency
FIRST_AFTER_EMPLOYER = "has_agency"  # Back from here shows the employer again
FIRST_AFTER_AGENCY = "employment_start"  # Back from here shows the agency again


# Help (kiosk.services.help): where the numbers are on the papers.
USCC_HELP = N_(
    "The Unified Social Credit Code (USCC, 统一社会信用代码) is a company's 18-character "
    "number of letters and digits. It is on the first page of your labour contract, next "
    "to the company's name, and often on payslips and on the company's stamp.")
WORK_PERMIT_HELP = N_(
    "The number is printed on the front of your Foreigner's Work Permit card (外国人工作"
    "许可证), the card with your photo. Type all its digits and letters.")


class QuestionContext(Protocol):
    """What the questions need from the flow (the session they are asked in)."""

    def today(self) -> date: ...

    def holds_pr_card(self) -> bool:
        """A permanent resident needs no work permit, so it is not asked."""
        ...

    def registry_has_phone(self) -> bool:
        """The registry gave the employer's phone; otherwise the user is asked."""
        ...

    def registry_has_agency_phone(self) -> bool:
        """The registry gave the dispatch agency's phone; otherwise the user is asked."""
        ...

    def entry(self, group: str) -> dict[str, Any]:
        """The answers of the group entry being asked (claim 2's dates...)."""
        ...


def questions(context: QuestionContext) -> tuple[Item, ...]:
    """Every question of the application, in the order they are asked."""

    def not_future(value: Any, _answers: Answers) -> ErrorCode | None:
        return ErrorCode.DATES_INVALID if value > context.today() else None

    def end_after_start(value: Any, answers: Answers) -> ErrorCode | None:
        start = answers.get("employment_start")
        return ErrorCode.DATES_INVALID if start is not None and value < start else None

    def claim_to_after_from(value: Any, _answers: Answers) -> ErrorCode | None:
        start = context.entry("claims").get("from_date")
        return ErrorCode.DATES_INVALID if start is not None and value < start else None

    def monetary(answers: Answers) -> bool:
        return answers.get("type") not in NON_MONETARY

    claims = Group("claims", (
        Question("type", Kind.CHOICE, N_("What do you claim?"),
                 hint=N_("Choose one claim. You can add more claims afterwards."),
                 options=CLAIM_OPTIONS),
        Question("amount", Kind.MONEY, N_("How much do you claim?"),
                 hint=N_("The amount in yuan for this claim."), when=monetary,
                 validate=_amount),
        Question("amount", Kind.MONEY, N_("How much do you claim?"),
                 hint=N_("Skip this if the claim is not for a sum of money."),
                 required=False, when=lambda a: not monetary(a), validate=_amount),
        Question("from_date", Kind.DATE, N_("From which day does this claim run?"),
                 hint=N_("For example the first unpaid month. Skip this if it does not apply."),
                 required=False, validate=not_future),
        Question("to_date", Kind.DATE, N_("Up to which day does this claim run?"),
                 hint=N_("Skip this if it does not apply."), required=False,
                 validate=claim_to_after_from),
        Question("basis", Kind.TEXT, N_("On what grounds do you claim it?"),
                 hint=N_("In a few words, for example: my contract, clause 4; or: "
                         "Labour Contract Law Art. 30."),
                 max_length=MAX_LONG_TEXT, any_script=True,
                 script_note=WRITTEN_LANGUAGE_NOTE),
    ), more=N_("Do you want to add another claim?"), min_items=1, max_items=MAX_CLAIMS)

    evidence = Group("evidence", (
        Question("name", Kind.TEXT, N_("What is this piece of evidence?"),
                 hint=N_("For example: labour contract, payslips, bank statements, "
                         "chat messages."), any_script=True,
                 script_note=WRITTEN_LANGUAGE_NOTE),
        Question("source", Kind.TEXT, N_("Where does it come from?"),
                 hint=N_("For example: signed by both sides; printed from my bank."),
                 any_script=True,
                 script_note=WRITTEN_LANGUAGE_NOTE),
        Question("fact_proved", Kind.TEXT, N_("What does it prove?"),
                 hint=N_("For example: my monthly wage; that I worked overtime."),
                 max_length=MAX_LONG_TEXT, any_script=True,
                 script_note=WRITTEN_LANGUAGE_NOTE),
        Question("pages", Kind.NUMBER, N_("How many pages is it?"),
                 validate=lambda v, _a: None if int(v) >= 1 else ErrorCode.FIELD_FORMAT),
    ), more=N_("Do you want to add another piece of evidence?"), min_items=1,
        max_items=MAX_EVIDENCE, when=lambda a: a.get("has_evidence") is True)

    witnesses = Group("witnesses", (
        Question("name", Kind.NAME, N_("What is the witness's name?"),
                 hint=N_("In Latin letters, as in their passport or in pinyin.")),
        Question("phone", Kind.PHONE, N_("What is the witness's phone number?"),
                 hint=N_("Skip this if you do not know it."), required=False,
                 validate=_phone(check_china_phone)),
    ), more=N_("Do you want to add another witness?"), min_items=1,
        max_items=MAX_WITNESSES, when=lambda a: a.get("has_witnesses") is True)

    return (
        # --- you (step 2)
        Question("occupation", Kind.TEXT, N_("What is your occupation?"),
                 hint=N_("Your job as in your contract, for example: software engineer."),
                 any_script=True, script_note=WRITTEN_LANGUAGE_NOTE),
        Question("address", Kind.TEXT, N_("What is your home address in China?"),
                 hint=N_("Street, number, building and room, in Latin letters.")),
        Question("service_same", Kind.YESNO,
                 N_("Should the commission send its letters to this address?"),
                 hint=N_("Answer No to give another address for the commission's papers.")),
        Question("service_address", Kind.TEXT,
                 N_("Where should the commission send its letters?"),
                 hint=N_("The full address, in Latin letters."),
                 when=lambda a: a.get("service_same") is False),
        Question("phone", Kind.PHONE, N_("What is your phone number?"),
                 hint=N_("A Chinese mobile number or a Shanghai landline. The commission "
                         "calls you on it."),
                 validate=_phone(check_phone)),
        Question("work_permit_no", Kind.CODE, N_("What is your work permit number?"),
                 hint=N_("It is on your Foreigner's Work Permit. Skip this if you have none."),
                 required=False, max_length=32, fetch=True,
                 when=lambda _a: not context.holds_pr_card(),
                 help=WORK_PERMIT_HELP, picture=WORK_PERMIT),
        Question("has_agent", Kind.YESNO,
                 N_("Does someone act for you, such as a lawyer or another agent?")),
        Question("agent_name", Kind.NAME, N_("What is your agent's name?"),
                 hint=N_("In Latin letters, as in their passport or in pinyin."),
                 when=lambda a: a.get("has_agent") is True),
        Question("agent_phone", Kind.PHONE, N_("What is your agent's phone number?"),
                 when=lambda a: a.get("has_agent") is True, validate=_phone(check_phone)),
        Question("agent_letter", Kind.YESNO,
                 N_("Have you signed an authorization letter for your agent?"),
                 hint=N_("An agent can act for you only with a letter you signed (Art. 24). "
                         "If you have none, go back and apply without an agent."),
                 when=lambda a: a.get("has_agent") is True,
                 validate=lambda v, _a: None if v is True else ErrorCode.FIELD_REQUIRED),
        # --- your employer (step 3); the flow looks the code up after these
        Question("uscc", Kind.CODE, N_("What is your employer's Unified Social Credit Code?"),
                 hint=N_("18 letters and digits. You find it on your labour contract or "
                         "payslip."),
                 max_length=32, validate=_uscc_format, fetch=True,
                 help=USCC_HELP, picture=CONTRACT_USCC),
        Question("uscc_override", Kind.YESNO,
                 N_("This code does not pass its check. Do you want to use it anyway?"),
                 hint=N_("Compare it with your contract once more. Some very old codes fail "
                         "the check and are still right."),
                 when=_uscc_fails_check),
        # --- the dispatch agency, a co-respondent (Art. 22); looked up after these
        Question("has_agency", Kind.YESNO,
                 N_("Did a labour dispatch agency send you to work for this employer?"),
                 hint=N_("Answer Yes if your labour contract is with a dispatch agency and "
                         "not with this company. The agency is then a respondent too.")),
        Question("agency_uscc", Kind.CODE,
                 N_("What is the dispatch agency's Unified Social Credit Code?"),
                 hint=N_("18 letters and digits. You find it on your labour contract with "
                         "the agency."),
                 max_length=32, when=_has_agency, validate=_agency_uscc, fetch=True,
                 help=USCC_HELP, picture=CONTRACT_USCC),
        Question("agency_uscc_override", Kind.YESNO,
                 N_("This code does not pass its check. Do you want to use it anyway?"),
                 hint=N_("Compare it with your contract once more. Some very old codes fail "
                         "the check and are still right."),
                 when=_agency_fails_check),
        # --- work and claims (step 4)
        Question(FIRST_AFTER_AGENCY, Kind.DATE, N_("When did you start working there?"),
                 validate=not_future),
        Question("employment_end", Kind.DATE, N_("When did your work there end?"),
                 hint=N_("Skip this if you still work there."), required=False,
                 validate=end_after_start),
        Question("workplace", Kind.TEXT, N_("Where do you actually work?"),
                 hint=N_("The address where you do your work. It decides which commission "
                         "hears your case.")),
        Question("workplace_district", Kind.CHOICE, N_("In which district is your workplace?"),
                 options=SHANGHAI_DISTRICTS),
        Question("respondent_phone", Kind.PHONE, N_("What is your employer's phone number?"),
                 hint=N_("The company registry has none. The commission needs it to reach "
                         "your employer."),
                 when=lambda _a: not context.registry_has_phone(),
                 validate=_phone(check_china_phone)),
        Question("agency_phone", Kind.PHONE,
                 N_("What is the dispatch agency's phone number?"),
                 hint=N_("The company registry has none. The commission needs it to reach "
                         "the agency."),
                 when=lambda a: _has_agency(a) and not context.registry_has_agency_phone(),
                 validate=_phone(check_china_phone)),
        claims,
        # --- facts and evidence (step 5)
        Question("facts", Kind.LONG_TEXT, N_("What happened? Describe the facts and your "
                                             "reasons."),
                 hint=N_("Write 50 to 5000 characters: what happened, when, and why you "
                         "claim."),
                 min_length=FACTS_MIN, max_length=FACTS_MAX,
                 length_error=ErrorCode.FACTS_LENGTH, any_script=True,
                 script_note=WRITTEN_LANGUAGE_NOTE),
        Question("has_evidence", Kind.YESNO,
                 N_("Do you have evidence, such as a contract, payslips or messages?")),
        evidence,
        Question("has_witnesses", Kind.YESNO, N_("Are there witnesses who can confirm it?")),
        witnesses,
        Question("knew_date", Kind.DATE,
                 N_("On which day did you learn that your rights were infringed?"),
                 hint=N_("For example the day your wages were not paid or you were dismissed. "
                         "The one-year time limit counts from then."),
                 validate=not_future),
    )


STEP_OF_KEY: dict[str, int] = {
    **dict.fromkeys(("occupation", "address", "service_same", "service_address", "phone",
                     "work_permit_no", "has_agent", "agent_name", "agent_phone",
                     "agent_letter"), STEP_YOU),
    **dict.fromkeys((*USCC_KEYS, "has_agency", *AGENCY_KEYS), STEP_EMPLOYER),
    **dict.fromkeys(("employment_start", "employment_end", "workplace", "workplace_district",
                     "respondent_phone", "agency_phone", "claims"), STEP_CLAIMS),
    **dict.fromkeys(("facts", "has_evidence", "evidence", "has_witnesses", "witnesses",
                     "knew_date"), STEP_FACTS),
}


def _amount(value: Any, _answers: Answers) -> ErrorCode | None:
    return None if amount_ok(Decimal(value)) else ErrorCode.CLAIM_AMOUNT


def _phone(rule: Callable[[str], ErrorCode | None]) -> Validator:
    def check(value: Any, _answers: Answers) -> ErrorCode | None:
        return rule(str(value))
    return check


def _uscc_format(value: Any, _answers: Answers) -> ErrorCode | None:
    """A malformed code is refused at once; a failed check character is asked about."""
    result = checks.uscc(str(value))
    return ErrorCode.USCC_FORMAT if result.code == ErrorCode.USCC_FORMAT.value else None


def _uscc_fails_check(answers: Answers) -> bool:
    return checks.uscc(str(answers.get("uscc") or "")).code == ErrorCode.USCC_CHECK.value


def _has_agency(answers: Answers) -> bool:
    return answers.get("has_agency") is True


def _agency_uscc(value: Any, answers: Answers) -> ErrorCode | None:
    """As the employer's code, and never the employer's own (Art. 22: a second party)."""
    error = _uscc_format(value, answers)
    if error is None and same_code(str(value), str(answers.get("uscc") or "")):
        return ErrorCode.AGENCY_IS_EMPLOYER
    return error


def _agency_fails_check(answers: Answers) -> bool:
    code = str(answers.get("agency_uscc") or "")
    return _has_agency(answers) and checks.uscc(code).code == ErrorCode.USCC_CHECK.value


def same_code(one: str, other: str) -> bool:
    """Two USCCs as typed name the same company (spaces and case aside)."""
    return compact_id(one) == compact_id(other) != ""


# --- answers -> the domain's form -------------------------------------------------------

DOC_TYPES = {"passport": DocType.PASSPORT_ORDINARY, "pr_card": DocType.PR_CARD}


def build_form(person: Person, company: Company | None, answers: Answers,
               agency: Company | None = None) -> ArbitrationForm:
    """The application as the domain checks it, from the document, the registry (the
    employer and the dispatch agency found) and the answers so far (unanswered parts stay
    None, and the check says so)."""
    same = answers.get("service_same")
    applicant = Applicant(
        surname=person.surname, given_names=person.given_names,
        sex=Sex(person.sex) if person.sex in {s.value for s in Sex} else None,
        birth_date=person.birth_date, nationality=person.nationality,
        doc_type=DOC_TYPES.get(person.doc_type, DocType.OTHER), doc_number=person.doc_number,
        occupation=answers.get("occupation"), address=answers.get("address"),
        service_address=answers.get("address") if same else answers.get("service_address"),
        phone=answers.get("phone"), work_permit_no=answers.get("work_permit_no"))
    agent = None
    if answers.get("has_agent") is True:
        agent = Agent(name=answers.get("agent_name"), phone=answers.get("agent_phone"),
                      authorization_letter=answers.get("agent_letter") is True)
    respondent = _respondent(answers.get("uscc"), company, answers.get("respondent_phone"))
    co_respondent = None
    if _has_agency(answers):
        co_respondent = _respondent(answers.get("agency_uscc"), agency,
                                    answers.get("agency_phone"))
    claims = [Claim(type=ClaimType(entry["type"]) if entry.get("type") else None,
                    amount=entry.get("amount"), from_date=entry.get("from_date"),
                    to_date=entry.get("to_date"), basis=str(entry.get("basis") or ""))
              for entry in answers.get("claims", [])]
    evidence = [Evidence(name=e.get("name"), source=e.get("source"),
                         fact_proved=e.get("fact_proved"), pages=int(e.get("pages") or 0))
                for e in answers.get("evidence", [])] if answers.get("has_evidence") else []
    witnesses = [Witness(name=w.get("name"), phone=w.get("phone"))
                 for w in answers.get("witnesses", [])] if answers.get("has_witnesses") else []
    return ArbitrationForm(
        applicant=applicant, respondent=respondent,
        employment=Employment(start=answers.get("employment_start"),
                              end=answers.get("employment_end"),
                              workplace=answers.get("workplace"),
                              workplace_district=answers.get("workplace_district")),
        claims=claims, facts=answers.get("facts"), evidence=evidence, witnesses=witnesses,
        knew_date=answers.get("knew_date"), agent=agent, co_respondent=co_respondent)


def _respondent(uscc: str | None, company: Company | None, phone: str | None) -> Respondent:
    """A party as the registry has it; the phone typed when the registry has none."""
    if company is None:
        return Respondent(uscc=uscc)
    return Respondent(
        uscc=uscc or company.uscc, name=company.name_zh, address=company.address,
        legal_representative=company.legal_representative,
        representative_title=company.representative_title,
        phone=company.phone or phone, district=company.district)


def limitation_last_day(form: ArbitrationForm, today: date,
                        holidays: Collection[date]) -> date | None:
    """The earliest last day among the claims whose one-year limit has passed (the day
    W_LIMITATION names), or None when none has. Mirrors the domain's rule: wage arrears
    run from the end of the employment, and not at all while it lasts (Art. 27)."""
    if form.knew_date is None:
        return None
    passed: list[date] = []
    for claim in form.claims:
        if claim.type == ClaimType.UNPAID_WAGES:
            if form.employment.end is None:
                continue
            start = form.employment.end
        else:
            start = form.knew_date
        deadline = limitation_deadline(start, holidays)
        if deadline < today:
            passed.append(deadline)
    return min(passed) if passed else None


def question_for_field(field_name: str) -> tuple[str, str | None, int | None] | None:
    """The question to go back to for a FormCheck error ("claims[1].amount" ->
    ("amount", "claims", 1)); None when no question asks it (document, registry)."""
    head, _, rest = field_name.partition(".")
    if "[" in head:
        group, _, index = head.partition("[")
        return rest, group, int(index.rstrip("]"))
    simple = {"applicant.occupation": "occupation", "applicant.address": "address",
              "applicant.service_address": "service_address", "applicant.phone": "phone",
              "applicant.work_permit_no": "work_permit_no", "agent.name": "agent_name",
              "agent.phone": "agent_phone", "agent.authorization_letter": "agent_letter",
              "respondent.uscc": "uscc", "respondent.phone": "respondent_phone",
              "co_respondent.uscc": "agency_uscc", "co_respondent.phone": "agency_phone",
              "employment.start": "employment_start", "employment.end": "employment_end",
              "employment.workplace": "workplace",
              "employment.workplace_district": "workplace_district",
              "facts": "facts", "knew_date": "knew_date"}
    key = simple.get(field_name)
    return (key, None, None) if key is not None else None


# Change on a summary row (ArbitrationScreens.summary_rows): the questions after the one
# changed that are asked again with their kept answers, as they make one row with it. A
# changed code stops at the next question: the company is looked up there, before the
# questions that depend on what the registry knows of it (its phone).
CHANGE_ALSO: dict[str, tuple[str, ...]] = {
    "uscc": (FIRST_AFTER_EMPLOYER,),
    "agency_uscc": (FIRST_AFTER_AGENCY,),
    "type": ("amount",),  # a claim: its type and its amount
    "employment_start": ("employment_end",),
    "workplace": ("workplace_district",),
    "service_same": ("service_address",),
    "agent_name": ("agent_phone",),
}


@dataclass(frozen=True)
class ChangeTarget:
    """Where Change on a summary row goes: the question, in a group's entry (0-based)."""

    question: str
    group: str | None = None
    entry: int | None = None

    @property
    def also(self) -> tuple[str, ...]:
        return CHANGE_ALSO.get(self.question, ())


def change_key(question: str, group: str | None = None, entry: int | None = None) -> str:
    """A summary row's Row.change: "occupation", or "claims[1].type" in a group."""
    return question if group is None else f"{group}[{entry}].{question}"


def change_target(key: str) -> ChangeTarget:
    """The question a Row.change names (change_key's inverse)."""
    head, _, question = key.partition(".")
    if not question:
        return ChangeTarget(key)
    group, _, index = head.partition("[")
    return ChangeTarget(question, group, int(index.rstrip("]")))
