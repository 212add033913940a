"""The wire schema between kiosk and central. Pure: pydantic and the domain only, so
central can import it (docs/architecture.md#the-dependency-rule). Amounts travel as decimal strings.

Every request carries the call context as headers: X-Kiosk-Id, X-Session-Id, X-Lang,
X-Timestamp (ISO 8601 with +08:00) and, on POSTs, Idempotency-Key.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

HEADER_KIOSK = "X-Kiosk-Id"
HEADER_SESSION = "X-Session-Id"
HEADER_LANG = "X-Lang"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_IDEMPOTENCY = "Idempotency-Key"

Money = Decimal  # serialized as "128.50"

# What central's integer columns hold: SQL INTEGER is 32 bits on PostgreSQL (BIGINT 64).
# Every integer a client sends is bounded to its column, so a too-large number is a 422
# and never reaches the database (where it would be a 500).
SQL_INT_MAX = 2**31 - 1
SQL_BIGINT_MAX = 2**63 - 1

# What an idempotency key may be (the Idempotency-Key header, an outbox record's key): the
# kiosk makes uuid4().hex keys; letters, digits and "_.:-" leave room for other clients
# and nothing that could break a log line or a terminal.
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:-]{8,64}$"
IdempotencyKey = Annotated[str, StringConstraints(pattern=IDEMPOTENCY_KEY_PATTERN)]

# Request bodies central takes (it answers 413 to more, before reading it). The largest
# record the schema allows, an arbitration application with every list full and every
# text at its longest, is 1.5 MB of JSON in 4-byte characters as the kiosk writes it
# (UTF-8), 2.2 MB in control characters (\u0001) and 4.2 MB from a client that writes
# every 4-byte character as two escapes (\ud840\udc00): RECORD_MAX_BYTES holds them all.
# The kiosk packs outbox records into requests of at most OUTBOX_MAX_BYTES (and
# sync.batch_size records), so any batch fits.
RECORD_MAX_BYTES = 6 * 1024 * 1024
OUTBOX_MAX_BYTES = 8 * 1024 * 1024


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- bounded values of the records kiosks send (outbox kinds and direct posts) -----------
# Every field a record carries is bounded to what central's column holds (central/models.py)
# or, for what is kept only in the record's JSON, to a sane size, so that a record
# PostgreSQL cannot store is refused on its own with its field named, and never fails
# the batch it travels in. Strings carry no control characters (PostgreSQL refuses NUL;
# the others have no place on a slip), except line breaks and tabs in free text.

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
EARLIEST_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(2100, 1, 1, tzinfo=UTC)
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)


def _one_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


def _free_text(value: str) -> str:
    if _CONTROL_BUT_LINES.search(value):
        raise ValueError("control characters other than line breaks are not allowed")
    return value


def _plausible_instant(value: datetime) -> datetime:
    # Year 1 at +08:00 is year 0 in UTC: Python cannot even convert it.
    if not EARLIEST_INSTANT <= value < LATEST_INSTANT:
        raise ValueError("must lie between 2000 and 2099")
    return value


def _plausible_day(value: date) -> date:
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValueError("must lie between 1900 and 2199")
    return value


Line8 = Annotated[str, StringConstraints(min_length=1, max_length=8),
                  AfterValidator(_one_line)]
Line16 = Annotated[str, StringConstraints(min_length=1, max_length=16),
                   AfterValidator(_one_line)]
Line24 = Annotated[str, StringConstraints(min_length=1, max_length=24),
                   AfterValidator(_one_line)]
Line32 = Annotated[str, StringConstraints(min_length=1, max_length=32),
                   AfterValidator(_one_line)]
Line48 = Annotated[str, StringConstraints(min_length=1, max_length=48),
                   AfterValidator(_one_line)]
Line64 = Annotated[str, StringConstraints(min_length=1, max_length=64),
                   AfterValidator(_one_line)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
"""Kiosk ids, references, bill ids: what central keeps in a String(64) column."""
VerificationCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{10}$")]
"""What a slip's QR carries to /v1/verify: 10 characters of Crockford base32 (50 bits)."""
Instant = Annotated[AwareDatetime, AfterValidator(_plausible_instant)]
Day = Annotated[date, AfterValidator(_plausible_day)]


class ErrorBody(WireModel):
    """Every 4xx/5xx answer: a stable code from kiosk.errors.ErrorCode."""

    code: str
    message: str = ""
    detail: dict[str, str] = {}


class Health(WireModel):
    status: Literal["ok"]
    version: str
    time: AwareDatetime | None = None  # central's clock, for the kiosk's skew check


class BillOut(WireModel):
    id: str
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    amount: Money = Field(max_digits=12, decimal_places=2)
    late_fee: Money = Field(max_digits=12, decimal_places=2)
    due_date: date


BARCODE_PATTERN = r"^[0-9A-Z]{10,48}$"  # docs/spec/bills.md#barcode; central: E_BARCODE_FORMAT


class BillLookupRequest(WireModel):
    """Exactly one of ``account_no`` and ``barcode`` (a printed bill's barcode, which the
    biller parses; a barcode not matching BARCODE_PATTERN answers E_BARCODE_FORMAT)."""

    biller_id: str
    account_no: str | None = Field(default=None, min_length=1, max_length=48)
    barcode: str | None = Field(default=None, max_length=128)

    @model_validator(mode="after")
    def _one_key(self) -> Self:
        if (self.account_no is None) == (self.barcode is None):
            raise ValueError("give exactly one of account_no and barcode")
        return self


class BillLookupResponse(WireModel):
    biller_id: str
    account_no: str
    holder_masked: str
    address_masked: str
    bills: list[BillOut]
    partial_allowed: bool = False
    lock_token: str | None = None
    lock_expires_at: AwareDatetime | None = None


class BillPaymentRecord(WireModel):
    """A card payment the kiosk took; posted directly or delivered through the outbox.
    ``reference`` is the kiosk's own ("<kiosk id>-YYMMDD-NNNNNN": central refuses one of
    another kiosk); ``verification_code`` is what the receipt's QR carries to
    /v1/verify (absent in records of kiosks from before it existed)."""

    reference: Identifier
    kiosk_id: Identifier
    session_id: Line64
    lang: Line16
    biller_id: Line32
    account_no: Line48
    bill_ids: list[Identifier] = Field(min_length=1, max_length=120)
    amount: Money = Field(gt=0, max_digits=12, decimal_places=2)
    currency: Literal["CNY"] = "CNY"
    lock_token: Line64 | None = None
    paid_at: Instant
    response_code: Line8
    auth_code: Line16 | None = None
    rrn: Line24 | None = None
    masked_pan: str | None = Field(default=None, pattern=r"^\d{6}\*+\d{4}$", max_length=24)
    card_brand: Line32 | None = None
    terminal_id: Line32 | None = None
    merchant_id: Line32 | None = None
    verification_code: VerificationCode | None = None
    # How it was paid (docs/payments-qr.md): absent for a card, as in records of kiosks
    # from before QR payments; a QR payment names its provider and the provider's
    # transaction id, and its order (the reference) is central's own.
    method: Literal["alipay", "wechat", "unionpay"] | None = None
    provider_txn_id: Line64 | None = None


class BillPaymentAck(WireModel):
    reference: str
    central_ref: str
    status: Literal["RECORDED"]
    recorded_at: AwareDatetime
    duplicate: bool = False


OutboxKind = Literal["bill_payment", "stay_registration", "arbitration_application",
                     "technician_event"]  # the last: kiosk.sync.wire_audit


class OutboxRecordIn(WireModel):
    idempotency_key: IdempotencyKey
    kind: OutboxKind
    created_at: AwareDatetime
    payload: dict[str, Any]


class OutboxBatchIn(WireModel):
    kiosk_id: str
    records: list[OutboxRecordIn] = Field(min_length=1, max_length=1000)


class OutboxRecordResult(WireModel):
    idempotency_key: str
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None = None  # an ErrorCode value when rejected
    central_ref: str | None = None
    # Registrations and applications: their status at central ("SUBMITTED",
    # "PENDING_VERIFICATION", "PENDING") and what the slip may show (police station,
    # commission; never personal data).
    record_status: str | None = None
    detail: dict[str, str] = {}


class OutboxBatchOut(WireModel):
    results: list[OutboxRecordResult]


# --- tax records (docs/spec/tax-record.md#record) ------------------------------------------

TaxDocType = Literal["passport", "id_card", "pr_card"]


class TaxIdentifyRequest(WireModel):
    """Who the user is, from the document the reader read."""

    doc_type: TaxDocType
    doc_number: str = Field(min_length=1, max_length=32)
    nationality: str = Field(min_length=1, max_length=3)
    birth_date: date
    surname: str = Field(min_length=1, max_length=64)
    given_names: str = Field(max_length=64)


class TaxIdentifyResponse(WireModel):
    """The taxpayer was found; a one-time code went to the phone on file."""

    otp_session: str
    taxpayer_id_masked: str
    phone_masked: str
    name: str
    expires_at: AwareDatetime | None = None  # when the one-time code stops working


class TaxVerifyRequest(WireModel):
    otp_session: str = Field(min_length=1, max_length=64)
    code: str = Field(max_length=16)  # a wrong shape counts as a wrong code (E_AUTH_FAILED)


class TaxResendRequest(WireModel):
    """Send the session's code again: a new code replaces the old one."""

    otp_session: str = Field(min_length=1, max_length=64)


class TaxVerifyResponse(WireModel):
    token: str
    expires_at: AwareDatetime


class TaxRecordsRequest(WireModel):
    """Periods "YYYY-MM"; a malformed one answers E_PERIOD_INVALID."""

    token: str = Field(min_length=1, max_length=128)
    period_start: str = Field(max_length=16)
    period_end: str = Field(max_length=16)


class TaxRowOut(WireModel):
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    paid_on: date
    income_item: str
    income: Money = Field(max_digits=14, decimal_places=2)
    tax_paid: Money = Field(max_digits=14, decimal_places=2)
    tax_authority: str
    withholding_agent: str


class TaxRecordOut(WireModel):
    """The Individual Income Tax Payment Record (纳税记录)."""

    name: str
    id_type: str
    id_number_masked: str
    taxpayer_id: str
    period_start: str
    period_end: str
    rows: list[TaxRowOut]
    total_income: Money = Field(max_digits=14, decimal_places=2)
    total_tax: Money = Field(max_digits=14, decimal_places=2)
    tax_authority: str
    verification_code: str
    issued_at: AwareDatetime


# --- address book and company registry --------------------------------------------------
# (docs/spec/accommodation.md#address, docs/spec/arbitration.md#respondents)

AddressLevel = Literal["district", "street", "lane", "building", "room"]


class AddressNodeOut(WireModel):
    id: str
    level: AddressLevel
    name_zh: str
    name_en: str
    is_hotel: bool = False


class PoliceStationOut(WireModel):
    name_zh: str
    name_en: str
    phone: str


class AddressOut(WireModel):
    """A room resolved to its full address (district first) and its police station."""

    room_id: str
    parts: list[AddressNodeOut]
    text_zh: str
    text_en: str
    police_station: PoliceStationOut


class CompanyOut(WireModel):
    uscc: str
    name_zh: str
    name_en: str
    address: str
    legal_representative: str
    representative_title: str
    phone: str
    district: str


# --- registrations and applications (outbox kinds; docs/central.md) ---------------------

Text = Annotated[str, StringConstraints(min_length=1, max_length=200),
                 AfterValidator(_one_line)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=1000),
                     AfterValidator(_free_text)]
Alpha3 = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Reference = Identifier
DocNumber = Line32
WarningList = Annotated[list[Line64], Field(max_length=32)]


class SubmissionHeader(WireModel):
    """What the kiosk's store adds to every registration and application."""

    reference: Reference  # provisional, printed on the slip; the kiosk's own
    verification_code: VerificationCode  # in the slip's QR
    kiosk_id: Identifier
    lang: Line16
    submitted_at: Instant


class StayRegistrationRecord(SubmissionHeader):
    """境外人员临时住宿登记 (docs/spec/accommodation.md#central), kind "stay_registration"."""

    surname: Text
    given_names: Text
    middle_name: Text | None = None
    chinese_name: Text | None = None
    sex: Literal["M", "F"]
    birth_date: Day
    nationality: Alpha3  # never "CHN": central answers E_CHINESE_NATIONAL
    doc_type: Literal["passport_ordinary", "passport_diplomatic", "passport_service",
                      "pr_card", "other"]
    doc_number: DocNumber
    doc_expiry: Day
    entry_status_type: Literal["C", "D", "F", "G", "J1", "J2", "L", "M", "Q1", "Q2", "R",
                               "S1", "S2", "X1", "X2", "Z", "RESIDENCE_PERMIT",
                               "STAY_PERMIT", "VISA_FREE"]
    entry_status_number: Text | None = None  # null only for VISA_FREE
    entry_status_valid_until: Day
    number_of_entries: int | None = Field(default=None, ge=0, le=99)
    date_of_entry: Day
    port_of_entry: Line16
    arrival_at: Instant
    planned_departure: Day
    address_room_id: Line64
    accommodation_type: Literal["rented", "own", "relative_friend", "employer"]
    host_name: Text | None = None  # the four host fields: null only when "own"
    host_id_type: Text | None = None
    host_id_number: Text | None = None
    host_phone: Text | None = None
    purpose: Literal["investment", "employment", "study", "exchange", "business",
                     "performance", "visiting", "touring", "real_estate", "medical", "other"]
    phone: Text
    lease_contract: bool
    warnings: WarningList = []

    @model_validator(mode="after")
    def _conditional_fields(self) -> Self:
        if self.entry_status_type != "VISA_FREE" and self.entry_status_number is None:
            raise ValueError("entry_status_number is required unless VISA_FREE")
        host = (self.host_name, self.host_id_type, self.host_id_number, self.host_phone)
        if self.accommodation_type != "own" and any(value is None for value in host):
            raise ValueError("host fields are required unless accommodation_type is own")
        return self


class Applicant(WireModel):
    surname: Text
    given_names: Text
    sex: Literal["M", "F"]
    birth_date: Day
    nationality: Alpha3
    doc_type: Text
    doc_number: DocNumber
    occupation: Text
    address: Text
    service_address: Text
    phone: Text
    work_permit_no: Text | None = None


class Agent(WireModel):
    name: Text
    phone: Text
    authorization_letter: bool


class Party(WireModel):
    """A respondent employer (or co-respondent, e.g. a dispatch agency)."""

    uscc: Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{18}$")]
    name: Text
    address: Text
    legal_representative: Text
    representative_title: Text
    phone: Text


class Employment(WireModel):
    start: Day
    end: Day | None = None
    workplace: Text
    workplace_district: Text


class Claim(WireModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: Line64
    amount: Money | None = Field(default=None, gt=0, max_digits=12, decimal_places=2)
    from_: Day | None = Field(default=None, alias="from")
    to: Day | None = None
    basis: LongText


class Evidence(WireModel):
    name: Text
    source: Text
    fact_proved: LongText
    pages: int = Field(ge=1, le=10_000)


class Witness(WireModel):
    name: Text
    phone: Text | None = None


class ArbitrationApplicationRecord(SubmissionHeader):
    """劳动人事争议仲裁申请 (docs/spec/arbitration.md#central), kind "arbitration_application"."""

    applicant: Applicant
    agent: Agent | None = None
    respondent: Party
    co_respondent: Party | None = None
    employment: Employment
    claims: list[Claim] = Field(min_length=1, max_length=50)
    facts: Annotated[str, StringConstraints(min_length=50, max_length=5000),
                     AfterValidator(_free_text)]
    evidence: list[Evidence] = Field(default=[], max_length=200)
    witnesses: list[Witness] = Field(default=[], max_length=50)
    knew_date: Day
    warnings: WarningList = []

    @model_validator(mode="after")
    def _co_respondent_is_another_party(self) -> Self:
        if self.co_respondent is not None and self.co_respondent.uscc == self.respondent.uscc:
            raise ValueError("co_respondent must be another company than the respondent")
        return self


class StayRegistrationAck(WireModel):
    reference: str  # the kiosk's provisional reference
    registration_no: str  # "LS-310105-2026-000123"
    status: Literal["SUBMITTED", "PENDING_VERIFICATION", "REGISTERED"]
    police_station: str  # "仙霞路派出所"
    police_station_en: str
    police_phone: str
    recorded_at: AwareDatetime
    duplicate: bool = False


class ArbitrationApplicationAck(WireModel):
    reference: str
    application_no: str  # "CNLA-2026-000123"
    status: Literal["PENDING"]  # the acceptance decision is due by decision_due
    commission: str  # "长宁区劳动人事争议仲裁委员会"
    commission_en: str
    commission_address: str
    commission_phone: str
    received_at: AwareDatetime
    decision_due: date
    duplicate: bool = False


# --- slip verification -------------------------------------------------------------------

VerifyKind = Literal["stay_registration", "arbitration_application", "tax_record",
                     "bill_payment"]


class VerificationOut(WireModel):
    """What a slip's QR code opens: no personal data, only what proves the slip."""

    kind: VerifyKind
    reference: str
    number: str | None  # central's final number; null while rejected
    status: str
    issued_at: AwareDatetime
    detail: dict[str, str] = {}


def wire_timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("wire timestamps carry their UTC offset")
    return moment.isoformat(timespec="seconds")
