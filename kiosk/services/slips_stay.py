"""The accommodation registration slip (docs/spec/accommodation.md#slip): 境外人员临时住宿登记凭证.

Registration number (or the provisional reference, clearly marked, when central's number
has not come yet) with its verification code and QR, name in MRZ Latin script,
nationality, masked document number, the address in Chinese and English, arrival date,
registration time, police station and phone, status; the legal basis and what to do
when the police visit. Bilingual like every slip (zh-Hans + the reader's language).
Until the catalogs carry these messages, the Chinese half falls back to the texts
below, so the slip never prints an English msgid where Chinese belongs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from hardware.document import Align, Block, Document, QRCode, Row, Rule, Text
from kiosk.domain.clock import format_timestamp
from kiosk.domain.languages import SLIP_BASE_LANGUAGE
from kiosk.domain.nationality import country_name
from kiosk.domain.records import Address
from kiosk.services.ports import Translator
from kiosk.services.slips import SlipHeader, _Bilingual, _footer, _header


def N_(message: str) -> str:
    return message


TITLE = N_("Temporary Accommodation Registration Receipt")
REGISTRATION_NUMBER = N_("Registration number")
PROVISIONAL_REFERENCE = N_("Provisional reference")
PROVISIONAL_NOTE = N_("Provisional: the final number comes by verification. Scan the QR "
                      "code later to see it.")
VERIFICATION_CODE = N_("Verification code")
SCAN_TO_CHECK = N_("Scan the code to check this registration.")
NAME = N_("Name")
NATIONALITY = N_("Nationality")
DOCUMENT_NUMBER = N_("Document number")
ADDRESS = N_("Address")
ARRIVAL_DATE = N_("Arrival date")
REGISTERED_AT = N_("Registration time")
POLICE_STATION = N_("Police station")
POLICE_PHONE = N_("Police station phone")
STATUS = N_("Status")
KIOSK = N_("Kiosk")
LEGAL_BASIS = N_("Exit-Entry Administration Law, Art. 39: a foreigner staying outside a "
                 "hotel registers with the police within 24 hours of moving in.")
POLICE_VISIT = N_("The police may visit to verify your stay. Show them your passport and "
                  "this slip. If you move or your dates change, register again.")

STATUS_LABELS = {
    "SUBMITTED": N_("Submitted"),
    "PENDING_VERIFICATION": N_("Pending verification (late registration)"),
    "REGISTERED": N_("Registered"),
    "PROVISIONAL": N_("Accepted by the kiosk, not yet confirmed"),
}

_BIG_REFERENCE = 24  # characters that still fit one line at double width (48 columns)


@dataclass(frozen=True)
class StaySlipFacts:
    """What the slip says. Personal data: built for one print, never logged."""

    number: str  # central's registration number, or the kiosk's provisional reference
    provisional: bool
    verification_code: str
    verify_url: str  # what the QR opens
    name: str  # MRZ Latin script
    nationality: str  # ISO alpha-3
    doc_number_masked: str
    address: Address
    arrival: datetime
    registered_at: datetime
    status: str  # a key of STATUS_LABELS


def _nationality(code: str, lang: str) -> str:
    """"德国 Germany": the country in Chinese and in the reader's language."""
    base = country_name(code, SLIP_BASE_LANGUAGE)
    reader = country_name(code, lang)
    return base if reader == base else f"{base} {reader}"


def stay_slip(header: SlipHeader, facts: StaySlipFacts, lang: str,
              translator: Translator) -> Document:
    bi = _Bilingual(translator, lang)
    label = PROVISIONAL_REFERENCE if facts.provisional else REGISTRATION_NUMBER
    size: Literal[1, 2] = 2 if len(facts.number) <= _BIG_REFERENCE else 1
    blocks: list[Block] = _header(header, TITLE, bi)
    blocks += [
        Text(bi(label), align=Align.CENTER),
        Text(facts.number, align=Align.CENTER, bold=True, size=size),
    ]
    if facts.provisional:
        blocks.append(Text(bi(PROVISIONAL_NOTE), align=Align.CENTER))
    blocks += [
        Rule(),
        Row(bi(NAME), facts.name, bold=True),
        Row(bi(NATIONALITY), _nationality(facts.nationality, lang)),
        Row(bi(DOCUMENT_NUMBER), facts.doc_number_masked),
        Text(bi(ADDRESS), bold=True),
        Text(facts.address.text_zh()),
        Text(facts.address.text_en()),
        Row(bi(ARRIVAL_DATE), facts.arrival.date().isoformat()),
        Row(bi(REGISTERED_AT), format_timestamp(facts.registered_at, lang)),
        Row(bi(POLICE_STATION), facts.address.police_station or "-"),
        Row(bi(POLICE_PHONE), facts.address.police_phone or "-"),
        Row(bi(STATUS), bi(STATUS_LABELS.get(facts.status, STATUS_LABELS["SUBMITTED"])),
            bold=True),
        Row(bi(KIOSK), header.kiosk_id),
        Rule(),
        Text(bi(VERIFICATION_CODE), align=Align.CENTER),
        Text(facts.verification_code, align=Align.CENTER, bold=True, size=2),
        QRCode(data=facts.verify_url, align=Align.CENTER),
        Text(bi(SCAN_TO_CHECK), align=Align.CENTER),
    ]
    blocks += _footer(header, bi, LEGAL_BASIS, POLICE_VISIT)
    return Document(blocks=tuple(blocks), language=lang,
                    title=f"stay registration {facts.verification_code}")
