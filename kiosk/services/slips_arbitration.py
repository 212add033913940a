"""The receipt of a labour arbitration application (docs/spec/arbitration.md#receipt),
bilingual: Chinese plus the reader's language. Application number (or the provisional
reference, labelled as such) with its QR, the parties (the applicant with the agent acting
for them, the employer and the dispatch agency as numbered respondents), the numbered claims
with their total, the time it was received, the commission, the next steps and the originals
to bring."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hardware.document import Align, Block, Document, Feed, QRCode, Row, Rule, Text
from kiosk.domain.arbitration import ArbitrationForm, claims_total, originals_to_bring
from kiosk.domain.clock import format_timestamp
from kiosk.domain.languages import SLIP_BASE_LANGUAGE
from kiosk.domain.money import format_money
from kiosk.domain.nationality import country_name
from kiosk.domain.records import Company, Submission
from kiosk.services.arbitration_questions import CLAIM_LABELS, DISTRICT_LABELS
from kiosk.services.flow import Person
from kiosk.services.ports import Translator
from kiosk.services.slips import SlipHeader, _Bilingual, _footer


def N_(message: str) -> str:
    return message


# The official title is printed in Chinese whatever the catalogs hold; the reader's
# language follows it.
TITLE_ZH = "劳动人事争议仲裁申请回执"
TITLE = N_("Receipt of Labour Dispute Arbitration Application")
COMMISSION_ZH = "{district}劳动人事争议仲裁委员会"
COMMISSION_EN = "{district} Labour and Personnel Dispute Arbitration Commission"

NEXT_STEPS = (
    N_("The commission decides within 5 days whether to accept your case (Art. 29)."),
    N_("Once it is accepted, your employer receives a copy within 5 days and answers "
       "within 10 days."),
    N_("The award is due within 45 days of acceptance; the commission may extend this by "
       "15 days."),
    N_("Arbitration is free of charge."),
)
# Step 2 when a dispatch agency is the co-respondent: both parties are served.
SERVED_BOTH = N_("Once it is accepted, your employer and the dispatch agency each receive a "
                 "copy within 5 days and answer within 10 days.")


@dataclass(frozen=True)
class Commission:
    name_zh: str
    name_en: str = ""
    address: str = ""
    phone: str = ""


def commission_for(district: str, answer: Mapping[str, str] | None = None) -> Commission:
    """Central's commission when its answer is known (the outbox ack's detail), else the
    commission of the district this kiosk files with (address and phone come by the QR)."""
    if answer and answer.get("commission"):
        return Commission(name_zh=answer["commission"], name_en=answer.get("commission_en", ""),
                          address=answer.get("commission_address", ""),
                          phone=answer.get("commission_phone", ""))
    english = DISTRICT_LABELS.get(district, "")
    return Commission(name_zh=COMMISSION_ZH.format(district=district),
                      name_en=COMMISSION_EN.format(district=english) if english else "")


@dataclass(frozen=True)
class ClaimLine:
    label: str  # msgid of the claim type
    amount: Decimal | None


@dataclass(frozen=True)
class RespondentLine:
    """A respondent as the registry names it (a company: no personal data)."""

    name_zh: str
    name_en: str
    uscc: str


@dataclass(frozen=True)
class ArbitrationReceipt:
    """What the slip prints. Personal data: built for one print, never logged."""

    number: str  # central's application number, or the provisional reference
    final: bool  # False: ``number`` is the provisional reference
    verification_code: str
    applicant_name: str  # MRZ Latin script
    nationality: str  # ISO alpha-3
    document_masked: str
    respondent_name_zh: str
    respondent_name_en: str
    respondent_uscc: str
    claims: tuple[ClaimLine, ...]
    total: Decimal
    received_at: datetime
    commission: Commission
    originals: tuple[str, ...]  # msgids (kiosk.domain.arbitration.originals_to_bring)
    co_respondent: RespondentLine | None = None  # the dispatch agency (Art. 22)
    agent_name: str = ""  # the agent acting for the applicant (Art. 24), if any

    @property
    def respondents(self) -> tuple[tuple[str, RespondentLine], ...]:
        """(role msgid, respondent) in the order the application names them."""
        employer = RespondentLine(self.respondent_name_zh, self.respondent_name_en,
                                  self.respondent_uscc)
        parties = [(N_("Employer"), employer)]
        if self.co_respondent is not None:
            parties.append((N_("Dispatch agency"), self.co_respondent))
        return tuple(parties)


def receipt_for(app: ArbitrationForm, person: Person, employer: Company,
                agency: Company | None, submission: Submission, *, final_number: str | None,
                received_at: datetime, commission: Commission) -> ArbitrationReceipt:
    """What the receipt of a submitted application prints: central's number once known,
    the parties as read and as the registry names them, the claims and what to bring."""
    co_respondent = None
    if app.co_respondent is not None and agency is not None:
        co_respondent = RespondentLine(name_zh=agency.name_zh, name_en=agency.name_en,
                                       uscc=app.co_respondent.uscc or agency.uscc)
    return ArbitrationReceipt(
        number=final_number or submission.provisional_ref, final=final_number is not None,
        verification_code=submission.verification_code,
        applicant_name=f"{person.surname} {person.given_names}",
        nationality=person.nationality, document_masked=person.masked_number,
        respondent_name_zh=employer.name_zh, respondent_name_en=employer.name_en,
        respondent_uscc=app.respondent.uscc or employer.uscc,
        claims=tuple(ClaimLine(CLAIM_LABELS.get(str(c.type), str(c.type)), c.amount)
                     for c in app.claims),
        total=claims_total(app), received_at=received_at, commission=commission,
        originals=tuple(originals_to_bring(app)), co_respondent=co_respondent,
        agent_name=(app.agent.name or "") if app.agent is not None else "")


def arbitration_receipt(header: SlipHeader, receipt: ArbitrationReceipt, lang: str,
                        translator: Translator, verify_url: str) -> Document:
    bi = _Bilingual(translator, lang)

    def money(amount: Decimal) -> str:
        # The commission reads the filing: amounts in the Chinese form ("¥27,500.00").
        return format_money(amount, SLIP_BASE_LANGUAGE)

    def both(message: str, prefix: str = "", bold: bool = False) -> list[Block]:
        """A sentence in Chinese, then in the reader's language (too long for one line)."""
        lines: list[Block] = [Text(prefix + bi.base(message), bold=bold)]
        if not bi.monolingual:
            lines.append(Text(prefix + bi.reader(message), bold=bold))
        return lines

    nationality = country_name(receipt.nationality, SLIP_BASE_LANGUAGE)
    if not bi.monolingual:
        nationality = f"{nationality} {country_name(receipt.nationality, lang)}"
    blocks: list[Block] = [
        Text(header.center_name_zh, align=Align.CENTER, bold=True),
        Text(header.center_name_en, align=Align.CENTER),
        Feed(),
        Text(TITLE_ZH, align=Align.CENTER, bold=True, size=2),
        *([] if lang == SLIP_BASE_LANGUAGE else
          [Text(bi.reader(TITLE), align=Align.CENTER, bold=True)]),
        Rule(),
        Text(bi(N_("Application number") if receipt.final else N_("Provisional reference")),
             align=Align.CENTER),
        # Double width only while it fits the 48-column paper (a provisional reference
        # "SH-CN-TEST-01-261123-000002" does not, and must never break).
        Text(receipt.number, align=Align.CENTER, bold=True,
             size=2 if len(receipt.number) <= 24 else 1),
    ]
    if not receipt.final:
        blocks += both(N_("This kiosk has accepted your application. Its application number "
                          "follows once it reaches the commission: scan the QR code to see it."))
    blocks += [
        QRCode(data=verify_url, align=Align.CENTER),
        Row(bi(N_("Verification code")), receipt.verification_code),
        Row(bi(N_("Received")), format_timestamp(receipt.received_at, lang)),
        Rule(),
        Text(bi(N_("Applicant")), bold=True),
        Row(bi(N_("Name")), receipt.applicant_name),
        Row(bi(N_("Nationality")), nationality),
        Row(bi(N_("Document number")), receipt.document_masked),
        *([Row(bi(N_("Agent")), receipt.agent_name)] if receipt.agent_name else []),
        *_respondent_blocks(receipt, bi),
        Rule(),
        Text(bi(N_("Claims")), bold=True),
    ]
    for number, claim in enumerate(receipt.claims, start=1):
        amount = money(claim.amount) if claim.amount is not None else bi(N_("No amount"))
        blocks.append(Row(f"{number}. {bi(claim.label)}", amount))
    blocks += [
        Row(bi(N_("Total claimed")), money(receipt.total), bold=True),
        Rule(),
        Text(bi(N_("Arbitration commission")), bold=True),
        Text(receipt.commission.name_zh),
        *([Text(receipt.commission.name_en)] if receipt.commission.name_en else []),
    ]
    if receipt.commission.address:
        blocks.append(Row(bi(N_("Address")), receipt.commission.address))
    if receipt.commission.phone:
        blocks.append(Row(bi(N_("Phone")), receipt.commission.phone))
    if not (receipt.commission.address and receipt.commission.phone):
        blocks += both(N_("Scan the QR code for the commission's address and phone."))
    blocks += [Rule(), Text(bi(N_("Next steps")), bold=True)]
    steps = list(NEXT_STEPS)
    if receipt.co_respondent is not None:
        steps[1] = SERVED_BOTH
    for number, step in enumerate(steps, start=1):
        blocks += both(step, prefix=f"{number}. ")
    blocks += [Rule(), Text(bi(N_("Bring these originals to the commission")), bold=True)]
    for item in receipt.originals:
        blocks += both(item, prefix="- ")
    blocks += _footer(header, bi, N_("Keep this receipt until your case is decided."))
    return Document(blocks=tuple(blocks), language=lang,
                    title=f"arbitration receipt {receipt.number}")


def _respondent_blocks(receipt: ArbitrationReceipt, bi: _Bilingual) -> list[Block]:
    """One respondent under "Respondent"; with a co-respondent, both numbered under
    "Respondents" (the commission serves one copy on each)."""
    parties = receipt.respondents
    numbered = len(parties) > 1
    blocks: list[Block] = [Text(bi(N_("Respondents") if numbered else N_("Respondent")),
                                bold=True)]
    for number, (role, party) in enumerate(parties, start=1):
        label = f"{number}. {bi(role)}" if numbered else bi(role)
        blocks.append(Row(label, party.name_zh))
        if party.name_en:
            blocks.append(Text(party.name_en, align=Align.RIGHT))
        blocks.append(Row(bi(N_("Unified Social Credit Code")), party.uscc))
    return blocks
