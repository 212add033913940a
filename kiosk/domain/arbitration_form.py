"""The arbitration application as the kiosk collects it (docs/spec/arbitration.md#scope,
Art. 28): the parties, the employment, the claims with their choice list, facts, evidence
and witnesses. None means "not answered yet"; kiosk.domain.arbitration checks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from kiosk.domain.results import Choice
from kiosk.domain.stay_choices import DocType, Sex


def N_(message: str) -> str:
    return message


class ClaimType(StrEnum):
    UNPAID_WAGES = "unpaid_wages"
    OVERTIME_PAY = "overtime_pay"
    SEVERANCE = "severance"
    DOUBLE_WAGES_NO_CONTRACT = "double_wages_no_contract"
    UNLAWFUL_TERMINATION_COMPENSATION = "unlawful_termination_compensation"
    SOCIAL_INSURANCE = "social_insurance"
    ANNUAL_LEAVE_PAY = "annual_leave_pay"
    WORK_INJURY = "work_injury"
    OTHER = "other"


CLAIM_TYPES: tuple[Choice, ...] = (
    Choice(ClaimType.UNPAID_WAGES, N_("Unpaid wages")),
    Choice(ClaimType.OVERTIME_PAY, N_("Overtime pay")),
    Choice(ClaimType.SEVERANCE, N_("Severance pay (economic compensation)")),
    Choice(ClaimType.DOUBLE_WAGES_NO_CONTRACT,
           N_("Double wages for working without a written contract")),
    Choice(ClaimType.UNLAWFUL_TERMINATION_COMPENSATION,
           N_("Compensation for unlawful termination")),
    Choice(ClaimType.SOCIAL_INSURANCE, N_("Social insurance contributions")),
    Choice(ClaimType.ANNUAL_LEAVE_PAY, N_("Pay for untaken annual leave")),
    Choice(ClaimType.WORK_INJURY, N_("Work injury benefits")),
    Choice(ClaimType.OTHER, N_("Other claim")),
)

@dataclass
class Applicant:
    surname: str | None = None
    given_names: str | None = None
    sex: Sex | None = None
    birth_date: date | None = None
    nationality: str | None = None  # ISO alpha-3
    doc_type: DocType | None = None
    doc_number: str | None = None
    occupation: str | None = None
    address: str | None = None
    service_address: str | None = None  # where the commission sends its papers
    phone: str | None = None
    work_permit_no: str | None = None  # † optional


@dataclass
class Agent:
    name: str | None = None
    phone: str | None = None
    authorization_letter: bool = False  # Art. 24: required when an agent acts


@dataclass
class Respondent:
    uscc: str | None = None
    name: str | None = None
    address: str | None = None
    legal_representative: str | None = None
    representative_title: str | None = None
    phone: str | None = None
    district: str | None = None  # from the registry; decides jurisdiction, not sent


@dataclass
class Employment:
    start: date | None = None
    end: date | None = None  # None while employed
    workplace: str | None = None
    workplace_district: str | None = None  # where the work is done decides jurisdiction


@dataclass
class Claim:
    type: ClaimType | None = None
    amount: Decimal | None = None  # None for claims that are not for money
    from_date: date | None = None
    to_date: date | None = None
    basis: str = ""


@dataclass
class Evidence:
    name: str | None = None
    source: str | None = None
    fact_proved: str | None = None
    pages: int = 1


@dataclass
class Witness:
    name: str | None = None
    phone: str | None = None


@dataclass
class ArbitrationForm:
    applicant: Applicant = field(default_factory=Applicant)
    respondent: Respondent = field(default_factory=Respondent)
    employment: Employment = field(default_factory=Employment)
    claims: list[Claim] = field(default_factory=list)
    facts: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    witnesses: list[Witness] = field(default_factory=list)
    knew_date: date | None = None  # knew or should have known of the infringement
    agent: Agent | None = None
    co_respondent: Respondent | None = None  # e.g. the dispatch agency (Art. 22)
