"""Labour dispute arbitration application (docs/spec/arbitration.md; Labour Dispute Mediation and
Arbitration Law Arts. 22, 24, 27, 28): the form, its checks, the claims total, the
originals to bring, and the record for central.

Limitation, jurisdiction, missing evidence and a missing work permit are warnings: the
commission decides, the kiosk only tells the worker before they file.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from kiosk.domain import checks, nationality
from kiosk.domain.arbitration_form import (
    CLAIM_TYPES,
    Agent,
    Applicant,
    ArbitrationForm,
    Claim,
    ClaimType,
    Employment,
    Evidence,
    Respondent,
    Witness,
)
from kiosk.domain.limitation import limitation_deadline
from kiosk.domain.money import CENT, MAX_AMOUNT, quantize
from kiosk.domain.phone import check_china_phone, check_phone, normalize_phone
from kiosk.domain.results import FormCheck
from kiosk.domain.stay import DOCUMENT_NUMBER, MAX_TEXT, compact_id, is_blank, name_ok, too_long
from kiosk.domain.stay_choices import DOC_TYPES, SEXES, DocType, codes
from kiosk.errors import ErrorCode, WarningCode

__all__ = [
    "CLAIM_TYPES", "Agent", "Applicant", "ArbitrationForm", "Claim", "ClaimType", "Employment",
    "Evidence", "Respondent", "Witness", "check_application", "claims_total",
    "originals_to_bring", "to_payload",
]


def N_(message: str) -> str:
    return message


KIOSK_DISTRICT = "长宁区"  # the Hongqiao centre's commission (Changning district)
FACTS_MIN, FACTS_MAX = 50, 5000  # characters
MAX_LONG_TEXT = 1000  # a claim's basis, what a piece of evidence proves
MAX_CLAIMS, MAX_EVIDENCE, MAX_WITNESSES = 50, 200, 50  # central's limits

# The facts, the grounds and the evidence are taken as written, in any script; the
# commission works in Chinese (docs/spec/arbitration.md#language-of-the-application).
WRITTEN_LANGUAGE_NOTE = N_("The commission works in Chinese. Write in Chinese if you can. "
                           "Text in your own language is accepted here, but the commission "
                           "may ask you for a Chinese translation.")


# What the worker brings to the commission (the slip lists them).
ORIGINAL_IDENTITY = N_("Your identity document (passport or permanent resident ID card) "
                       "and one copy of it")
ORIGINAL_CONTRACT = N_("Your labour contract, if you have one")
ORIGINAL_WORK_PERMIT = N_("Your work permit")
ORIGINAL_EVIDENCE = N_("The originals of the evidence you listed")
ORIGINAL_AGENT = N_("The authorization letter you signed for your agent, and the "
                    "agent's identity document")
COPIES_ONE_RESPONDENT = N_("One copy of this application and of your evidence for the "
                           "respondent")
COPIES_TWO_RESPONDENTS = N_("Two copies of this application and of your evidence, one for "
                            "each respondent")


APPLICANT_REQUIRED = ("surname", "given_names", "sex", "birth_date", "nationality", "doc_type",
                      "doc_number", "occupation", "address", "service_address", "phone")
RESPONDENT_REQUIRED = ("uscc", "name", "address", "legal_representative",
                       "representative_title", "phone")
EVIDENCE_REQUIRED = ("name", "source", "fact_proved")


class _Collector:
    """Gathers errors (once each) and warnings (once each) in the order found."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, ErrorCode]] = []
        self.warnings: list[WarningCode] = []

    def fail(self, field_name: str, code: ErrorCode) -> None:
        if (field_name, code) not in self.errors:
            self.errors.append((field_name, code))

    def warn(self, code: WarningCode | str) -> None:
        warning = WarningCode(code)
        if warning not in self.warnings:
            self.warnings.append(warning)

    def require(self, obj: object, names: tuple[str, ...], prefix: str) -> None:
        for name in names:
            if is_blank(getattr(obj, name)):
                self.fail(f"{prefix}.{name}", ErrorCode.FIELD_REQUIRED)

    def limit(self, obj: object, prefix: str, long_texts: tuple[str, ...] = ()) -> None:
        """Text answers longer than central takes are a format error."""
        for name, value in vars(obj).items():
            if too_long(value, MAX_LONG_TEXT if name in long_texts else MAX_TEXT):
                self.fail(f"{prefix}.{name}", ErrorCode.FIELD_FORMAT)


def check_application(form: ArbitrationForm, today: date, kiosk_district: str = KIOSK_DISTRICT,
                      *, holidays: Collection[date] = (), facts_min: int = FACTS_MIN,
                      facts_max: int = FACTS_MAX,
                      allow_uscc_override: bool = False,
                      allow_co_respondent_override: bool | None = None) -> FormCheck:
    """All the errors (field, code) and warnings of the application. Never raises.
    The overrides accept a failed USCC check character
    (docs/spec/checks.md#unified-social-credit-code) of the respondent and of the
    co-respondent; the latter follows the former unless given."""
    out = _Collector()
    _check_applicant(form.applicant, today, out)
    if form.agent is not None:
        out.require(form.agent, ("name", "phone"), "agent")
        out.limit(form.agent, "agent")
        if not form.agent.authorization_letter:
            out.fail("agent.authorization_letter", ErrorCode.FIELD_REQUIRED)
        _check_phone(form.agent.phone, "agent.phone", check_phone, out)
    _check_respondent(form.respondent, "respondent", allow_uscc_override, out)
    if form.co_respondent is not None:
        co_override = (allow_uscc_override if allow_co_respondent_override is None
                       else allow_co_respondent_override)
        _check_respondent(form.co_respondent, "co_respondent", co_override, out)
        if _same_company(form.co_respondent, form.respondent):
            out.fail("co_respondent.uscc", ErrorCode.AGENCY_IS_EMPLOYER)
    _check_employment(form.employment, today, out)
    _check_claims(form.claims, out)
    facts = (form.facts or "").strip()
    if not facts:
        out.fail("facts", ErrorCode.FIELD_REQUIRED)
    elif not facts_min <= len(facts) <= facts_max:
        out.fail("facts", ErrorCode.FACTS_LENGTH)
    _check_evidence(form, out)
    if form.knew_date is None:
        out.fail("knew_date", ErrorCode.FIELD_REQUIRED)
    elif form.knew_date > today:
        out.fail("knew_date", ErrorCode.DATES_INVALID)
    elif _time_barred(form, today, holidays):
        out.warn(WarningCode.LIMITATION)
    if not _in_jurisdiction(form, kiosk_district):
        out.warn(WarningCode.JURISDICTION)
    return FormCheck(out.errors, out.warnings)


def _check_applicant(applicant: Applicant, today: date, out: _Collector) -> None:
    out.require(applicant, APPLICANT_REQUIRED, "applicant")
    out.limit(applicant, "applicant")
    for name in ("surname", "given_names"):
        value = getattr(applicant, name)
        if not is_blank(value) and not name_ok(value):
            out.fail(f"applicant.{name}", ErrorCode.FIELD_FORMAT)
    if applicant.sex is not None and applicant.sex not in codes(SEXES):
        out.fail("applicant.sex", ErrorCode.FIELD_FORMAT)
    if applicant.birth_date is not None and applicant.birth_date > today:
        out.fail("applicant.birth_date", ErrorCode.DATES_INVALID)
    if not is_blank(applicant.nationality) and not nationality.is_known(
            str(applicant.nationality).strip().upper()):
        out.fail("applicant.nationality", ErrorCode.FIELD_FORMAT)
    if applicant.doc_type is not None and applicant.doc_type not in codes(DOC_TYPES):
        out.fail("applicant.doc_type", ErrorCode.FIELD_FORMAT)
    if not is_blank(applicant.doc_number):
        number = compact_id(str(applicant.doc_number))
        if applicant.doc_type == DocType.PR_CARD:
            result = checks.pr_card(number)
            if not result.ok:
                out.fail("applicant.doc_number", ErrorCode(result.code or ErrorCode.PR_FORMAT))
        elif not DOCUMENT_NUMBER.fullmatch(number):
            out.fail("applicant.doc_number", ErrorCode.FIELD_FORMAT)
    _check_phone(applicant.phone, "applicant.phone", check_phone, out)
    # † A foreigner working without a permit may not be in a labour relationship; a PR
    # card holder needs no permit.
    if is_blank(applicant.work_permit_no) and applicant.doc_type != DocType.PR_CARD:
        out.warn(WarningCode.NO_WORK_PERMIT)


def _check_respondent(respondent: Respondent, prefix: str, allow_override: bool,
                      out: _Collector) -> None:
    out.require(respondent, RESPONDENT_REQUIRED, prefix)
    out.limit(respondent, prefix)
    if not is_blank(respondent.uscc):
        result = checks.uscc(str(respondent.uscc), allow_override=allow_override)
        if not result.ok:
            out.fail(f"{prefix}.uscc", ErrorCode(result.code or ErrorCode.USCC_FORMAT))
        for warning in result.warnings:
            out.warn(warning)
    _check_phone(respondent.phone, f"{prefix}.phone", check_china_phone, out)


def _same_company(one: Respondent, other: Respondent) -> bool:
    """Art. 22 makes the dispatch agency a party beside the employer, never instead."""
    return (not is_blank(one.uscc) and not is_blank(other.uscc)
            and compact_id(str(one.uscc)) == compact_id(str(other.uscc)))


def _check_phone(value: str | None, field_name: str,
                 rule: Callable[[str], ErrorCode | None], out: _Collector) -> None:
    if not is_blank(value) and rule(str(value)) is not None:
        out.fail(field_name, ErrorCode.PHONE_FORMAT)


def _check_employment(employment: Employment, today: date, out: _Collector) -> None:
    out.require(employment, ("start", "workplace", "workplace_district"), "employment")
    out.limit(employment, "employment")
    if employment.start is not None and employment.start > today:
        out.fail("employment.start", ErrorCode.DATES_INVALID)
    if (employment.start is not None and employment.end is not None
            and employment.end < employment.start):
        out.fail("employment.end", ErrorCode.DATES_INVALID)


def amount_ok(amount: Decimal) -> bool:
    """More than zero, at most two decimal places, fits decimal(12,2)."""
    return (amount.is_finite() and Decimal(0) < amount <= MAX_AMOUNT
            and amount == amount.quantize(CENT))


def _check_claims(claims: list[Claim], out: _Collector) -> None:
    if not claims:
        out.fail("claims", ErrorCode.NO_CLAIMS)
    elif len(claims) > MAX_CLAIMS:
        out.fail("claims", ErrorCode.FIELD_FORMAT)
    for i, claim in enumerate(claims):
        prefix = f"claims[{i}]"
        out.require(claim, ("type", "basis"), prefix)
        out.limit(claim, prefix, long_texts=("basis",))
        if claim.type is not None and claim.type not in codes(CLAIM_TYPES):
            out.fail(f"{prefix}.type", ErrorCode.FIELD_FORMAT)
        if claim.amount is not None and not amount_ok(claim.amount):
            out.fail(f"{prefix}.amount", ErrorCode.CLAIM_AMOUNT)
        if (claim.from_date is not None and claim.to_date is not None
                and claim.to_date < claim.from_date):
            out.fail(f"{prefix}.to_date", ErrorCode.DATES_INVALID)


def _check_evidence(form: ArbitrationForm, out: _Collector) -> None:
    if len(form.evidence) > MAX_EVIDENCE:
        out.fail("evidence", ErrorCode.FIELD_FORMAT)
    if len(form.witnesses) > MAX_WITNESSES:
        out.fail("witnesses", ErrorCode.FIELD_FORMAT)
    for i, item in enumerate(form.evidence):
        out.require(item, EVIDENCE_REQUIRED, f"evidence[{i}]")
        out.limit(item, f"evidence[{i}]", long_texts=("fact_proved",))
        if item.pages < 1:
            out.fail(f"evidence[{i}].pages", ErrorCode.FIELD_FORMAT)
    for i, witness in enumerate(form.witnesses):
        out.require(witness, ("name",), f"witnesses[{i}]")
        out.limit(witness, f"witnesses[{i}]")
        _check_phone(witness.phone, f"witnesses[{i}].phone", check_china_phone, out)
    if not form.evidence and not form.witnesses:
        out.warn(WarningCode.NO_EVIDENCE)


def _time_barred(form: ArbitrationForm, today: date, holidays: Collection[date]) -> bool:
    """Art. 27: one year from when the worker knew. Wage arrears are not time-barred
    while the employment lasts, and after it ended the year runs from its end."""
    assert form.knew_date is not None
    for claim in form.claims:
        if claim.type == ClaimType.UNPAID_WAGES:
            if form.employment.end is None:
                continue
            start = form.employment.end
        else:
            start = form.knew_date
        if limitation_deadline(start, holidays) < today:
            return True
    return False


def _in_jurisdiction(form: ArbitrationForm, kiosk_district: str) -> bool:
    """The commission where the work is done, or where the employer is
    (docs/spec/arbitration.md#jurisdiction). Unknown districts do not warn: the
    required-field error speaks for them."""
    workplace = (form.employment.workplace_district or "").strip()
    employer = (form.respondent.district or "").strip()
    if not workplace:
        return True
    return kiosk_district in (workplace, employer)


def claims_total(form: ArbitrationForm) -> Decimal:
    """The sum of the claimed amounts (claims without an amount count nothing)."""
    amounts = [c.amount for c in form.claims if c.amount is not None and c.amount.is_finite()]
    return quantize(sum(amounts, Decimal("0")))


def originals_to_bring(form: ArbitrationForm) -> list[str]:
    """Msgids of what to bring to the commission, in the order to print them."""
    items = [ORIGINAL_IDENTITY, ORIGINAL_CONTRACT]
    if not is_blank(form.applicant.work_permit_no):
        items.append(ORIGINAL_WORK_PERMIT)
    if form.evidence:
        items.append(ORIGINAL_EVIDENCE)
    if form.agent is not None:
        items.append(ORIGINAL_AGENT)
    items.append(COPIES_TWO_RESPONDENTS if form.co_respondent is not None
                 else COPIES_ONE_RESPONDENT)
    return items


def _text(value: str | None) -> str:
    return (value or "").strip()


def _optional(value: str | None) -> str | None:
    return _text(value) or None


def _phone(value: str | None) -> str | None:
    """The kiosk's form of the number when it has one, else the number as typed."""
    if value is None or is_blank(value):
        return None
    return normalize_phone(value) or value.strip()


def _respondent_payload(respondent: Respondent) -> dict[str, Any]:
    return {
        "uscc": compact_id(_text(respondent.uscc)),
        "name": _text(respondent.name),
        "address": _text(respondent.address),
        "legal_representative": _text(respondent.legal_representative),
        "representative_title": _text(respondent.representative_title),
        "phone": _phone(respondent.phone),
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def to_payload(form: ArbitrationForm, kiosk_id: str, lang: str, submitted_at: datetime,
               warnings: list[WarningCode] | list[str]) -> dict[str, Any]:
    """The outbox record of kind "arbitration_application" (the store adds reference and
    verification_code). Call it only for a form check_application passed: raises
    ValueError when something required is missing."""
    if submitted_at.utcoffset() is None:
        raise ValueError("submitted_at needs its UTC offset")
    a, e = form.applicant, form.employment
    missing = [name for name in APPLICANT_REQUIRED if is_blank(getattr(a, name))]
    if missing or not form.claims or form.knew_date is None or e.start is None:
        raise ValueError("the application is incomplete")
    return {
        "kiosk_id": kiosk_id,
        "lang": lang,
        "submitted_at": submitted_at.isoformat(timespec="seconds"),
        "applicant": {
            "surname": " ".join(_text(a.surname).upper().split()),
            "given_names": " ".join(_text(a.given_names).upper().split()),
            "sex": str(a.sex),
            "birth_date": _day(a.birth_date),
            "nationality": _text(a.nationality).upper(),
            "doc_type": str(a.doc_type),
            "doc_number": compact_id(_text(a.doc_number)),
            "occupation": _text(a.occupation),
            "address": _text(a.address),
            "service_address": _text(a.service_address),
            "phone": _phone(a.phone),
            "work_permit_no": _optional(a.work_permit_no),
        },
        "agent": None if form.agent is None else {
            "name": _text(form.agent.name),
            "phone": _phone(form.agent.phone),
            "authorization_letter": form.agent.authorization_letter,
        },
        "respondent": _respondent_payload(form.respondent),
        "co_respondent": (None if form.co_respondent is None
                          else _respondent_payload(form.co_respondent)),
        "employment": {
            "start": _day(e.start),
            "end": _day(e.end),
            "workplace": _text(e.workplace),
            "workplace_district": _text(e.workplace_district),
        },
        "claims": [{
            "type": str(c.type),
            "amount": None if c.amount is None else str(quantize(c.amount)),
            "from": _day(c.from_date),
            "to": _day(c.to_date),
            "basis": c.basis.strip(),
        } for c in form.claims],
        "facts": _text(form.facts),
        "evidence": [{
            "name": _text(item.name),
            "source": _text(item.source),
            "fact_proved": _text(item.fact_proved),
            "pages": item.pages,
        } for item in form.evidence],
        "witnesses": [{"name": _text(w.name), "phone": _phone(w.phone)}
                      for w in form.witnesses],
        "knew_date": form.knew_date.isoformat(),
        "warnings": [str(w) for w in warnings],
    }
