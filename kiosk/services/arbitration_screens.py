"""What the arbitration flow's screens show: the header's step, the confirmations (you,
your employer, the dispatch agency), the summary rows, the working and done texts, and the
values the question hints and warnings fill in. A mixin of ArbitrationFlow (kiosk.services.
arbitration), kept apart so the state machine stays short; no state of its own.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from kiosk.domain.arbitration import ArbitrationForm, claims_total
from kiosk.domain.clock import format_day
from kiosk.domain.money import format_money
from kiosk.domain.records import Company
from kiosk.services.arbitration_questions import (
    CLAIM_LABELS,
    DISTRICT_LABELS,
    STEP_CLAIMS,
    STEP_EMPLOYER,
    STEP_OF_KEY,
    STEP_SUMMARY,
    TOTAL_STEPS,
    change_key,
    limitation_last_day,
)
from kiosk.services.contract import Confirmation, Outcome, Summary
from kiosk.services.flow import Person, Row
from kiosk.services.forms import Questionnaire
from kiosk.services.ports import CallContext, Clock, Translator


def N_(message: str) -> str:
    return message



FACTS_EXCERPT = 60  # characters of the facts the summary shows, in the script written


def excerpt(text: str, limit: int) -> str:
    """The start of ``text`` on one line, cut with an ellipsis after ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit].rstrip() + "…"

class ArbStep(StrEnum):
    READ = "read"
    CONFIRM_PERSON = "confirm_person"
    QUESTIONS = "questions"
    LOOKING_UP = "looking_up"
    CONFIRM_COMPANY = "confirm_company"
    LOOKING_UP_AGENCY = "looking_up_agency"
    CONFIRM_AGENCY = "confirm_agency"
    SUMMARY = "summary"
    SUBMITTING = "submitting"
    PRINTING = "printing"
    DONE = "done"
    FAILED = "failed"


_NUMBER = {ArbStep.READ: 1, ArbStep.CONFIRM_PERSON: 1, ArbStep.LOOKING_UP: STEP_EMPLOYER,
           ArbStep.CONFIRM_COMPANY: STEP_EMPLOYER, ArbStep.LOOKING_UP_AGENCY: STEP_EMPLOYER,
           ArbStep.CONFIRM_AGENCY: STEP_EMPLOYER, ArbStep.SUMMARY: STEP_SUMMARY,
           ArbStep.SUBMITTING: STEP_SUMMARY, ArbStep.PRINTING: STEP_SUMMARY,
           ArbStep.DONE: STEP_SUMMARY}

_WORKING = {
    ArbStep.LOOKING_UP: N_("Looking up your employer in the company registry…"),
    ArbStep.LOOKING_UP_AGENCY: N_("Looking up the dispatch agency in the company registry…"),
    ArbStep.SUBMITTING: N_("Submitting your application…"),
    ArbStep.PRINTING: N_("Printing your receipt…"),
}


class ArbitrationScreens:
    """The flow's read-only side for the screens (see kiosk/ui/screens/*.py)."""

    # Set by ArbitrationFlow and its base, kiosk.services.flow.Flow.
    step: ArbStep | None
    form: Questionnaire | None
    person: Person | None
    clock: Clock
    ctx: CallContext
    company: Company | None
    agency: Company | None
    application: ArbitrationForm | None
    final_number: str | None
    _failed_at: int
    _translator: Translator
    _holidays: tuple[date, ...]

    @property
    def step_number(self) -> int:
        if self.step is ArbStep.QUESTIONS and self.form is not None and not self.form.done:
            group = self.form.group
            return STEP_OF_KEY.get(group.key if group else self.form.current.key, STEP_CLAIMS)
        if self.step is ArbStep.FAILED:
            return self._failed_at
        return _NUMBER.get(self.step, STEP_SUMMARY) if self.step is not None else 1

    @property
    def total_steps(self) -> int:
        return TOTAL_STEPS

    def today(self) -> date:
        return self.clock.now().date()

    # --- what the screens show ---------------------------------------------------------

    def working_text(self) -> str:
        return _WORKING.get(self.step, "") if self.step is not None else ""

    def question_values(self) -> dict[str, str]:
        deadline = ""
        if self.application is not None:
            last_day = limitation_last_day(self.application, self.today(),
                                           self._holidays)
            deadline = self._date(last_day) if last_day is not None else ""
        return {"deadline": deadline}

    def identity_rows(self) -> list[Row]:
        person = self.person
        if person is None:
            return []
        return [Row(N_("Name"), f"{person.surname} {person.given_names}", True),
                Row(N_("Nationality"), person.nationality),
                Row(N_("Date of birth"), self._date(person.birth_date)),
                Row(N_("Document number"), person.masked_number)]

    def confirmation(self) -> Confirmation:
        """You, your employer or the dispatch agency, for confirm() or back()."""
        rows = tuple(self.confirm_rows())
        if self.step is ArbStep.CONFIRM_COMPANY:
            return self._company_found(N_("Is this your employer?"), rows)
        if self.step is ArbStep.CONFIRM_AGENCY:
            return self._company_found(N_("Is this the dispatch agency?"), rows)
        return Confirmation(rows=rows)  # the identity screen's own "Is this you?"

    @staticmethod
    def _company_found(heading: str, rows: tuple[Row, ...]) -> Confirmation:
        return Confirmation(rows=rows, heading=heading,
                            detail=N_("This is the company registered with the code you "
                                      "typed."),
                            button=N_("Yes, that is it"), back=N_("No, change the code"))

    def confirm_rows(self) -> list[Row]:
        if self.step is ArbStep.CONFIRM_COMPANY and self.company is not None:
            return self._company_rows(N_("Employer"), self.company)
        if self.step is ArbStep.CONFIRM_AGENCY and self.agency is not None:
            return self._company_rows(N_("Dispatch agency"), self.agency)
        return self.identity_rows()

    @staticmethod
    def _company_rows(role: str, company: Company) -> list[Row]:
        rows = [Row(role, company.name_zh, True)]
        if company.name_en:
            rows.append(Row(N_("Name in English"), company.name_en))
        rows += [Row(N_("Unified Social Credit Code"), company.uscc),
                 Row(N_("Address"), company.address),
                 Row(N_("Legal representative"),
                     f"{company.legal_representative}, {company.representative_title}")]
        if company.phone:
            rows.append(Row(N_("Phone"), company.phone))
        return rows

    def summary(self) -> Summary:
        return Summary(heading=N_("Check your application before you submit it"),
                       button=N_("Submit my application"), rows=tuple(self.summary_rows()))

    def summary_rows(self) -> list[Row]:
        """What is claimed first (numbered, with the total), then from whom, then the
        applicant, then the facts and evidence. A row from an answer names its question
        for Change (change_key); the total and what the document gave do not."""
        app, person = self.application, self.person
        if app is None or person is None:
            return []
        a, e, respondent = app.applicant, app.employment, app.respondent
        rows = [Row(f"{number}. {self._tr(CLAIM_LABELS.get(str(claim.type), ''))}",
                    self._money(claim.amount), change=change_key("type", "claims", number - 1))
                for number, claim in enumerate(app.claims, start=1)]
        name_en = self.company.name_en if self.company is not None else ""
        rows += [Row(N_("Total claimed"), self._money(claims_total(app)), True),
                 Row(N_("Employer"), f"{respondent.name} {name_en}".strip(), change="uscc"),
                 Row(N_("Unified Social Credit Code"), respondent.uscc or "", change="uscc")]
        agency = app.co_respondent
        if agency is not None:
            agency_en = self.agency.name_en if self.agency is not None else ""
            rows += [Row(N_("Dispatch agency"), f"{agency.name or ''} {agency_en}".strip(),
                         change="agency_uscc"),
                     Row(N_("Unified Social Credit Code"), agency.uscc or "",
                         change="agency_uscc")]
        rows += [Row(N_("Employed"), self._span(e.start, e.end), change="employment_start"),
                 Row(N_("Workplace"), ", ".join(
                     part for part in (e.workplace or "", self._tr(
                         DISTRICT_LABELS.get(e.workplace_district or "", ""))) if part),
                     change="workplace"),
                 Row(N_("Name"), f"{person.surname} {person.given_names}"),
                 Row(N_("Document number"), person.masked_number),
                 Row(N_("Occupation"), a.occupation or "", change="occupation"),
                 Row(N_("Phone"), a.phone or "", change="phone"),
                 Row(N_("Home address"), a.address or "", change="address"),
                 Row(N_("Address for the commission's letters"), a.service_address or "",
                     change="service_same")]
        if a.work_permit_no:
            rows.append(Row(N_("Work permit number"), a.work_permit_no,
                            change="work_permit_no"))
        if app.agent is not None:
            rows.append(Row(N_("Agent"), f"{app.agent.name}, {app.agent.phone}",
                            change="agent_name"))
        facts = (app.facts or "").strip()
        count = self._tr(N_("{count} characters")).format(count=len(facts))
        rows += [Row(N_("Facts and reasons"),
                     f"{excerpt(facts, FACTS_EXCERPT)} · {count}" if facts else count,
                     change="facts"),
                 Row(N_("Evidence"), "; ".join(item.name or "" for item in app.evidence)
                     or self._tr(N_("None")), change="has_evidence"),
                 Row(N_("Witnesses"), "; ".join(w.name or "" for w in app.witnesses)
                     or self._tr(N_("None")), change="has_witnesses"),
                 Row(N_("You learned of it on"),
                     self._date(app.knew_date) if app.knew_date else "", change="knew_date")]
        return rows

    def outcome(self) -> Outcome:
        label = (N_("Application number") if self.final_number
                 else N_("Provisional reference"))
        return Outcome(title=N_("Your application is submitted"),
                       detail=N_("The commission decides within 5 days whether to accept "
                                 "your case. Your receipt lists the originals to bring."),
                       reference_label=label)

    # --- formatting --------------------------------------------------------------------

    def _tr(self, message: str) -> str:
        return self._translator.gettext(self.ctx.lang, message) if message else ""

    def _date(self, day: date) -> str:
        return format_day(day, self.ctx.lang)

    def _money(self, amount: Decimal | None) -> str:
        return format_money(amount, self.ctx.lang) if amount is not None else self._tr(
            N_("No amount"))

    def _span(self, start: date | None, end: date | None) -> str:
        first = self._date(start) if start else ""
        last = self._date(end) if end else self._tr(N_("until now"))
        return f"{first} – {last}"
