"""What the accommodation registration's screens show: the document for confirmation,
the address lists, the summary of every answer and the texts of the working and done
screens. Labels are English msgids (the UI translates them); values are shown as they
are, so choice labels are translated here through the Translator port.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kiosk.domain.clock import format_day, format_timestamp
from kiosk.domain.nationality import country_name
from kiosk.domain.records import Address
from kiosk.domain.results import Choice as DomainChoice
from kiosk.domain.stay import (
    ACCOMMODATION_TYPES,
    HOST_ID_TYPES,
    PORTS_OF_ENTRY,
    PURPOSES,
    SEXES,
    VISA_TYPES,
    StayForm,
)
from kiosk.services.contract import Choice, ChoiceList, Outcome
from kiosk.services.flow import Person, Row
from kiosk.services.ports import Translator
from kiosk.services.stay_address import AddressPicker


def N_(message: str) -> str:
    return message


LEVEL_HEADINGS = {
    "district": N_("In which district do you stay?"),
    "street": N_("On which street?"),
    "lane": N_("Which lane or number?"),
    "building": N_("Which building?"),
    "room": N_("Which room?"),
}
LEVELS = tuple(LEVEL_HEADINGS)
LEVEL_ICONS = {"district": "city", "street": "map-marker", "lane": "map-marker",
               "building": "home-map-marker", "room": "home"}
HOTEL_NOTE = N_("Hotel: registers its guests itself")
CONFIRM_NOTE = N_("Check that your name is spelled exactly as in your document: the "
                  "machine cannot check the name line.")
SUMMARY_HEADING = N_("Check your registration")
SUMMARY_BUTTON = N_("Submit my registration")
# The done screen says what the slip's status line says (slips_stay.STATUS_LABELS), for
# the status central returned (slip_status): never "registered" for a registration the
# police have only received, or that the kiosk could not deliver yet.
DONE_REGISTERED = Outcome(
    title=N_("Your stay is registered"),
    detail=N_("The police may visit to check your stay. Keep the slip with your passport."),
    reference_label=N_("Registration number"),
)
DONE_SUBMITTED = Outcome(
    title=N_("Your registration is submitted"),
    detail=N_("The police have your registration and may visit to check your stay. Keep "
              "the slip with your passport."),
    reference_label=N_("Registration number"),
)
DONE_PENDING_VERIFICATION = Outcome(
    title=N_("Your registration is waiting for verification"),
    detail=N_("You registered more than 24 hours after you arrived, so the police check it "
              "first and may visit you. Keep the slip with your passport."),
    reference_label=N_("Registration number"),
)
DONE_PROVISIONAL = Outcome(
    title=N_("Your registration is accepted"),
    detail=N_("The police system could not confirm it yet. The kiosk sends it as soon as "
              "it can: scan the QR code on the slip later to see your registration number."),
    reference_label=N_("Provisional reference"),
)
DONE_OUTCOMES = {"REGISTERED": DONE_REGISTERED, "SUBMITTED": DONE_SUBMITTED,
                 "PENDING_VERIFICATION": DONE_PENDING_VERIFICATION,
                 "PROVISIONAL": DONE_PROVISIONAL}


def outcome(status: str) -> Outcome:
    """The done screen for a slip_status(); a status this kiosk does not know reads as
    submitted, as on the slip."""
    return DONE_OUTCOMES.get(status, DONE_SUBMITTED)
_YES, _NO = N_("Yes"), N_("No")


def identity_rows(person: Person, document: dict[str, Any], lang: str) -> list[Row]:
    """What the reader read, shown once in full for confirmation (number masked)."""
    rows = [Row(N_("Name"), f"{person.surname} {person.given_names}", True)]
    if document.get("chinese_name"):
        rows.append(Row(N_("Chinese name"), str(document["chinese_name"])))
    return [
        *rows,
        Row(N_("Nationality"), country_name(person.nationality, lang)),
        Row(N_("Date of birth"), format_day(person.birth_date, lang)),
        Row(N_("Document number"), person.masked_number)]


def level_of(picker: AddressPicker) -> str:
    """Which level of the address book the list shows (district ... room)."""
    choices = picker.choices
    if choices and choices[0].level in LEVEL_HEADINGS:
        return choices[0].level
    return LEVELS[min(len(picker.path), len(LEVELS) - 1)]


def choice_list(picker: AddressPicker, choices: list[Choice]) -> ChoiceList:
    """The address level on screen: its question, what was chosen so far, its entries."""
    level = level_of(picker)
    return ChoiceList(heading=LEVEL_HEADINGS[level], trail=picker.trail(),
                      icon=LEVEL_ICONS[level], choices=tuple(choices))


def address_choices(picker: AddressPicker, translator: Translator, lang: str) -> list[Choice]:
    """The list, Chinese name as title and English under it; a hotel says why it is
    refused before anyone touches it."""
    note = translator.gettext(lang, HOTEL_NOTE)
    return [Choice(id=node.id, title=node.name_zh,
                   subtitle=f"{node.name_en} · {note}" if node.is_hotel else node.name_en)
            for node in picker.choices]


ADDRESS_CHANGE = "address"  # Row.change of the address: the lists are walked again


def summary_rows(person: Person, form: StayForm, address: Address, lang: str,
                 translator: Translator, asked: frozenset[str] = frozenset()) -> list[Row]:
    """Every answer, the address in Chinese and English and its police station. A row
    whose value was answered to one of the ``asked`` questions offers Change (its key);
    what the document gave does not."""
    def tr(choices: tuple[DomainChoice, ...], code: object) -> str:
        label = next((choice.label for choice in choices if choice.code == code), None)
        return translator.gettext(lang, label) if label is not None else "-"

    def row(label: str, value: str, key: str, emphasis: bool = False) -> Row:
        return Row(label, value, emphasis, change=key if key in asked else "")

    rows = [Row(N_("Name"), f"{person.surname} {person.given_names}", True)]
    if form.chinese_name:
        rows.append(row(N_("Chinese name"), form.chinese_name, "chinese_name"))
    rows += [
        row(N_("Sex"), tr(SEXES, form.sex), "sex"),
        Row(N_("Date of birth"), _day(lang, form.birth_date)),
        Row(N_("Nationality"), country_name(person.nationality, lang)),
        Row(N_("Document number"), person.masked_number),
        row(N_("Document valid until"), _day(lang, form.doc_expiry), "doc_expiry"),
        row(N_("Visa or permit"), tr(VISA_TYPES, form.entry_status_type), "entry_status_type"),
    ]
    if form.entry_status_number:
        rows.append(row(N_("Visa or permit number"), form.entry_status_number,
                        "entry_status_number"))
    rows.append(row(N_("Valid until"), _day(lang, form.entry_status_valid_until),
                    "entry_status_valid_until"))
    if form.number_of_entries is not None:
        rows.append(row(N_("Number of entries"), str(form.number_of_entries),
                        "number_of_entries"))
    rows += [
        row(N_("Date of entry"), _day(lang, form.date_of_entry), "date_of_entry"),
        row(N_("Port of entry"), tr(PORTS_OF_ENTRY, form.port_of_entry), "port_of_entry"),
        Row(N_("Address"), address.text_zh(), True, change=ADDRESS_CHANGE),
        Row(N_("Address in English"), address.text_en()),
        Row(N_("Police station"), address.police_station or "-"),
        row(N_("Arrival"), format_timestamp(form.arrival_at, lang) if form.arrival_at else "-",
            "arrival_date"),
        row(N_("Planned departure"), _day(lang, form.planned_departure), "planned_departure"),
        row(N_("Whose home"), tr(ACCOMMODATION_TYPES, form.accommodation_type),
            "accommodation_type"),
    ]
    if form.host_name:
        rows += [row(N_("Host"), form.host_name, "host_name"),
                 row(N_("Host's document"), tr(HOST_ID_TYPES, form.host_id_type),
                     "host_id_type"),
                 row(N_("Host's document number"), masked(form.host_id_number),
                     "host_id_number"),
                 row(N_("Host's phone"), form.host_phone or "-", "host_phone")]
    rows += [row(N_("Purpose of stay"), tr(PURPOSES, form.purpose), "purpose"),
             row(N_("Your phone"), form.phone or "-", "phone")]
    if form.lease_contract is not None:
        rows.append(row(N_("Lease contract"),
                        translator.gettext(lang, _YES if form.lease_contract else _NO),
                        "lease_contract"))
    return rows


def masked(number: str | None) -> str:
    """All but the last 4 characters hidden (personal data shown masked: docs/ui-guide.md#words)."""
    text = number or ""
    return "*" * max(len(text) - 4, 0) + text[-4:] if text else "-"


def _day(lang: str, value: date | None) -> str:
    return format_day(value, lang) if value is not None else "-"
