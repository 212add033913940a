"""What central answers for the self-services other than bill payment: tax identities
and records, the address book, the company registry, slip verification. Plain data; the
sync client builds them from the wire, the services show and print them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class TaxIdentity:
    """A taxpayer found from an identity document; a one-time code was sent to the phone
    central has on file (only its masked form is known at the kiosk)."""

    otp_session: str
    taxpayer_id_masked: str  # "3101************23"
    phone_masked: str  # "138****8000"
    name: str  # as on file, Latin script (MRZ style)


@dataclass(frozen=True)
class TaxRow:
    period: str  # "2026-03"
    paid_on: date  # 入库日期
    income_item: str  # "工资薪金所得 Wages and salaries"
    income: Decimal
    tax_paid: Decimal
    tax_authority: str
    withholding_agent: str


@dataclass(frozen=True)
class TaxRecord:
    """The Individual Income Tax Payment Record (纳税记录) of docs/spec/tax-record.md#record."""

    name: str
    id_type: str  # "passport", "pr_card"
    id_number_masked: str
    taxpayer_id: str
    period_start: str  # "2025-01"
    period_end: str
    rows: tuple[TaxRow, ...]
    total_income: Decimal
    total_tax: Decimal
    tax_authority: str
    verification_code: str
    issued_at: datetime


@dataclass(frozen=True)
class AddressNode:
    """One level of the address book: district > street > lane/number > building > room."""

    id: str
    level: str  # "district", "street", "lane", "building", "room"
    name_zh: str
    name_en: str  # pinyin or official English, so nobody has to read Chinese
    # hotels register their guests themselves (docs/spec/accommodation.md#scope)
    is_hotel: bool = False


@dataclass(frozen=True)
class Address:
    """A fully chosen address (down to the room), as central resolved it."""

    room_id: str
    parts: tuple[AddressNode, ...]  # district ... room
    police_station: str = ""
    police_phone: str = ""

    def text_zh(self) -> str:
        return "上海市" + "".join(part.name_zh for part in self.parts)

    def text_en(self) -> str:
        return ", ".join(part.name_en for part in reversed(self.parts)) + ", Shanghai"


@dataclass(frozen=True)
class Company:
    """A respondent employer from the registry, found by its USCC."""

    uscc: str
    name_zh: str
    name_en: str
    address: str
    legal_representative: str
    representative_title: str
    phone: str = ""
    district: str = ""  # decides, with the workplace, which commission hears the case


@dataclass(frozen=True)
class Submission:
    """What the kiosk knows of a registration or application after submitting it: the
    provisional reference is printed at once; the final number comes from central."""

    provisional_ref: str
    verification_code: str  # in the slip's QR; central's /v1/verify/{code} answers for it
    idempotency_key: str  # of its outbox record: ask the outbox what became of it
    final_number: str | None = None
    status: str = "SUBMITTED"
    extra: dict[str, str] = field(default_factory=dict)  # police station, commission...


@dataclass(frozen=True)
class IdentityClaim:
    """Who the user is, from the document the reader read (never typed)."""

    doc_type: str  # "passport", "id_card", "pr_card"
    doc_number: str
    nationality: str  # ISO 3166-1 alpha-3
    birth_date: date
    surname: str
    given_names: str
